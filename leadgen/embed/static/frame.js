/* Runs inside /embed/*: tells the parent page how tall this page is, and opens links that leave
   the embed in a new tab, so the blog post stays where the reader left it. (Focus after a failed
   submit is forms.js's job, as on every page.) */
(function () {
  "use strict";

  var root = document.querySelector(".embed-root");
  var parentOrigin = document.documentElement.getAttribute("data-parent-origin");

  document.querySelectorAll("a[href]").forEach(function (link) {
    var url = new URL(link.href, location.href);
    var inside = url.origin === location.origin && url.pathname.indexOf("/embed/") === 0;
    if (!inside && !link.target) {
      link.target = "_blank";
      link.rel = "noopener";
    }
  });

  // The server sets data-parent-origin only for a parent on the allow-list; without it we
  // stay silent. Never post to "*" (docs/embedding.md, "Resizing with postMessage").
  if (!root || !parentOrigin || window.parent === window) {
    return;
  }
  var last = 0;
  function report() {
    var height = Math.ceil(root.getBoundingClientRect().height);
    if (height !== last) {
      last = height;
      window.parent.postMessage({ type: "leadgen:resize", height: height }, parentOrigin);
    }
  }
  if ("ResizeObserver" in window) {
    new ResizeObserver(report).observe(root);
  }
  window.addEventListener("load", report);
  report();
})();
