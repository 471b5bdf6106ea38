"""Checks that keep forged and automated posts out of the public forms: origin, rate limits."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, wraps
from urllib.parse import urlsplit

from flask import abort, current_app, request
from flask_limiter.util import get_remote_address
from limits import parse_many

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
# These are Flask-Limiter's own limits; `limit_per_address` and `limit_per_address_and_email`
# below count them on a shorter path while its storage answers.
_per_address = limiter.shared_limit(_form_limit, scope="public-post", methods=["POST"])
_per_email = limiter.shared_limit(
    _email_limit,
    scope="public-post-email",
    key_func=submitted_email,
    methods=["POST"],
    exempt_when=lambda: not submitted_email(),
)


def limit_per_address(view: Callable) -> Callable:
    """Limit the POSTs to `view` per client address (LEADGEN_RATE_LIMIT_FORM)."""
    return _counted(view, _per_address(view), email=False)


def limit_per_address_and_email(view: Callable) -> Callable:
    """Limit the POSTs to `view` per client address and per submitted e-mail address too."""
    return _counted(view, _per_address(_per_email(view)), email=True)


def _counted(view: Callable, limited: Callable, email: bool) -> Callable:
    """`view` with the public limits counted straight on Flask-Limiter's strategy and storage.

    Flask-Limiter's decorator resolves a view's limits anew on every request: it looks up the
    view, its exemptions and its limits, parses the limit strings and builds objects for each,
    about 600 thousand instructions a submission, a ninth of it (docs/performance.md, eleventh
    round). Here the same counters (the same strategy, storage, keys and scopes) are hit
    directly. Whatever is not the plain case goes to Flask-Limiter's own decorated view
    `limited`, which then counts and answers as it always did: a storage that failed (it marks
    it dead and counts in memory, and later checks whether it came back), or rate-limit headers
    switched on (they describe the limits it evaluated).
    """

    @wraps(view)
    def counted(*args, **kwargs):
        if request.method != "POST" or not limiter.enabled:
            return view(*args, **kwargs)
        if _storage_failed() or current_app.config.get("RATELIMIT_HEADERS_ENABLED"):
            return limited(*args, **kwargs)  # Flask-Limiter's own path, which writes the headers
        try:
            allowed = _hit(email)
        except Exception:  # the storage failed (Redis away): Flask-Limiter's path takes over
            return limited(*args, **kwargs)
        if not allowed:
            abort(429)
        return view(*args, **kwargs)

    return counted


def _storage_failed() -> bool:
    # Flask-Limiter's mark of a storage it found unreachable; it has no public accessor.
    return getattr(limiter, "_storage_dead", False)


def _hit(email: bool) -> bool:
    """Count this POST against the address limit and, when it names one, the e-mail limit; as
    Flask-Limiter does, stop at the first limit that is exceeded. The keys are Flask-Limiter's:
    its key prefix, if any, the key and the shared scope."""
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX")
    counts = [(_form_limit(), get_remote_address(), "public-post")]
    address = submitted_email() if email else ""
    if address:
        counts.append((_email_limit(), address, "public-post-email"))
    hit = limiter.limiter.hit
    for text, key, scope in counts:
        identifiers = (prefix, key, scope) if prefix else (key, scope)
        for item in _parsed(text):
            if not hit(item, *identifiers):
                return False
    return True


@lru_cache(maxsize=16)
def _parsed(text: str) -> tuple:
    return tuple(parse_many(text))
