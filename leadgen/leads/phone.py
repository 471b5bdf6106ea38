"""Phone numbers: parsed as Dutch by default, stored as E.164, shown as Dutch people write them."""

from __future__ import annotations

import phonenumbers


def to_e164(raw: str) -> str | None:
    """The number as +31612345678, or None when it is not a valid phone number."""
    try:
        number = phonenumbers.parse(raw, "NL")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def for_display(value: str | None) -> str:
    """A stored number as staff dial it: 06 12345678 at home, +32 … abroad; "" when empty."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, "NL")
    except phonenumbers.NumberParseException:
        return value
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 31
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)
