/* A running user import: asks the server for its progress every two seconds and shows
   the result page once it is done. Without this script the page has a "Vernieuwen" link. */
(function () {
  "use strict";
  var box = document.querySelector("[data-import-status]");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-import-status");
  var processed = box.querySelector("[data-import-processed]");
  var bar = box.querySelector("[data-import-progress]");
  var reload = document.querySelector("[data-import-reload]");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { window.setTimeout(poll, 5000); return; }
        if (processed) { processed.textContent = String(data.processed); }
        if (bar) { bar.value = data.processed; bar.max = data.total || 1; }
        if (data.finished) {
          window.location.href = reload ? reload.href : window.location.href;
          return;
        }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
