/* Calendar pages: a "Kopiëren" button beside a read-only link (progressive: without
   JavaScript the button stays hidden and the field can be selected and copied by hand). */
(function () {
  "use strict";

  function copyText(input) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(input.value);
    }
    input.focus();
    input.select();
    return new Promise(function (resolve, reject) {
      try {
        if (document.execCommand("copy")) { resolve(); } else { reject(new Error("copy")); }
      } catch (error) {
        reject(error);
      }
    });
  }

  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-copy-target"));
    if (!input) { return; }
    var container = button.closest(".cal-copy") || document;
    var status = container.querySelector("[data-copy-status]");
    var label = button.textContent;
    button.hidden = false;

    input.addEventListener("focus", function () { input.select(); });

    button.addEventListener("click", function () {
      copyText(input).then(function () {
        button.textContent = button.getAttribute("data-copied-text") || label;
        if (status) { status.textContent = "De link is gekopieerd naar het klembord."; }
        window.setTimeout(function () { button.textContent = label; }, 2500);
      }, function () {
        input.focus();
        input.select();
        if (status) { status.textContent = "Kopiëren lukte niet: de link is geselecteerd, kopieer hem met Ctrl+C of Cmd+C."; }
      });
    });
  });
})();
