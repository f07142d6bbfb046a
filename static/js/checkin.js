/* The check-in display: asks the server every few seconds for the current code, its QR
   code and who checked in, and shows them without reloading the page (no meta refresh,
   which would move a screen reader's focus). Without this script the page has a
   "Code vernieuwen" link. */
(function () {
  "use strict";
  var main = document.querySelector("[data-checkin-state]");
  if (!main || !window.fetch) { return; }
  var url = main.getAttribute("data-checkin-state");
  var countdown = document.getElementById("att-countdown");
  var template = countdown ? countdown.getAttribute("data-msg") : null;
  var deadline = null;
  var shownState = null;

  function tick() {
    if (!countdown || !template || deadline === null) { return; }
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    countdown.textContent = template.replace("{n}", String(left));
  }

  function names(list) {
    var box = main.querySelector("[data-checkin-names]");
    if (!box) { return; }
    var items = list.length ? list : [box.getAttribute("data-empty") || ""];
    var current = Array.prototype.map.call(box.children, function (li) { return li.textContent; });
    if (current.join("\n") === items.join("\n")) { return; }
    box.textContent = "";
    items.forEach(function (text) {
      var li = document.createElement("li");
      li.textContent = text;
      if (!list.length) { li.className = "att-arrived-empty"; }
      box.appendChild(li);
    });
  }

  function apply(data) {
    if (shownState !== null && data.state !== shownState) {
      window.location.reload();  // the window opened or closed: the page's shape changes
      return;
    }
    shownState = data.state;
    var code = main.querySelector("[data-checkin-code]");
    if (code && data.display && code.textContent !== data.display) {
      code.textContent = data.display;
      code.setAttribute("aria-label", code.getAttribute("aria-label").split(":")[0] + ": " + data.spoken);
      var qr = main.querySelector("[data-checkin-qr]");
      if (qr && data.qr_svg) { qr.innerHTML = data.qr_svg; }
    }
    var present = main.querySelector("[data-checkin-present]");
    if (present) { present.textContent = String(data.present); }
    names(data.names || []);
    if (data.refresh_in) { deadline = Date.now() + (data.refresh_in - 1) * 1000; }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data) { apply(data); }
        window.setTimeout(poll, 5000);
      })
      .catch(function () { window.setTimeout(poll, 10000); });
  }

  var seconds = countdown ? parseInt(countdown.getAttribute("data-seconds"), 10) : NaN;
  if (!isNaN(seconds)) { deadline = Date.now() + seconds * 1000; }
  window.setInterval(tick, 1000);
  tick();
  poll();
})();
