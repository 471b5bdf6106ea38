"""The embed's pages, script and demo blog, through the test client."""

from __future__ import annotations

import re

import pytest

from leadgen.embed.demo import create_demo
from leadgen.extensions import db
from leadgen.models import Consent, Counter
from tests.conftest import ADVIES_FIELDS, EBOOK_FIELDS

BLOG = "https://blog.example.nl"
ORIGINS = [BLOG, "https://www.example.nl"]
HIDDEN = re.compile(r'<input id="(\w+)" name="\1" type="hidden" value="([^"]*)">')
EMBED_PAGES = ["/embed/ebook", "/embed/advies", "/embed/ebook/bedankt", "/embed/advies/bedankt"]


@pytest.fixture
def app(make_app):
    return make_app(LEADGEN_EMBED_ORIGINS=ORIGINS)


def frame_ancestors(response) -> str:
    """The frame-ancestors directive of the response's policy (the site adds other directives)."""
    policy = response.headers.get("Content-Security-Policy", "")
    found = [
        part.strip() for part in policy.split(";") if part.strip().startswith("frame-ancestors")
    ]
    assert len(found) == 1, policy
    return found[0]


def hidden_fields(page: str) -> dict[str, str]:
    return dict(HIDDEN.findall(page))


def post_form(client, path: str, **fields):
    """Fetch the embedded form like a browser would, then post it with its hidden fields."""
    page = client.get(path).get_data(as_text=True)
    action = re.search(r'<form class="lead-form" method="post" action="([^"]+)"', page).group(1)
    defaults = ADVIES_FIELDS if "/advies" in path else EBOOK_FIELDS
    data = hidden_fields(page) | defaults | fields
    return client.post(action.replace("&amp;", "&"), data=data)


