"""Every /admin route refuses strangers: found by walking the URL map, not by a hand-kept list."""

from __future__ import annotations

import pytest

from tests.factories import csrf_token

PUBLIC = {"admin.login"}


def admin_rules(app):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/admin") and rule.endpoint not in PUBLIC
    ]


def test_the_walk_finds_the_admin_routes(app):
    endpoints = {rule.endpoint for rule in admin_rules(app)}
    assert {"admin.dashboard", "admin.leads", "admin.lead", "admin.export_csv"} <= endpoints


def test_every_admin_route_gives_strangers_no_data(app, client, create_lead):
    lead = create_lead(complaint="Geheime klacht", name="Zichtbaar Nooit")
    token = csrf_token(client, "/admin/login")  # a valid token, so only the login check remains
    for rule in admin_rules(app):
        url = rule.build({"lead_id": lead.id} if "lead_id" in rule.arguments else {})[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": token} if method == "POST" else None
            response = client.open(url, method=method, data=data)
            body = response.get_data(as_text=True)
            assert response.status_code in (302, 401, 403, 405), (method, url)
            if response.status_code == 302:
                assert response.headers["Location"].startswith("/admin/login"), (method, url)
            assert "Zichtbaar Nooit" not in body and "Geheime klacht" not in body


@pytest.mark.parametrize("path", ["/admin/", "/admin/leads", "/admin/audit"])
def test_a_stranger_is_sent_to_the_login_page_with_a_way_back(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login?next=")


def test_admin_pages_are_not_cached_or_indexed(staff_client):
    response = staff_client.get("/admin/leads")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "noindex" in response.headers["X-Robots-Tag"]


def post_rules(app):
    return [rule for rule in app.url_map.iter_rules() if "POST" in rule.methods]


def test_every_post_outside_admin_carries_a_signed_token_instead(app):
    """The session token is checked on the staff pages only: every other POST route belongs to
    a blueprint exempt from it, whose forms carry a signed token (leadgen/tokens.py)."""
    from leadgen.extensions import csrf

    outside = [rule for rule in post_rules(app) if not rule.rule.startswith("/admin")]
    assert {"leads.ebook_form", "embed.ebook_form"} <= {rule.endpoint for rule in outside}
    for rule in outside:
        blueprint = app.blueprints[rule.endpoint.rsplit(".", 1)[0]]
        assert blueprint in csrf._exempt_blueprints, rule.rule


def test_every_admin_post_without_the_session_token_is_refused(app, staff_client, create_lead):
    lead = create_lead()
    for rule in post_rules(app):
        if rule.rule.startswith("/admin"):
            url = rule.build({"lead_id": lead.id} if "lead_id" in rule.arguments else {})[1]
            response = staff_client.post(url, data={"status": "gebeld", "note": "x"})
            assert response.status_code == 400, url
