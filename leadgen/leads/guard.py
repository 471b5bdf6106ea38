"""Checks that keep forged and automated posts out of the public forms: origin, rate limits."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from flask import current_app, request

from leadgen import addresses
from leadgen.extensions import form_value, limiter


def own_origin() -> str:
    return f"{request.scheme}://{request.host}".lower()


def allowed_origins() -> set[str]:
    config = current_app.config
    embed = tuple(config["LEADGEN_EMBED_ORIGINS"])
    return {own_origin()} | _configured(config["LEADGEN_BASE_URL"], embed)


@lru_cache(maxsize=8)
def _configured(base_url: str, embed_origins: tuple[str, ...]) -> frozenset[str]:
    """The site's origin by its base URL, and the blogs' that embed the forms: parsed once."""
    base = urlsplit(base_url)
    return frozenset({f"{base.scheme}://{base.netloc}".lower(), *embed_origins})


def origin_allowed() -> bool:
    """Refuse a POST that a browser tells us came from a page of another, unlisted site.

    The form page itself is ours, also inside the blog's iframe, so a genuine POST is
    same-origin. Clients that send neither header (scripts, old browsers) pass on to the
    signed token and rate limits (docs/embedding.md, "Third-party cookies").
    """
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        return origin.lower() in allowed_origins()
    fetch_site = request.headers.get("Sec-Fetch-Site")
    return fetch_site not in ("cross-site", "same-site") and origin != "null"


def submitted_email() -> str:
    """The e-mail address of the current POST in its stored form, for the per-address limit.

    Every spelling of one address (capitals, full-width letters, punycode) shares one key.
    """
    return addresses.canonical(form_value("email"))[:254]


def _form_limit() -> str:
    return current_app.config["LEADGEN_RATE_LIMIT_FORM"]


def _email_limit() -> str:
    return current_app.config["LEADGEN_RATE_LIMIT_EMAIL"]


# Shared scopes: the hosted and the embedded forms draw on one allowance per address and e-mail.
limit_per_address = limiter.shared_limit(_form_limit, scope="public-post", methods=["POST"])
limit_per_email = limiter.shared_limit(
    _email_limit,
    scope="public-post-email",
    key_func=submitted_email,
    methods=["POST"],
    exempt_when=lambda: not submitted_email(),
)
