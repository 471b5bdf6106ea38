"""Read-only queries of the admin: the lead list and its filters, today's calls, the audit log."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, ColumnElement, func, or_, tuple_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from leadgen import addresses
from leadgen.admin import formats
from leadgen.admin.cursors import MAX_ID, decode_cursor, encode_cursor, valid_id
from leadgen.extensions import db
from leadgen.models import AuditEntry, Lead, Staff
from leadgen.vocab import CALL_KINDS, LEAD_KINDS, LEAD_STATUSES, OPEN_STATUSES

PER_PAGE = 50
# The dates a filter takes: wide enough for any lead, narrow enough that a day's start and end
# in Amsterdam stay within what datetime and the databases can hold.
DATE_MIN = date(2000, 1, 1)
DATE_MAX = date(2099, 12, 31)
# Sort name -> (column, descending); the id breaks ties so the keyset is unique.
SORTS = {
    "nieuwste": (Lead.created_at, True),
    "oudste": (Lead.created_at, False),
    "naam": (Lead.name, False),
}
SORT_LABELS = {
    "nieuwste": _l("Nieuwste eerst"),
    "oudste": _l("Oudste eerst"),
    "naam": _l("Naam (A-Z)"),
}


@dataclass(frozen=True)
class LeadFilter:
    """What the lead list, the export and the CLI select on; every part optional."""

    kind: str | None = None
    status: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    source: str | None = None
    search: str | None = None

    def __post_init__(self) -> None:
        if self.kind is not None and self.kind not in LEAD_KINDS:
            raise ValueError(f"unknown kind {self.kind!r}")
        if self.status is not None and self.status not in LEAD_STATUSES:
            raise ValueError(f"unknown status {self.status!r}")
        for day in (self.date_from, self.date_to):
            if day is not None and not DATE_MIN <= day <= DATE_MAX:
                raise ValueError(f"date {day} outside {DATE_MIN}..{DATE_MAX}")

    def conditions(self) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        if self.kind:
            where.append(Lead.kind == self.kind)
        if self.status:
            where.append(Lead.status == self.status)
        if self.date_from:
            where.append(Lead.created_at >= formats.start_of_day(self.date_from))
        if self.date_to:
            where.append(Lead.created_at < formats.end_of_day(self.date_to))
        if self.source:
            pattern = _contains(self.source)
            where.append(or_(any_case(Lead.source, pattern), any_case(Lead.utm_source, pattern)))
        if self.search:
            where.append(_search(self.search))
        return where

    def for_audit(self) -> dict[str, Any]:
        """The filter as the audit log keeps it: a search term may be a name, so only its use."""
        kept = {key: value for key, value in asdict(self).items() if value and key != "search"}
        for key in ("date_from", "date_to"):
            if key in kept:
                kept[key] = kept[key].isoformat()
        if self.search:
            kept["search"] = True
        return kept

    def is_empty(self) -> bool:
        return not any(asdict(self).values())


def _contains(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _search(text: str) -> ColumnElement[bool]:
    """Match name or e-mail containing `text`; a phone number by its digits.

    Phone numbers are stored as +31612345678, so "06 1234" is searched as "3161234".
    Something that looks like a phone number is only looked for among phone numbers; something
    with an @ is first brought into the form addresses are stored in (any spelling finds it).
    """
    text = " ".join(text.split())
    if "@" in text:
        text = addresses.canonical(text)
    if re.fullmatch(r"[\d\s()+.-]{4,}", text):
        digits = re.sub(r"\D", "", text)
        if text.startswith(("0", "+")):
            digits = digits[2:] if digits.startswith("00") else digits
            digits = "31" + digits[1:] if digits.startswith("0") else digits
            return Lead.phone.like(f"%{digits}%")
        return or_(Lead.phone.like(f"%{digits}%"), Lead.email.like(f"%{digits}%"))
    pattern = _contains(text)
    return or_(any_case(Lead.name, pattern), any_case(Lead.email, pattern))


class any_case(FunctionElement):
    """`column` matches the LIKE `pattern` (escaped with a backslash) in any case of letters.

    ILIKE on PostgreSQL. On SQLite plain LIKE: it ignores the case of ASCII letters only, and
    SQLite's own lower(), which SQLAlchemy's ilike puts on both sides (lower(x) LIKE lower(y)),
    folds ASCII letters only too, so the matches are the same (neither finds É for é there:
    https://www.sqlite.org/lang_expr.html#like, https://www.sqlite.org/lang_corefunc.html#lower).
    lower() on two columns of every row tripled the search: 140 against 50 ms over 100 000 rows.
    """

    inherit_cache = True
    type = Boolean()


@compiles(any_case)
def _any_case(element, compiler, **kw) -> str:
    column, pattern = element.clauses
    return compiler.process(column.ilike(pattern, escape="\\"), **kw)


@compiles(any_case, "sqlite")
def _any_case_sqlite(element, compiler, **kw) -> str:
    column, pattern = element.clauses
    return compiler.process(column.like(pattern, escape="\\"), **kw)


class unindexed(FunctionElement):
    """A column SQLite must not walk an index for (`+column`); other databases see the column.

    A search for a rare name would otherwise walk the created_at index through every row
    (~130 ms at 100 000 leads); a plain scan and a small sort takes ~25 ms whatever the term.
    """

    inherit_cache = True

    def __init__(self, column) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(unindexed)
def _unindexed(element, compiler, **kw) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element, compiler, **kw) -> str:
    return "+" + compiler.process(element.clauses, **kw)


@dataclass(frozen=True)
class Page:
    leads: list[Lead]
    next_cursor: str | None = None
    prev_cursor: str | None = None


def list_leads(
    lead_filter: LeadFilter,
    sort: str = "nieuwste",
    after: str | None = None,
    before: str | None = None,
    per_page: int | None = None,
) -> Page:
    """One page of leads, by keyset: as fast on page 2 000 as on page 1, and never a full count."""
    per_page = per_page or PER_PAGE
    sort = sort if sort in SORTS else "nieuwste"
    column, descending = SORTS[sort]
    key_name = column.key
    key = tuple_(column, Lead.id)
    where = lead_filter.conditions()
    moment = column is Lead.created_at
    cursor = decode_cursor(before, moment) if before else None
    backwards = cursor is not None
    if not backwards and after:
        cursor = decode_cursor(after, moment)
    # Walking forwards through a descending sort means ever smaller keys; backwards flips that.
    reverse = descending != backwards
    if cursor is not None:
        where.append(key < tuple_(*cursor) if reverse else key > tuple_(*cursor))
    if lead_filter.search or lead_filter.source:
        column = unindexed(column)
    order = (column.desc(), Lead.id.desc()) if reverse else (column.asc(), Lead.id.asc())
    rows = list(
        db.session.execute(db.select(Lead).where(*where).order_by(*order).limit(per_page + 1))
        .scalars()
        .all()
    )
    more = len(rows) > per_page
    rows = rows[:per_page]
    if backwards:
        rows.reverse()
    return _page(rows, key_name, backwards, more, started_inside=cursor is not None)


def _page(
    rows: list[Lead], key_name: str, backwards: bool, more: bool, started_inside: bool
) -> Page:
    """The page of these rows (in display order) with cursors to the pages either side."""
    if not rows:
        return Page([])

    def at(lead: Lead) -> str:
        return encode_cursor(getattr(lead, key_name), lead.id)

    has_next = more or backwards
    has_prev = (backwards and more) or (not backwards and started_inside)
    return Page(
        rows,
        next_cursor=at(rows[-1]) if has_next else None,
        prev_cursor=at(rows[0]) if has_prev else None,
    )


@dataclass(frozen=True)
class DueToday:
    follow_ups: list[Lead]
    new_requests: list[Lead]


def due_today(day: date, limit: int = 200) -> DueToday:
    """Today's calls: follow-ups due (or overdue) on open leads, and call requests not yet dated."""
    follow_ups = db.session.execute(
        db.select(Lead)
        .where(Lead.status.in_(OPEN_STATUSES), Lead.follow_up_on <= day)
        .order_by(Lead.follow_up_on, Lead.created_at)
        .limit(limit)
    ).scalars()
    new_requests = db.session.execute(
        db.select(Lead)
        .where(Lead.status == "nieuw", Lead.follow_up_on.is_(None), Lead.kind.in_(CALL_KINDS))
        .order_by(Lead.created_at)
        .limit(limit)
    ).scalars()
    return DueToday(list(follow_ups), list(new_requests))


@dataclass(frozen=True)
class AuditPage:
    entries: list[tuple[AuditEntry, str | None]]
    next_before: int | None


def audit_log(before_id: int | None = None, per_page: int | None = None) -> AuditPage:
    """The newest audit entries (with the staff member's address), older ones by keyset."""
    per_page = per_page or PER_PAGE
    query = (
        db.select(AuditEntry, Staff.email)
        .outerjoin(Staff, Staff.id == AuditEntry.staff_id)
        .order_by(AuditEntry.id.desc())
        .limit(per_page + 1)
    )
    if before_id is not None:
        query = query.where(AuditEntry.id < max(0, min(before_id, MAX_ID)))
    rows = [(entry, email) for entry, email in db.session.execute(query).all()]
    more = len(rows) > per_page
    rows = rows[:per_page]
    return AuditPage(rows, rows[-1][0].id if more and rows else None)


def lead_or_none(lead_id: int) -> Lead | None:
    return db.session.get(Lead, lead_id) if valid_id(lead_id) else None


def leads_by_email(email: str) -> list[Lead]:
    """Every lead of this address, however it is written."""
    return list(
        db.session.execute(
            db.select(Lead).where(func.lower(Lead.email) == addresses.canonical(email))
        ).scalars()
    )