# --- headers ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", EMBED_PAGES)
def test_embed_pages_may_be_framed_by_the_allowed_origins(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert frame_ancestors(response) == (
        "frame-ancestors 'self' https://blog.example.nl https://www.example.nl"
    )
    assert "X-Frame-Options" not in response.headers
    assert "Set-Cookie" not in response.headers


def test_without_allowed_origins_only_our_own_pages_may_frame_the_form(make_app):
    response = make_app().test_client().get("/embed/ebook")
    assert frame_ancestors(response) == "frame-ancestors 'self'"


@pytest.mark.parametrize("path", ["/", "/ebook", "/advies", "/embed.js", "/embed/bestaat-niet"])
def test_every_other_page_refuses_framing(client, path):
    with client.get(path) as response:
        pass
    assert frame_ancestors(response) == "frame-ancestors 'none'"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_embed_thank_you_page_keeps_its_token_out_of_referers_and_caches(client):
    response = post_form(client, "/embed/ebook")
    thanks = client.get(response.headers["Location"])
    assert thanks.headers["Referrer-Policy"] == "no-referrer"
    assert thanks.headers["Cache-Control"] == "private, no-store"


# --- the script -------------------------------------------------------------------------------


def test_embed_script_is_javascript_cached_for_an_hour(client):
    with client.get("/embed.js") as response:
        pass
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert "Set-Cookie" not in response.headers
    with client.get("/embed.js", headers={"If-None-Match": response.headers["ETag"]}) as again:
        assert again.status_code == 304


def test_embed_script_checks_origins_and_clamps_the_height(client):
    with client.get("/embed.js") as response:
        script = response.get_data(as_text=True)
    assert "event.origin !== origin" in script
    assert "contentWindow !== event.source" in script
    assert "Math.max(MIN_HEIGHT, Math.min(MAX_HEIGHT, Math.round(height)))" in script
    assert "innerHTML" not in script


def test_frame_script_posts_only_to_the_named_parent(client):
    with client.get("/embed/static/frame.js") as response:
        script = response.get_data(as_text=True)
    assert '{ type: "leadgen:resize", height: height }, parentOrigin)' in script
    assert script.count("postMessage(") == 1


# --- the parent origin ------------------------------------------------------------------------


def test_allowed_parent_is_named_in_the_page(client):
    page = client.get(f"/embed/ebook?parent={BLOG}").get_data(as_text=True)
    assert f'<html lang="nl" class="embed embed--sized" data-parent-origin="{BLOG}">' in page


@pytest.mark.parametrize("parent", ["https://evil.example", "*", "null", f"{BLOG}/post", ""])
def test_other_parents_are_not_named_and_the_page_may_scroll(client, parent):
    page = client.get("/embed/ebook", query_string={"parent": parent}).get_data(as_text=True)
    assert "data-parent-origin" not in page
    assert '<html lang="nl" class="embed">' in page


def test_parent_survives_a_failed_submit_and_the_redirect(client):
    invalid = post_form(client, f"/embed/ebook?parent={BLOG}", name="")
    assert invalid.status_code == 422
    assert f'data-parent-origin="{BLOG}"' in invalid.get_data(as_text=True)

    valid = post_form(client, f"/embed/ebook?parent={BLOG}")
    assert valid.status_code == 303
    location = valid.headers["Location"]
    assert location.startswith("/embed/ebook/bedankt?t=")
    assert location.endswith("&parent=https://blog.example.nl")
    assert f'data-parent-origin="{BLOG}"' in client.get(location).get_data(as_text=True)


# --- outcomes ---------------------------------------------------------------------------------


def test_valid_ebook_request_thanks_inside_the_frame_with_the_download(client, leads):
    response = post_form(client, "/embed/ebook")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/embed/ebook/bedankt?t=")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="embed' in page and "site-header" not in page
    assert re.search(r'href="/download/[^"]+" target="_blank" rel="noopener" download', page)
    assert len(leads()) == 1


def test_valid_advies_request_thanks_inside_the_frame(client, leads):
    response = post_form(client, "/embed/advies", kind="pijncheck")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/embed/advies/bedankt?t=pijncheck&afspraak=")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "voor je gratis pijncheck in de praktijk" in page
    # the link to pick a moment stays inside the frame
    assert re.search(r'href="/embed/afspraak/[^"/]+">Kies een moment</a>', page)
    assert "site-header" not in page
    [lead] = leads()
    assert lead.kind == "pijncheck"


@pytest.mark.parametrize(
    ("path", "fields", "message"),
    [
        ("/embed/ebook", {"email": "anna@"}, "geen geldig e-mailadres"),
        ("/embed/ebook", {"privacy": ""}, "privacyverklaring"),
        ("/embed/advies", {"phone": "123"}, "geen geldig telefoonnummer"),
        ("/embed/advies", {"complaint": "Rugpijn"}, "Geef toestemming"),
    ],
)
def test_invalid_request_shows_dutch_errors_inside_the_frame(client, leads, path, fields, message):
    response = post_form(client, path, **fields)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'class="embed' in page and "site-header" not in page
    assert leads() == []


def test_honeypot_looks_like_success_and_stores_nothing(client, leads, app):
    response = post_form(client, "/embed/ebook", website="https://spam.example")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/embed/ebook/bedankt?t=-")
    assert leads() == []
    with app.app_context():
        assert db.session.execute(db.select(Counter.name)).scalars().all() == ["honeypot"]


def test_post_from_another_site_is_refused_inside_the_frame(client, leads):
    page = client.get("/embed/ebook").get_data(as_text=True)
    response = client.post(
        "/embed/ebook",
        data=hidden_fields(page) | EBOOK_FIELDS,
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "Geen toegang" in page and "site-header" not in page
    assert frame_ancestors(response).startswith("frame-ancestors 'self'")
    assert leads() == []


def test_rate_limit_page_shows_inside_the_frame(make_app):
    client = make_app(
        LEADGEN_EMBED_ORIGINS=ORIGINS, LEADGEN_RATE_LIMIT_FORM="1 per minute"
    ).test_client()
    assert post_form(client, "/embed/ebook").status_code == 303
    response = post_form(client, "/embed/ebook", email="bea@example.nl")
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Even rustig aan" in page and "site-header" not in page
    assert frame_ancestors(response).startswith("frame-ancestors 'self'")


def test_oversized_body_is_refused_inside_the_frame(client):
    response = client.post("/embed/ebook", data={"name": "A" * 70_000})
    assert response.status_code == 413
    assert "Te veel gegevens" in response.get_data(as_text=True)
    assert "X-Frame-Options" not in response.headers


# --- attribution ------------------------------------------------------------------------------


def test_lead_stores_the_blog_page_and_utm_fields(client, leads, app):
    post = f"{BLOG}/gluteus-medius?utm_source=nieuwsbrief"
    query = {
        "parent": BLOG,
        "source": post,
        "utm_source": "nieuwsbrief",
        "utm_medium": "email",
        "utm_campaign": "heupen",
        "utm_content": "knop",
    }
    page = client.get("/embed/ebook", query_string=query).get_data(as_text=True)
    assert hidden_fields(page)["source"] == post.replace("&", "&amp;")
    response = client.post(
        f"/embed/ebook?parent={BLOG}",
        data=hidden_fields(page) | {"source": post} | EBOOK_FIELDS,
    )
    assert response.status_code == 303
    [lead] = leads()
    assert lead.source == post
    assert (lead.utm_source, lead.utm_medium, lead.utm_campaign, lead.utm_content) == (
        "nieuwsbrief",
        "email",
        "heupen",
        "knop",
    )
    with app.app_context():
        consent = db.session.execute(db.select(Consent)).scalar_one()
    assert consent.form == "embed/ebook"


def test_source_that_is_not_a_web_address_is_dropped(client, leads):
    query = {"source": "javascript:alert(1)", "utm_source": "x" * 500}
    page = client.get("/embed/ebook", query_string=query).get_data(as_text=True)
    assert "source" not in hidden_fields(page)
    assert "utm_source" not in hidden_fields(page)


# --- the demo blog ----------------------------------------------------------------------------


def test_demo_blog_carries_the_snippet_and_a_placeholder():
    demo = create_demo("http://127.0.0.1:5000").test_client()
    page = demo.get("/").get_data(as_text=True)
    assert '<script src="http://127.0.0.1:5000/embed.js" data-form="ebook" async></script>' in page
    assert '<div data-leadgen-form="advies"><a href="http://127.0.0.1:5000/advies">' in page
    plain = demo.get("/iframe").get_data(as_text=True)
    assert '<iframe src="http://127.0.0.1:5000/embed/ebook"' in plain
