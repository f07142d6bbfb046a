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

  /* Search by name: hides the rows that do not match (accents and case ignored). */
  function fold(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }
  var searchBox = form.querySelector("[data-att-search-box]");
  var search = form.querySelector("[data-att-search]");
  var noMatch = form.querySelector("[data-att-no-match]");
  if (searchBox && search) {
    searchBox.hidden = false;
    search.addEventListener("input", function () {
      var wanted = fold(search.value);
      var shown = 0;
      Array.prototype.forEach.call(form.querySelectorAll(".att-row"), function (row) {
        var match = !wanted || fold(row.getAttribute("data-att-name")).indexOf(wanted) !== -1;
        row.hidden = !match;
        if (match) { shown += 1; }
      });
      if (noMatch) { noMatch.classList.toggle("att-hidden", shown !== 0); }
    });
  }

  /* Arrived / left: fills in the minutes (the server does the same without this script). */
  function clock(value) {
    var m = /^(\d{1,2})[:.](\d{2})/.exec(value || "");
    return m ? parseInt(m[1], 10) * 60 + parseInt(m[2], 10) : null;
  }
  var start = clock(form.getAttribute("data-start"));
  var end = clock(form.getAttribute("data-end"));
  if (end !== null && start !== null && end <= start) { end += 24 * 60; }
  form.addEventListener("input", function (event) {
    var target = event.target;
    if (!target.matches("[data-att-arrived], [data-att-left]")) { return; }
    var row = target.closest(".att-row");
    var arrived = clock(row.querySelector("[data-att-arrived]").value);
    var left = clock(row.querySelector("[data-att-left]").value);
    if ((arrived === null && left === null) || start === null || end === null) { return; }
    var from = Math.max(arrived === null ? start : arrived, start);
    var until = Math.min(left === null ? end : left, end);
    var minutes = row.querySelector(".att-minutes-input");
    if (minutes && until > from) { minutes.value = String(until - from); }
  });

  form.addEventListener("change", function () { dirty = true; });
  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
