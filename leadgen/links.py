"""Absolute URLs for mails: the path from the URL map, the host from LEADGEN_BASE_URL."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app

from leadgen import i18n


def external(endpoint: str, lang: str | None = None, **values: object) -> str:
    """The public address of `endpoint`; werkzeug's BuildError when no route fits.

    Mails link to the public address whichever host, proxy or worker writes them, so the map is
    bound to no request; a renamed or removed route fails here instead of in a reader's inbox.
    `lang` joins the query only when it is not the default language.
    """
    base = current_app.config["LEADGEN_BASE_URL"]
    if lang and lang != i18n.DEFAULT:
        values["lang"] = lang
    adapter = current_app.url_map.bind(urlsplit(base).netloc, url_scheme=urlsplit(base).scheme)
    return base + adapter.build(endpoint, values)
