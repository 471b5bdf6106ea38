/* Copy buttons on the staff pages: `<button data-copy="ID" hidden>` copies the text of #ID.
 *
 * The buttons stay hidden without this script; the text can always be selected by hand.
 */
(function () {
  "use strict";

  var status = document.querySelector(".copy-status");

  var SHOW_DONE_MS = 2000;

  // Said twice: in the status line for screen readers, and on the button, where the eye is.
  function say(key, button) {
    var text = status ? status.getAttribute(key) || "" : "";
    if (status) {
      status.textContent = text;
    }
    if (key === "data-copied" && text) {
      var label = button.getAttribute("data-label") || button.textContent;
      button.setAttribute("data-label", label);
      button.textContent = text;
      setTimeout(function () {
        button.textContent = label;
      }, SHOW_DONE_MS);
    }
  }

  function selectText(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  // The Clipboard API needs a secure context (https, or localhost); elsewhere the old way.
  function copyOld(el, button) {
    selectText(el);
    var done = false;
    try {
      done = document.execCommand("copy");
    } catch (error) {
      done = false;
    }
    say(done ? "data-copied" : "data-failed", button);
  }

  function copy(button) {
    var el = document.getElementById(button.getAttribute("data-copy"));
    if (!el) {
      return;
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(el.textContent).then(
        function () {
          selectText(el);
          say("data-copied", button);
        },
        function () {
          copyOld(el, button);
        }
      );
    } else {
      copyOld(el, button);
    }
  }

  var buttons = document.querySelectorAll("button[data-copy]");
  for (var i = 0; i < buttons.length; i += 1) {
    buttons[i].hidden = false;
    buttons[i].addEventListener("click", function (event) {
      copy(event.currentTarget);
    });
  }
})();
