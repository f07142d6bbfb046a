/* Taking attendance: "Iedereen aanwezig" fills in the rows without a choice at once,
   without a round trip, and a warning keeps unsaved choices from being lost.
   Progressive enhancement only: without this script the button asks the server to do
   the same and the form works as a plain form. */
(function () {
  "use strict";
  var form = document.querySelector("[data-att-form]");
  if (!form) { return; }
  var button = form.querySelector("[data-att-all]");
  var live = document.getElementById("att-live");
  var dirty = false;

  function say(count) {
    if (!live) { return; }
    var text;
    if (count === 0) {
      text = live.getAttribute("data-msg-none");
    } else {
      text = live.getAttribute(count === 1 ? "data-msg-one" : "data-msg-many");
    }
    live.textContent = (text || "").replace("{n}", String(count));
    live.classList.remove("att-hidden");
  }

  if (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var filled = 0;
      var groups = form.querySelectorAll(".att-row fieldset");
      Array.prototype.forEach.call(groups, function (group) {
        if (group.querySelector("input[type=radio]:checked")) { return; }
        var present = group.querySelector('input[data-att-status="present"]');
        if (present) {
          present.checked = true;
          filled += 1;
        }
      });
      if (filled) { dirty = true; }
      say(filled);
    });
  }

  form.addEventListener("change", function () { dirty = true; });
  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
