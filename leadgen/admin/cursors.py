"""Keyset cursors for the lead list: (sort value, id) in a URL-safe string, read back warily."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Any

# A link or a cursor may carry any number, but ids are INTEGER columns: 32 bits on PostgreSQL
# (64 on SQLite). Beyond that no row exists, and both databases raise rather than say so.
MAX_ID = 2**31 - 1


def encode_cursor(value: Any, lead_id: int) -> str:
    raw = json.dumps([value.isoformat() if isinstance(value, datetime) else value, lead_id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def valid_id(number: int) -> bool:
    """Whether a number from a link can be a row's id at all."""
    return 0 < number <= MAX_ID


def decode_cursor(cursor: str, moment: bool) -> tuple[Any, int] | None:
    """The (value, id) a cursor points at, or None when it is not one of ours.

    `moment`: the value is a timestamp (the sort is by time), read back timezone-aware in UTC.
    """
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, lead_id = json.loads(raw)
        if not isinstance(lead_id, int) or not isinstance(value, str) or not valid_id(lead_id):
            return None
        if "\x00" in value:  # PostgreSQL refuses NUL in text; names may hold other format marks
            return None
        if moment:
            value = datetime.fromisoformat(value)
            value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError, OverflowError):
        return None
    return value, lead_id
