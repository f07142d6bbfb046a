/* A table wrapper that scrolls sideways (a wide table on a phone) must be reachable by
   keyboard, or its hidden columns cannot be read (axe: scrollable-region-focusable).
   Every .table-wrap (and .rep-scroll, a report's wide chart) that is wider than its box
   gets tabindex=0, role=region and a name taken from the table's caption or the nearest
   heading before it; wrappers that fit lose
   them again, so no empty tab stops remain on a desktop. Templates that already give a
   wrapper these attributes (data-scroll-region absent, tabindex present) are left alone. */
(function () {
  "use strict";
  // Tables, and the wide charts of the reports (per activity, per period).
  var SCROLLERS = ".table-wrap, .rep-scroll";
  var fallback = (document.documentElement.lang || "nl").indexOf("en") === 0 ? "Table" : "Tabel";

  function nameFor(wrap) {
    var caption = wrap.querySelector("caption");
    if (caption && caption.textContent.trim()) { return caption.textContent.trim(); }
    var node = wrap;
    while (node) {
      var prev = node.previousElementSibling;
      while (prev) {
        if (/^H[1-6]$/.test(prev.tagName)) { return prev.textContent.trim(); }
        var inner = prev.querySelectorAll ? prev.querySelectorAll("h1,h2,h3,h4,h5,h6") : [];
        if (inner.length) { return inner[inner.length - 1].textContent.trim(); }
        prev = prev.previousElementSibling;
      }
      node = node.parentElement;
      if (node && node.tagName === "MAIN") { break; }
    }
    return fallback;
  }

  function update() {
    var wraps = document.querySelectorAll(SCROLLERS);
    for (var i = 0; i < wraps.length; i++) {
      var wrap = wraps[i];
      var ours = wrap.hasAttribute("data-scroll-region");
      if (!ours && wrap.hasAttribute("tabindex")) { continue; }
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        wrap.setAttribute("data-scroll-region", "");
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        if (!wrap.hasAttribute("aria-labelledby")) { wrap.setAttribute("aria-label", nameFor(wrap)); }
      } else if (ours) {
        wrap.removeAttribute("data-scroll-region");
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
      }
    }
  }

  var pending = null;
  window.addEventListener("resize", function () {
    if (pending) { window.clearTimeout(pending); }
    pending = window.setTimeout(update, 150);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", update);
  } else {
    update();
  }
})();
