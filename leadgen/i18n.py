"""The reader's language: `?lang=` first, then Accept-Language, then Dutch; and dates in it."""

from __future__ import annotations

import functools
from datetime import date, datetime
from urllib.parse import urlencode

from babel import Locale
from babel.support import Translations
from flask import Flask, Response, g, has_request_context, request
from flask_babel import format_date, get_locale
from markupsafe import Markup
from wtforms.i18n import messages_path

from leadgen.request_path import given

LANGUAGES = ("nl", "en")
DEFAULT = "nl"
# Each language named in itself, as the switch shows it.
NAMES = {"nl": "Nederlands", "en": "English"}
# Dutch dates read dd-mm-jjjj (Babel's short Dutch pattern); English spells the month out.
DAY_FORMATS = {"nl": "short", "en": "d MMMM y"}
# Staff pages remember the choice in a cookie; public pages carry it in their links and form
# actions instead, because they must work inside a third-party iframe that gets no cookies.
COOKIE = "lang"
COOKIE_PATH = "/admin"
COOKIE_MAX_AGE = 365 * 24 * 3600
# Links to these never need the language: files, scripts, the PDF.
NO_LANG_ENDPOINTS = {"static", "embed.static", "embed.script", "leads.download", "leads.cover"}


def select_locale() -> str:
    """Pick the language of this request: its code."""
    if not has_request_context():
        return DEFAULT  # CLI commands and workers write in the practice's language
    chosen = given(request.args, "lang")
    if chosen in LANGUAGES:
        return chosen
    if _is_staff_page() and request.cookies.get(COOKIE) in LANGUAGES:
        return request.cookies[COOKIE]
    # The browser's languages, best first; a regional one (en-US, nl-BE) counts for its language.
    for value, _quality in request.accept_languages:
        language = value.split("-")[0].lower()
        if language in LANGUAGES:
            return language
    return DEFAULT


# Made once: Flask-Babel parses what the selector returns on every request, unless it is one.
LOCALES = {code: Locale.parse(code) for code in LANGUAGES}


def selected_locale() -> Locale:
    """The request's language as a Babel locale (Flask-Babel's locale selector)."""
    return LOCALES[select_locale()]


def current() -> str:
    """The language of this request as a plain code ("nl" or "en")."""
    locale = get_locale()
    # Our languages carry no region or script, so the language is the whole code. (Babel's str()
    # builds the identifier anew each time; forms, mails and links ask several times a request.)
    return DEFAULT if locale is None else locale.language


@functools.cache
def wtforms_translations(lang: str) -> Translations:
    """WTForms' own messages ("Ongeldige keuze.") in `lang`, loaded once per process.

    Flask-WTF loads this catalog from disk again for every request; a form's Meta can use this.
    """
    return Translations.load(messages_path(), [lang], domain="wtforms")


class FormMeta:
    """A form Meta mixin: WTForms' messages in the reader's language, from the cached catalog."""

    def get_translations(self, form):
        return wtforms_translations(current())


def format_day(value: date | datetime | None) -> str:
    """A date as readers of the current language write it: 05-03-2026 in Dutch."""
    if value is None:
        return ""
    return format_date(value, DAY_FORMATS.get(current(), "short"))


def nowrap(value: str) -> Markup:
    """Keep a date like 05-03-2026 on one line in HTML: browsers may break at its hyphens."""
    return Markup('<span class="nowrap">{}</span>').format(value)


def switch_url(lang: str) -> str:
    """This page's URL with `lang` set: the language switch's link (GET, so forms start anew)."""
    args = request.args.to_dict() | {"lang": lang}
    return f"{request.path}?{urlencode(args)}"


def _is_staff_page() -> bool:
    return request.path == COOKIE_PATH or request.path.startswith(COOKIE_PATH + "/")


def _read_lang() -> None:
    # Most requests have no query at all: then there is nothing to parse (readers use g.get).
    if request.environ.get("QUERY_STRING"):
        chosen = given(request.args, "lang")
        g.lang_in_url = chosen if chosen in LANGUAGES else None


def _keep_lang(endpoint: str, values: dict) -> None:
    # A language picked with ?lang= stays for the visit: every link and form action carries it.
    lang = g.get("lang_in_url")
    if lang and endpoint not in NO_LANG_ENDPOINTS and not endpoint.startswith("admin."):
        values.setdefault("lang", lang)


def _remember_for_staff(response: Response) -> Response:
    lang = g.get("lang_in_url")
    if lang and _is_staff_page() and request.cookies.get(COOKIE) != lang:
        response.set_cookie(
            COOKIE,
            lang,
            max_age=COOKIE_MAX_AGE,
            path=COOKIE_PATH,
            secure=request.is_secure,
            httponly=True,
            samesite="Lax",
        )
    return response


def _template_helpers() -> dict:
    return {
        "current_lang": current(),
        "language_names": NAMES,
        "lang_switch_url": switch_url,
    }


def init_app(app: Flask) -> None:
    app.before_request(_read_lang)
    app.url_defaults(_keep_lang)
    app.after_request(_remember_for_staff)
    app.context_processor(_template_helpers)
    app.jinja_env.filters["day"] = format_day
    app.jinja_env.filters["nowrap"] = nowrap
