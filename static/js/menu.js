/* The signed-in menu on a phone: folded behind one "Menu" button instead of taking a
   quarter of the screen. Loaded right after the menu (not deferred), so the page is never
   painted with the menu open first. The button is a disclosure (aria-expanded,
   aria-controls); Escape closes it and returns focus to the button. Without JavaScript the
   button stays hidden and the menu stays open; on a wide screen CSS hides the button. */
(function () {
  "use strict";
  var button = document.querySelector(".menu-toggle");
  var nav = button && document.getElementById(button.getAttribute("aria-controls"));
  if (!nav) { return; }
  button.hidden = false;
  document.documentElement.classList.add("has-menu-toggle");

  function setOpen(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    nav.classList.toggle("is-open", open);
  }

  button.addEventListener("click", function () {
    setOpen(button.getAttribute("aria-expanded") !== "true");
  });
  nav.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      button.focus();
    }
  });
})();
