"""Phone numbers: parsed as Dutch by default, stored as E.164 (with `;ext=`), shown as dialled."""

from __future__ import annotations

import functools
import re

import phonenumbers
from flask_babel import gettext as _

# Dutch ways of writing an extension ("toestel 12", "tst. 12"), made ones phonenumbers reads.
DUTCH_EXTENSION = re.compile(r"\s*,?\s*\b(?:toestel(?:nummer|nr\.?)?|toest\.?|tst\.?)\s*", re.I)
MAX_EXTENSION = 10  # digits; keeps the stored form within the column's 40 characters
# Numbers that cost the caller extra: calling one back would cost the practice.
PAID_TYPES = (phonenumbers.PhoneNumberType.PREMIUM_RATE,)


class PhoneError(ValueError):
    """Not a number we call back; `premium` says whether it is a valid but paid one."""

    def __init__(self, premium: bool = False) -> None:
        super().__init__("premium-rate number" if premium else "not a phone number")
        self.premium = premium


def _parse(raw: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(DUTCH_EXTENSION.sub(" ext. ", raw), "NL")
    except phonenumbers.NumberParseException:
        return None


def normalise(raw: str) -> str:
    """The number as +31612345678, or +31612345678;ext=123; PhoneError when we cannot call it."""
    number = _parse(raw)
    if number is None or not phonenumbers.is_valid_number(number):
        raise PhoneError()
    if phonenumbers.number_type(number) in PAID_TYPES:
        raise PhoneError(premium=True)
    stored = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if number.extension:
        if len(number.extension) > MAX_EXTENSION:
            raise PhoneError()
        stored += f";ext={number.extension}"
    return stored


def for_display(value: str | None) -> str:
    """A stored number as staff dial it: 06 12345678 at home, +32 … abroad, then the extension."""
    if not value:
        return ""
    shown, extension = _displayed(value)
    return (
        _("%(number)s toestel %(extension)s", number=shown, extension=extension)
        if extension
        else shown
    )


@functools.lru_cache(maxsize=4096)
def _displayed(value: str) -> tuple[str, str | None]:
    """The number part as staff dial it, and the extension: parsed once per stored number.

    A call list shows hundreds of numbers; parsing each with phonenumbers is most of a row's cost.
    """
    number = _parse(value)
    if number is None:
        return value, None
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 31
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    extension, number.extension = number.extension, None
    return phonenumbers.format_number(number, style), extension
