/* The trainer's check-in screen: a countdown to the next code. The page reloads itself
   through <meta http-equiv="refresh"> (works without this script too). */
(function () {
  "use strict";
  var el = document.getElementById("att-countdown");
  if (!el) { return; }
  var seconds = parseInt(el.getAttribute("data-seconds"), 10);
  var template = el.getAttribute("data-msg");
  if (isNaN(seconds) || !template) { return; }
  var deadline = Date.now() + seconds * 1000;
  function tick() {
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    el.textContent = template.replace("{n}", String(left));
    if (left > 0) { window.setTimeout(tick, 1000); }
  }
  tick();
})();
