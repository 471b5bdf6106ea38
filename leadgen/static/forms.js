/* Runs on every page with a form: after a failed submit, puts the focus on the first field that
   needs attention, so keyboard and screen-reader users land where the work is. The summary above
   the form (role="alert") is announced; its links jump to their fields. */
(function () {
  "use strict";

  var alert = document.getElementById("form-alert");
  if (!alert) {
    return;
  }
  var first = document.querySelector(
    ".field--error input:not([type=hidden]), .field--error textarea, .field--error select"
  );
  // Inside the blog's iframe the parent page decides what scrolls (embed.js), so no scrolling.
  var framed = document.documentElement.classList.contains("embed");
  var target = first || alert;
  target.focus({ preventScroll: true });
  if (!framed) {
    // Keep the field's label in view too: scroll to the field's block, not to the input.
    (first ? first.closest(".field") : alert).scrollIntoView({ block: "center" });
  }

  alert.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    var field = link && document.getElementById(link.getAttribute("href").slice(1));
    if (field) {
      event.preventDefault();
      field.focus({ preventScroll: framed });
      if (!framed) {
        field.closest(".field").scrollIntoView({ block: "center" });
      }
    }
  });
})();
