"""E-mail addresses: the one stored form used everywhere, and the ASCII form a mail goes out to.

The stored form is email-validator's normalisation of the NFKC-folded address, lower-cased:
full-width and other compatibility variants of a character become the character itself, and an
internationalised domain is kept in Unicode (`piet@bücher.de`), readable for staff and equal to
what rows written before this module already hold. `for_sending` turns the domain into its
ASCII (punycode) form, so a mail server without SMTPUTF8 accepts it, old rows included.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

# Longer than any address can be (254), with room for what NFKC folding removes.
MAX_INPUT = 1000

INVALID = _l("Dit lijkt geen geldig e-mailadres. Kijk het nog even na.")
NON_ASCII_LOCAL = _l(
    "Naar een adres met letters als ö of é vóór de @ kunnen we nog niet mailen."
    " Gebruik een ander e-mailadres."
)


class AddressError(ValueError):
    """An address we do not accept; `message` says why, in Dutch (translated lazily)."""

    def __init__(self, message, undeliverable: bool = False) -> None:
        super().__init__(str(message))
        self.message = message
        self.undeliverable = undeliverable


def _fold(raw: str) -> str:
    # NFKC maps full-width and other compatibility forms to plain characters (ｇ → g, ＠ → @).
    return unicodedata.normalize("NFKC", raw[:MAX_INPUT]).strip()


@lru_cache(maxsize=4096)
def _parts(text: str) -> tuple[str, str, str] | None:
    """(local part, Unicode domain, ASCII domain) of a valid address, or None."""
    try:
        result = validate_email(text, check_deliverability=False)
    except (EmailNotValidError, ValueError):
        return None
    return result.local_part, result.domain, result.ascii_domain


def normalise(raw: str) -> str:
    """The stored form of a typed address; AddressError when it is none, or not one we can mail."""
    parts = _parts(_fold(raw))
    if parts is None:
        raise AddressError(INVALID)
    local, domain, _ascii = parts
    if not local.isascii():
        # Only a server with SMTPUTF8 could take it, and we cannot count on one.
        raise AddressError(NON_ASCII_LOCAL, undeliverable=True)
    return f"{local.lower()}@{domain}"


@lru_cache(maxsize=256)  # both rate limits of a submission ask for it
def canonical(raw: str) -> str:
    """The stored form of any address, also one `normalise` refuses; never raises.

    For rate-limit keys and look-ups: what does not parse is still folded and lower-cased, so
    variants of the same text share a key.
    """
    text = _fold(raw)
    parts = _parts(text)
    if parts is None:
        return text.lower()
    local, domain, _ascii = parts
    return f"{local.lower()}@{domain}"


def sending_parts(address: str) -> tuple[str, str]:
    """(local part, ASCII domain) of a stored address; AddressError when it does not parse."""
    parts = _parts(address)
    if parts is None:
        raise AddressError(INVALID)
    local, _domain, ascii_domain = parts
    return local, ascii_domain


def for_sending(address: str) -> str:
    """The address with its domain in ASCII (punycode); anything that does not parse, unchanged."""
    if address.isascii():
        return address
    try:
        local, ascii_domain = sending_parts(address)
    except AddressError:
        return address
    return f"{local}@{ascii_domain}"
