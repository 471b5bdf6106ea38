"""Security headers on every response, the embed's own frame policy, and the cookie flags."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import session

from leadgen.site.views import merge_csp

STRICT = {
    "default-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def directives(policy: str) -> dict[str, str]:
    parts = (part.strip().partition(" ") for part in policy.split(";") if part.strip())
    return {name: value for name, _, value in parts}


@pytest.mark.parametrize(
    "path", ["/", "/ebook", "/advies", "/privacy", "/healthz", "/bestaat-niet", "/static/site.css"]
)
def test_every_response_carries_the_strict_headers(client, path):
    with client.get(path) as response:
        pass
    assert directives(response.headers["Content-Security-Policy"]) == STRICT
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # plain http
    for name in (
        "Content-Security-Policy",
        "X-Frame-Options",
        "Referrer-Policy",
        "X-Leadgen-Route",
    ):
        assert len(response.headers.getlist(name)) == 1, name  # added, never twice


def test_a_failed_post_carries_them_too(client):
    response = client.post("/ebook", data={"email": "x"})
    assert response.status_code >= 400
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_hsts_only_under_https(client):
    headers = client.get("/", base_url="https://localhost").headers
    assert headers.getlist("Strict-Transport-Security") == ["max-age=31536000"]


def test_hsts_behind_the_proxy_follows_x_forwarded_proto(make_app):
    client = make_app(LEADGEN_PROXY_COUNT=1).test_client()
    secure = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_the_embed_keeps_its_frame_policy_and_gains_the_rest(make_app):
    client = make_app(LEADGEN_EMBED_ORIGINS=["https://blog.example.nl"]).test_client()
    response = client.get("/embed/ebook")
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["frame-ancestors"] == "'self' https://blog.example.nl"
    assert policy | {"frame-ancestors": "'none'"} == STRICT
    assert "X-Frame-Options" not in response.headers


def test_merge_keeps_what_a_response_set_itself():
    merged = directives(merge_csp("frame-ancestors 'self' https://a.nl; img-src 'self'"))
    assert merged["frame-ancestors"] == "'self' https://a.nl"
    assert merged["img-src"] == "'self'"
    assert merged["object-src"] == "'none'"
    assert directives(merge_csp(None)) == STRICT


def test_private_pages_send_no_referrer(client):
    response = client.get("/download/onzin")
    assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("path", ["/", "/ebook", "/advies", "/ebook/opnieuw", "/embed/ebook"])
def test_public_pages_need_no_inline_script_or_style(client, path):
    html = client.get(path).get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html), "style attribute"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"


def test_no_template_needs_inline_script_or_style():
    # Mail templates are e-mail, and the demo blog is another site: CSP is not theirs.
    offenders = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if path.parts[-2] != "mail"
        and path.name != "demo_blog.html"
        and re.search(r"\sstyle=|<style|\son[a-z]+=|<script(?![^>]*\bsrc=)", path.read_text())
    ]
    assert offenders == []


def _session_route(app):
    @app.get("/_test/session")
    def set_session():
        session["seen"] = True
        return "ok"


def test_session_cookie_flags_over_https(make_app):
    app = make_app(LEADGEN_BASE_URL="https://leadgen.example.nl")
    _session_route(app)
    cookie = app.test_client().get("/_test/session", base_url="https://leadgen.example.nl")
    flags = cookie.headers["Set-Cookie"].lower()
    assert flags.startswith("__host-leadgen=")
    assert "domain=" not in flags
    assert "path=/" in flags
    assert "secure" in flags
    assert "httponly" in flags
    assert "samesite=lax" in flags


def test_session_cookie_is_not_secure_on_plain_http(make_app):
    app = make_app()
    _session_route(app)
    flags = app.test_client().get("/_test/session").headers["Set-Cookie"].lower()
    assert "httponly" in flags
    assert "samesite=lax" in flags
    assert "secure" not in flags


def test_public_forms_set_no_cookie(client, submit):
    assert "Set-Cookie" not in client.get("/ebook").headers
    response = submit("/ebook")
    assert response.status_code == 303
    assert "Set-Cookie" not in response.headers
