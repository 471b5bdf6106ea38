"""What every form does with what people type: trim it, refuse control characters, list choices."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from wtforms import Field, ValidationError
from wtforms.fields.choices import SelectChoice

CONTROL_MESSAGE = _l("Deze tekst bevat tekens die we niet kunnen gebruiken.")


def strip(value: str | None) -> str | None:
    """The text without leading and trailing white space; anything else as it is."""
    return value.strip() if isinstance(value, str) else value


def clean_tracking(value: str | None, limit: int = 100) -> str | None:
    """Keep a tracking value (a utm_* field) only when it is short printable text; else None."""
    if not value:
        return None
    value = value.strip()
    if len(value) > limit or any(unicodedata.category(ch).startswith("C") for ch in value):
        return None
    return value or None


def clean_source(value: str | None) -> str | None:
    """Keep the page a form was on (`source`) only when it is a web address of 500 at most.

    A lead's `source` and the funnel's page views go through this one function, so a page's
    views and its requests meet under the same address.
    """
    value = clean_tracking(value, 500)
    if value and urlsplit(value).scheme in ("http", "https") and urlsplit(value).netloc:
        return value
    return None


def choices(labels: Mapping, empty: str | None = None) -> list[SelectChoice]:
    """The options of a select or radio field from a value -> label mapping (in its order)."""
    first = [SelectChoice("", empty)] if empty is not None else []
    return first + [SelectChoice(value, label) for value, label in labels.items()]


def no_control_characters(
    line_breaks: bool = False, message: str = CONTROL_MESSAGE
) -> Callable[[object, Field], None]:
    """A validator that refuses control characters; tabs and line breaks only if allowed."""
    # NUL, escape and the like are never text anyone typed, and PostgreSQL refuses NUL outright.
    allowed = "\r\n\t" if line_breaks else ""

    def check(form: object, field: Field) -> None:
        if field.data and any(
            unicodedata.category(ch) == "Cc" and ch not in allowed for ch in field.data
        ):
            raise ValidationError(message)

    return check
