// Catalogue: on a phone, fold the filters away (unless some are in use) so the results
// come first. Without JavaScript the filters simply stay open.
(function () {
  "use strict";
  var more = document.getElementById("cat-more");
  if (!more || more.getAttribute("data-active") === "true") {
    return;
  }
  if (window.matchMedia && window.matchMedia("(max-width: 40rem)").matches) {
    more.open = false;
  }
})();
