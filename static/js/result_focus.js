/* Focus on the result of an action (the flashed messages, #resultaat), so keyboard and
   screen-reader users hear it and continue from there. The element also carries
   autofocus, but browsers skip autofocus when the URL names an element in its fragment
   (after "Inschrijven" the page returns to #inschrijven), and scrolling to that fragment
   moves focus to the page itself: focus would stay on <body>. So focus is given once the
   page has loaded (after the scroll to the fragment), unless the person already moved it. */
(function () {
  "use strict";
  function focusResult() {
    var result = document.getElementById("resultaat");
    if (result && (!document.activeElement || document.activeElement === document.body)) {
      result.focus();
    }
  }
  focusResult();
  if (document.readyState === "complete") { return; }
  window.addEventListener("load", focusResult);
})();
