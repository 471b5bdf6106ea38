"""Who may frame the forms, and which parent a framed form may talk to."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit


def normalize_origin(raw: str | None) -> str | None:
    """Return `scheme://host[:port]` in lower case, or None when `raw` is not a bare web origin."""
    if not raw or len(raw) > 200:
        return None
    try:
        parts = urlsplit(raw.strip())
        parts.port  # noqa: B018 -- raises ValueError on a port that is not a number
    except ValueError:
        return None
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def parent_origin(raw: str | None, own: str, allowed: Iterable[str]) -> str | None:
    """Return the parent origin the frame may post its height to, or None when it is not allowed.

    The frame never posts to '*': only to an origin that is also in frame-ancestors, so a page
    that is not on the list learns nothing (docs/embedding.md, "Resizing with postMessage").
    """
    origin = normalize_origin(raw)
    if origin and (origin == own.lower() or origin in allowed):
        return origin
    return None


def frame_ancestors(allowed: Iterable[str]) -> str:
    """Return the CSP that lets our own pages and the configured blogs frame an embed page."""
    return " ".join(["frame-ancestors 'self'", *allowed])
