"""embed.js reads resize messages only from our origin, even from inside its own iframe.

Its other check, that the message comes from one of its iframes, already turns away every other
window (the blog itself, a third-party widget). The origin check is what is left when the iframe
itself shows another site's page: after a link inside it was followed, or when someone steers it
elsewhere. Here a page on a third origin, loaded into the embed's iframe, asks to be 50 px tall.
"""

from __future__ import annotations

import pytest
from flask import Flask

from tests.browser import LiveServer
from tests.embed.test_browser import assert_fits, embedded

pytestmark = pytest.mark.browser

# Ask the parent to shrink the frame, then say "done": messages from one window arrive in order,
# and embed.js listened before the test did, so by "done" it has handled the resize.
FOREIGN_PAGE = """<!doctype html><title>elders</title><p>Een andere site.</p>
<script>
  parent.postMessage({type: "leadgen:resize", height: 50}, "*");
  parent.postMessage({type: "test:done"}, "*");
</script>"""


@pytest.fixture
def third_origin():
    """A page on an origin that is neither the blog's nor ours."""
    app = Flask(__name__)
    app.get("/")(lambda: FOREIGN_PAGE)
    server = LiveServer("127.0.0.1", app)
    yield server
    server.close()


def test_a_foreign_page_inside_the_embed_iframe_cannot_resize_it(page, servers, live, third_origin):
    page.goto(servers["blog"].origin)
    iframe, frame = embedded(page, "ebook")
    assert_fits(iframe, frame)
    height = iframe.evaluate("element => element.style.height")
    page.evaluate(
        """url => {
             window.testDone = false;
             addEventListener("message", event => {
               if (event.data && event.data.type === "test:done") window.testDone = true;
             });
             // The frame goes elsewhere; its element, and embed.js's record of it, stay.
             document.querySelector(".leadgen-embed iframe").contentWindow.location.href = url;
           }""",
        third_origin.origin + "/",
    )
    page.wait_for_function("window.testDone")
    assert iframe.evaluate("element => element.style.height") == height
