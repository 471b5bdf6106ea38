"""Column types and helpers the tables share: UTC timestamps, value checks, ids never reused."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, TypeDecorator


def utcnow() -> datetime:
    """Now, in UTC, timezone-aware."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime stored; use leadgen.models.utcnow()")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def in_check(column: str, values: tuple[str, ...]) -> str:
    """The SQL of a check constraint: `column` holds one of `values`."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# Ids appear in links, mails and the audit log: SQLite must never hand out a deleted row's id
# again (without AUTOINCREMENT it reuses the highest one). PostgreSQL sequences never do.
NO_REUSE = {"sqlite_autoincrement": True}
