"""The booking page inside the blog's iframe: framed by the blog only, cookieless, parent kept."""

from __future__ import annotations

import pytest

from tests.appointments.conftest import EVERY_DAY, slots
from tests.embed.test_embed import frame_ancestors

BLOG = "https://blog.example.nl"


@pytest.fixture
def app(make_app):
    return make_app(LEADGEN_EMBED_ORIGINS=[BLOG], **EVERY_DAY)


def test_the_framed_booking_page_may_be_framed_by_the_blog_and_sets_no_cookie(client, booking_path):
    path = booking_path(prefix="/embed/afspraak")
    response = client.get(f"{path}?parent={BLOG}")
    assert response.status_code == 200
    assert frame_ancestors(response) == f"frame-ancestors 'self' {BLOG}"
    assert "Set-Cookie" not in response.headers
    page = response.get_data(as_text=True)
    assert f'data-parent-origin="{BLOG}"' in page
    assert "site-header" not in page


def test_booking_inside_the_frame_stays_inside_it(client, booking_path):
    path = booking_path(prefix="/embed/afspraak")
    page = client.get(f"{path}?parent={BLOG}").get_data(as_text=True)
    assert f'action="{path}?parent=https://blog.example.nl"' in page.replace("%3A", ":").replace(
        "%2F", "/"
    )
    response = client.post(
        f"{path}?parent={BLOG}",
        data={"slot": slots(page)[0]},
        headers={"Origin": "http://localhost"},
    )
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith(f"{path}/bevestigd?parent=")
    done = client.get(location)
    assert "Set-Cookie" not in done.headers
    assert "Je afspraak staat vast" in done.get_data(as_text=True)
    assert frame_ancestors(done) == f"frame-ancestors 'self' {BLOG}"


def test_hosted_booking_pages_may_not_be_framed(client, booking_path):
    response = client.get(booking_path())
    assert frame_ancestors(response) == "frame-ancestors 'none'"
