/* leadgen embed script: no dependencies.
 *
 *   <script src="https://<host>/embed.js" data-form="ebook" async></script>
 *   <div data-leadgen-form="advies"><a href="https://<host>/advies">…</a></div>
 *
 * The forms speak the blog page's language, read from `<html lang>` (its primary subtag: nl-NL is
 * Dutch, en-GB English; any other or none is Dutch, the practice's language). `data-lang="nl"` or
 * `"en"` overrides it: on a placeholder for that form, on a script tag with data-form for its own
 * form, on the plain script tag for every placeholder on the page. The script's own few words
 * (the frame's title, the fallback link) follow the same choice.
 *
 * Each script tag with data-form, and each placeholder div, becomes an iframe of /embed/<form>
 * that carries this page's URL and UTM parameters and is kept exactly as tall as its content.
 * Only messages from our own origin, and from our own iframes, are ever read.
 */
(function () {
  "use strict";

  // The first height is a guess close to the real one, so the page barely moves when the form
  // loads: narrow columns wrap more lines, roughly as base + perWidth / width (measured 320-720).
  var FORMS = {
    ebook: {
      path: "ebook",
      base: 488,
      perWidth: 131000
    },
    advies: {
      path: "advies",
      base: 899,
      perWidth: 195000
    }
  };
  var TEXTS = {
    nl: {
      ebook: ["Formulier: gratis e-book aanvragen", "Vraag het gratis e-book aan"],
      advies: [
        "Formulier: gratis adviesgesprek of pijncheck",
        "Vraag een gratis adviesgesprek of pijncheck aan"
      ],
      newWindow: " (opent in een nieuw venster)"
    },
    en: {
      ebook: ["Form: request the free e-book", "Request the free e-book"],
      advies: [
        "Form: free advice call or pain check",
        "Ask for a free advice call or pain check"
      ],
      newWindow: " (opens in a new window)"
    }
  };
  var UTM = ["utm_source", "utm_medium", "utm_campaign", "utm_content"];
  var MIN_HEIGHT = 120;
  var MAX_HEIGHT = 6000;
  // A frame that has loaded but not reported its height within this time is blocked: a blog
  // that is not on the allow-list, or a network error page. The frame reports before its load
  // event, so this grace time only has to cover message delivery.
  var SILENT_AFTER_LOAD_MS = 2500;
  var SILENT_AFTER_INSERT_MS = 15000;

  var script = document.currentScript;
  if (!script) {
    var scripts = document.querySelectorAll("script[src*='/embed.js']");
    script = scripts[scripts.length - 1];
  }
  if (!script || !window.URL || !window.postMessage) {
    return;
  }
  var origin = new URL(script.src, location.href).origin;
  var frames = [];

  function known(value) {
    var primary = String(value || "")
      .trim()
      .toLowerCase()
      .split(/[-_]/)[0];
    return TEXTS.hasOwnProperty(primary) ? primary : "";
  }

  // The element's own data-lang, then (for a placeholder) this script's, then the page's; Dutch
  // when none is known.
  function languageOf(el) {
    return (
      known(el.getAttribute("data-lang")) ||
      (el.tagName === "SCRIPT" ? "" : known(script.getAttribute("data-lang"))) ||
      known(document.documentElement.lang) ||
      "nl"
    );
  }

  function sourceUrl() {
    var page = location.href.split("#")[0];
    return page.length <= 500 ? page : location.origin + location.pathname;
  }

  // The hosted form reads the same parameters, so the fallback link keeps the attribution too.
  function formUrl(path, lang) {
    var url = new URL(path, origin);
    var here = new URL(location.href);
    url.searchParams.set("source", sourceUrl());
    url.searchParams.set("lang", lang);
    UTM.forEach(function (key) {
      var value = here.searchParams.get(key);
      if (value) {
        url.searchParams.set(key, value.slice(0, 100));
      }
    });
    return url;
  }

  function frameUrl(form, lang) {
    var url = formUrl("/embed/" + FORMS[form].path, lang);
    url.searchParams.set("parent", location.origin);
    return url.href;
  }

  function fallbackLink(form, lang) {
    var link = document.createElement("a");
    link.href = formUrl("/" + FORMS[form].path, lang).href;
    link.target = "_blank";
    link.rel = "noopener";
    link.textContent = TEXTS[lang][form][1] + TEXTS[lang].newWindow;
    return link;
  }

  function insert(form, lang, host, before) {
    var box = document.createElement("div");
    box.className = "leadgen-embed";
    box.style.cssText = "width:100%;max-width:720px;margin:1.5em 0;";
    var iframe = document.createElement("iframe");
    iframe.src = frameUrl(form, lang);
    iframe.title = TEXTS[lang][form][0];
    iframe.setAttribute("scrolling", "no");
    iframe.style.cssText =
      "display:block;width:100%;border:0;overflow:hidden;background:transparent;";
    var fallback = document.createElement("p");
    fallback.style.cssText = "display:none;margin:.5em 0;";
    fallback.appendChild(fallbackLink(form, lang));
    box.appendChild(iframe);
    box.appendChild(fallback);
    host.insertBefore(box, before);
    var width = Math.max(280, Math.min(720, box.clientWidth || 720));
    iframe.style.height = Math.round(FORMS[form].base + FORMS[form].perWidth / width) + "px";

    var entry = { iframe: iframe, fallback: fallback, loads: 0, checked: 0, heard: false };
    frames.push(entry);
    function giveWay() {
      if (!entry.heard) {
        iframe.style.display = "none";
        fallback.style.display = "block";
      }
    }
    iframe.addEventListener("load", function () {
      entry.loads += 1;
      if (entry.loads === 1) {
        setTimeout(giveWay, SILENT_AFTER_LOAD_MS);
      }
    });
    setTimeout(giveWay, SILENT_AFTER_INSERT_MS);
  }

  function onMessage(event) {
    if (event.origin !== origin || !event.data || event.data.type !== "leadgen:resize") {
      return;
    }
    var height = Number(event.data.height);
    if (!isFinite(height)) {
      return;
    }
    for (var i = 0; i < frames.length; i += 1) {
      var entry = frames[i];
      if (entry.iframe.contentWindow !== event.source) {
        continue;
      }
      var clamped = Math.max(MIN_HEIGHT, Math.min(MAX_HEIGHT, Math.round(height)));
      entry.iframe.style.height = clamped + "px";
      entry.iframe.style.display = "block";
      entry.fallback.style.display = "none";
      entry.heard = true;
      // After a submit the new page may be shorter: bring its top back into view, once.
      if (entry.loads > 1 && entry.checked !== entry.loads) {
        entry.checked = entry.loads;
        if (entry.iframe.getBoundingClientRect().top < 0) {
          entry.iframe.scrollIntoView({ block: "start" });
        }
      }
    }
  }

  function scan() {
    var found = document.querySelectorAll("script[data-form], [data-leadgen-form]");
    for (var i = 0; i < found.length; i += 1) {
      var el = found[i];
      var isScript = el.tagName === "SCRIPT";
      var form = isScript ? el.getAttribute("data-form") : el.getAttribute("data-leadgen-form");
      if (el.hasAttribute("data-leadgen-ready") || !FORMS.hasOwnProperty(form)) {
        continue;
      }
      if (isScript && new URL(el.src, location.href).origin !== origin) {
        continue; // another copy of this script, from another host, handles that one
      }
      el.setAttribute("data-leadgen-ready", "");
      if (isScript) {
        insert(form, languageOf(el), el.parentNode, el.nextSibling);
      } else {
        el.textContent = "";
        insert(form, languageOf(el), el, null);
      }
    }
  }

  window.addEventListener("message", onMessage);
  scan();
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", scan);
  }
})();
