"""The demo blog in a real Chromium: a reader's visit and request show up at /admin/funnel."""

from __future__ import annotations

import re

import pytest

from leadgen.funnel import counter
from tests.browser import BLOCK_THIRD_PARTY_COOKIES, launch
from tests.embed.test_browser import embedded
from tests.factories import login

pytestmark = pytest.mark.browser

# Headless Chromium says "HeadlessChrome", which the counter leaves out as a bot, like any
# scraper that says so; this reader's browser says what a desktop Chrome says.
CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36"
)


@pytest.fixture
def reader(playwright_instance, tmp_path):
    context = launch(
        playwright_instance, tmp_path / "profile", BLOCK_THIRD_PARTY_COOKIES, user_agent=CHROME
    )
    yield context.new_page()
    context.close()


def test_a_visit_and_a_request_on_the_demo_blog_show_at_admin_funnel(reader, servers, live, staff):
    post = f"{servers['blog'].origin}/?utm_campaign=heupen"
    reader.goto(post)
    _, frame = embedded(reader, "ebook")
    embedded(reader, "advies")  # the demo post shows both forms: two views
    frame.get_by_label("Naam").fill("Anna de Vries")
    frame.get_by_label("E-mailadres").fill("anna@example.nl")
    frame.locator("#privacy").check()
    frame.get_by_role("button", name="Stuur mij het e-book").click()
    frame.get_by_role("heading", name="Bedankt! Je e-book staat klaar").wait_for()
    assert reader.context.cookies() == []  # nothing stored in the reader's browser

    counter.flush(live.app)
    client = live.app.test_client()
    assert login(client, staff.email).status_code == 303
    page = client.get("/admin/funnel?per=beide").get_data(as_text=True)
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    row = re.search(r"<tr>.*?</tr>", body, re.S).group(0)
    assert f"{servers['blog'].origin.split('://')[1]} · heupen" in row
    # views 2, requests 1 (50% of views), no download yet, no appointment, no patient
    assert re.findall(r"<td>(\d+)", row) == ["2", "1", "0", "0", "0"]
