// A text filter for a long <select> (the organisation list at registration and on the
// profile): typing hides the options that do not contain the text. Without JavaScript
// the <select> works alone (and browsers already jump to an option as you type).
(function () {
  "use strict";
  function normalise(text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }
  var boxes = document.querySelectorAll("[data-select-filter]");
  Array.prototype.forEach.call(boxes, function (box, index) {
    var select = box.querySelector("select");
    if (!select) {
      return;
    }
    var id = "select-filter-" + index;
    var label = document.createElement("label");
    label.setAttribute("for", id);
    label.textContent = box.getAttribute("data-filter-label") || "";
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.autocomplete = "off";
    input.setAttribute("aria-controls", select.id);
    var status = document.createElement("p");
    status.className = "hint";
    status.setAttribute("aria-live", "polite");
    var wrap = document.createElement("div");
    wrap.className = "field";
    wrap.appendChild(label);
    wrap.appendChild(input);
    wrap.appendChild(status);
    box.insertBefore(wrap, box.firstChild);
    input.addEventListener("input", function () {
      var wanted = normalise(input.value.trim());
      var shown = 0;
      var first = null;
      Array.prototype.forEach.call(select.options, function (option) {
        // The first ("none") and last ("not listed") choices always stay.
        var keep = !option.value || option.value === "new" ||
          normalise(option.text).indexOf(wanted) !== -1;
        option.hidden = !keep;
        option.disabled = !keep;
        if (keep && option.value && option.value !== "new") {
          shown += 1;
          if (first === null) {
            first = option;
          }
        }
      });
      if (wanted && first !== null && select.selectedOptions[0] && select.selectedOptions[0].hidden) {
        select.value = first.value;
      }
      status.textContent = wanted ? (box.getAttribute("data-filter-count") || "") + " " + shown : "";
    });
  });
})();
