"""The embedded form speaks the blog page's language; the hosted form, the reader's browser's."""

from __future__ import annotations

import pytest

from tests.embed.test_browser import embedded

pytestmark = pytest.mark.browser

DUTCH_HEADING = "Gratis e-book: train je gluteus medius"
ENGLISH_HEADING = "Free e-book: train your gluteus medius"

# Give the page another <html lang>, then add a snippet (a script tag or a placeholder) to it.
ADD_SNIPPET = """([origin, pageLang, kind, ownLang]) => {
  document.documentElement.lang = pageLang;
  const script = document.createElement("script");
  script.src = origin + "/embed.js";
  let el = script;
  if (kind === "placeholder") {
    el = document.createElement("div");
    el.dataset.leadgenForm = "ebook";
    el.className = "added";
    document.querySelector("article").append(el);
  } else {
    script.dataset.form = "ebook";
    script.className = "added";
  }
  if (ownLang) el.dataset.lang = ownLang;
  document.querySelector("article").append(script);
}"""


def test_a_dutch_blog_shows_the_dutch_form_in_an_english_browser(english_page, servers, live):
    page = english_page
    page.goto(servers["blog"].origin)  # the demo post: <html lang="nl">
    iframe, frame = embedded(page, "ebook")
    assert "lang=nl" in iframe.get_attribute("src")
    assert iframe.get_attribute("title") == "Formulier: gratis e-book aanvragen"
    frame.get_by_role("heading", name=DUTCH_HEADING).wait_for()
    assert frame.evaluate("document.documentElement.lang") == "nl"
    _, advice = embedded(page, "advies")  # the placeholder follows the page too
    assert advice.evaluate("document.documentElement.lang") == "nl"

    # The hosted form, opened directly, keeps following the browser.
    page.goto(f"{live.origin}/ebook")
    page.get_by_role("heading", name=ENGLISH_HEADING).wait_for()


@pytest.mark.parametrize(
    ("page_lang", "kind", "own_lang", "expected"),
    [
        ("en-GB", "script", None, "en"),
        ("EN", "placeholder", None, "en"),
        ("de-DE", "script", None, "nl"),
        ("", "placeholder", None, "nl"),
        ("en-US", "script", "nl", "nl"),
        ("nl-NL", "placeholder", "en", "en"),
        ("nl", "script", "fr", "nl"),
    ],
)
def test_the_page_language_unless_data_lang_says_otherwise(
    page, servers, live, page_lang, kind, own_lang, expected
):
    page.goto(servers["blog"].origin)
    embedded(page, "ebook")  # the page's own snippets have run
    page.evaluate(ADD_SNIPPET, [live.origin, page_lang, kind, own_lang])
    added = page.locator(".added + .leadgen-embed iframe, div.added .leadgen-embed iframe")
    added.wait_for()
    assert f"lang={expected}&" in added.get_attribute("src") + "&"
    frame = added.element_handle().content_frame()
    heading = DUTCH_HEADING if expected == "nl" else ENGLISH_HEADING
    frame.get_by_role("heading", name=heading).wait_for()
