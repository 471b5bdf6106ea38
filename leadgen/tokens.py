"""Signed tokens: the cookieless form token, download links and newsletter confirmations."""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass
from functools import cache, lru_cache

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from itsdangerous.signer import HMACAlgorithm
from itsdangerous.url_safe import URLSafeSerializerMixin


class _HMACSHA1(HMACAlgorithm):
    """itsdangerous' default HMAC-SHA1 in one call to OpenSSL (`hmac.digest`).

    itsdangerous hands `hmac.new` a Python function for SHA-1, which sends HMAC down its pure
    Python path: two hash objects built and copied for every token signed or checked. The
    signature is the same bytes (tests/test_tokens.py compares them).
    """

    def __init__(self) -> None:
        super().__init__("sha1")

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        return hmac.digest(key, value, "sha1")


class _Signer(TimestampSigner):
    """itsdangerous' timestamp signer, its key derived once: one signer serves every token of a
    serializer (`Serializer.make_signer`), and the key depends only on the secret and salt."""

    def __init__(self, *args, **kwargs) -> None:
        if "digest_method" not in kwargs:  # itsdangerous' SHA-1: the same HMAC, in one call
            kwargs.setdefault("algorithm", _HMACSHA1())
        super().__init__(*args, **kwargs)
        self._keys: dict[bytes | None, bytes] = {}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        key = self._keys.get(secret_key)  # type: ignore[arg-type]
        if key is None:
            key = self._keys[secret_key] = super().derive_key(secret_key)  # type: ignore[index]
        return key


class Serializer(URLSafeTimedSerializer):
    """itsdangerous' URL-safe timed serializer, minus its attempt to compress each payload.

    Our payloads (an id and a random secret; a form name and a time) are a few dozen bytes that
    zlib does not shorten, and the attempt was half the cost of signing one: 96 of 197 thousand
    instructions (docs/performance.md, tenth round). The tokens keep itsdangerous' format, so a
    compressed one, signed before this or by itsdangerous itself, still loads.
    """

    default_signer = _Signer

    def dump_payload(self, obj) -> bytes:
        return base64_encode(super(URLSafeSerializerMixin, self).dump_payload(obj))

    def make_signer(self, salt=None) -> _Signer:
        # Made once per salt: itsdangerous makes a signer for every token signed or checked.
        return self._signer(salt)

    @cache  # noqa: B019 -- one per serializer and salt; serializers are made once (below)
    def _signer(self, salt) -> _Signer:
        return super().make_signer(salt)


def _serializer(salt: str, secret: str | None = None) -> Serializer:
    return _made_serializer(secret or current_app.config["SECRET_KEY"], salt)


@lru_cache(maxsize=64)
def _made_serializer(key: str, salt: str) -> Serializer:
    # Made once per key and purpose: a serializer keeps no state between calls, and making one
    # cost as much as checking a token.
    return Serializer(key, salt=f"leadgen.{salt}")


# --- form tokens ------------------------------------------------------------------------------
# A public form works inside a third-party iframe, where no cookie can be relied on, so instead of
# session CSRF it carries a signed (form name, issue time) token: proof that we rendered the form
# recently, and a minimum-fill-time check (docs/embedding.md, "Third-party cookies").


@dataclass(frozen=True)
class FormCheck:
    ok: bool
    reason: str = ""  # "", "invalid", "expired", "too_fast"
    first_seen: float | None = None  # when the visitor first saw the form, from a good token


def issue_form_token(form_name: str, first_seen: float | None = None) -> str:
    """Sign a token for `form_name`; pass `first_seen` when showing the same form again."""
    return _serializer("form").dumps({"f": form_name, "t": first_seen or time.time()})


def check_form_token(token: str, form_name: str) -> FormCheck:
    config = current_app.config
    max_age = config["LEADGEN_FORM_MAX_AGE_SECONDS"]
    try:
        payload = _serializer("form").loads(token, max_age=max_age)
    except SignatureExpired:  # genuine, so the visitor has had the form at least this long
        return FormCheck(False, "expired", time.time() - max_age)
    except BadSignature:
        return FormCheck(False, "invalid")
    if not isinstance(payload, dict) or payload.get("f") != form_name:
        return FormCheck(False, "invalid")
    try:
        first_seen = min(float(payload["t"]), time.time())
    except (KeyError, TypeError, ValueError):
        return FormCheck(False, "invalid")
    # Counted from the first page, not from the last re-render: a quick fix after a 422 is a person.
    if time.time() - first_seen < config["LEADGEN_MIN_FILL_SECONDS"]:
        return FormCheck(False, "too_fast", first_seen)
    return FormCheck(True, first_seen=first_seen)


# --- lead tokens ------------------------------------------------------------------------------


class TokenError(Exception):
    """A lead token was refused; `expired` tells a stale link from a forged or unknown one."""

    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def issue_lead_token(purpose: str, record_id: int, owner: str, secret: str | None = None) -> str:
    """Sign a link for `purpose`: the record's id and the secret of the lead it belongs to.

    Ids can come back after an erasure on some databases and are easy to guess; the lead's own
    random secret binds the link to this one person (checked against the row when it is used).
    """
    return _serializer(purpose, secret).dumps([record_id, owner])


def read_lead_token(purpose: str, token: str, max_age_seconds: int) -> tuple[int, str]:
    """Return (record id, lead secret) or raise TokenError."""
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age_seconds)
    except SignatureExpired:
        raise TokenError(expired=True) from None
    except BadSignature:
        raise TokenError(expired=False) from None
    # Links signed before leads had a secret carry a number here: refused, they named an id only.
    if (
        not isinstance(payload, list)
        or len(payload) != 2
        or type(payload[0]) is not int
        or not isinstance(payload[1], str)
        or not payload[1]
    ):
        raise TokenError(expired=False)
    return payload[0], payload[1]


def download_max_age() -> int:
    return current_app.config["LEADGEN_DOWNLOAD_TTL_DAYS"] * 86400


CONFIRM_MAX_AGE = 7 * 86400  # unconfirmed newsletter consents are purged after 7 days
# Withdrawing must stay as easy as consenting (AVG art. 7(3)): the link in a mail keeps working.
UNSUBSCRIBE_MAX_AGE = 10 * 365 * 86400


def unsubscribe_token(lead_id: int, owner: str) -> str:
    """The token of a lead's withdraw-my-newsletter-consent link, /afmelden/<token>."""
    return issue_lead_token("unsubscribe", lead_id, owner)


# A booking link stays good well past the booking horizon: the link in a confirmation mail is the
# visitor's way to move or cancel, up to the day itself.
APPOINTMENT_MAX_AGE = 90 * 86400


def appointment_token(lead_id: int, owner: str) -> str:
    """The token of a lead's book-move-or-cancel link, /afspraak/<token>."""
    return issue_lead_token("appointment", lead_id, owner)


def is_appointment_token(token: str) -> bool:
    """Whether `token` is a genuine, current booking token (its lead is checked on use)."""
    try:
        read_lead_token("appointment", token, APPOINTMENT_MAX_AGE)
    except TokenError:
        return False
    return True


# A link in a follow-up mail opens the advice form with the reader's name and address filled in;
# it shows who the lead is, so it lasts a season, not for ever.
PREFILL_MAX_AGE = 90 * 86400


def prefill_token(lead_id: int, owner: str) -> str:
    """The token of a lead's link to the advice form filled in with its name and address."""
    return issue_lead_token("prefill", lead_id, owner)
