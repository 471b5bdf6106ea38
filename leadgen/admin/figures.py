"""The dashboard's figures: sign-ups per day and kind, the funnel, top sources and campaigns."""

from __future__ import annotations

from collections import Counter as Tally
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, case, exists, func, or_

from leadgen.admin import formats
from leadgen.extensions import db
from leadgen.models import Appointment, Lead, utcnow
from leadgen.vocab import APPOINTMENT_STATUSES, LEAD_KINDS


@dataclass(frozen=True)
class Dashboard:
    days: list[date]
    signups: dict[str, list[int]]  # kind -> count per day, aligned with `days`
    funnel: list[tuple[str, int]]
    sources: list[tuple[str, int]]
    campaigns: list[tuple[str, str, str, int]]
    totals: dict[str, int] = field(default_factory=dict)
    # Appointments whose moment fell in the period (up to now), per status (vocab's statuses).
    appointments: dict[str, int] = field(default_factory=dict)

    @property
    def no_show_percent(self) -> int | None:
        """Of the appointments staff marked, the share nobody came to; None before any mark."""
        came, missed = (
            self.appointments.get("geweest", 0),
            self.appointments.get("niet verschenen", 0),
        )
        return round(100 * missed / (came + missed)) if came + missed else None


def dashboard(period_days: int, today: date) -> Dashboard:
    first = today - timedelta(days=period_days - 1)
    since = formats.start_of_day(first)
    days = [first + timedelta(days=n) for n in range(period_days)]
    signups = _signups_per_day(since, days)
    return Dashboard(
        days=days,
        signups=signups,
        funnel=_funnel(since),
        sources=_top(Lead.source, since),
        campaigns=_campaigns(since),
        totals={kind: sum(counts) for kind, counts in signups.items()},
        appointments=_appointments(since),
    )


def _hour_bucket() -> ColumnElement[str]:
    # Grouped per UTC hour in SQL, then moved to Amsterdam days here: its offset is whole hours,
    # and SQLite knows no time zones.
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", Lead.created_at), "YYYY-MM-DD HH24")
    return func.strftime("%Y-%m-%d %H", Lead.created_at)


def _signups_per_day(since: datetime, days: list[date]) -> dict[str, list[int]]:
    bucket = _hour_bucket()
    rows = db.session.execute(
        db.select(bucket, Lead.kind, func.count())
        .where(Lead.created_at >= since)
        .group_by(bucket, Lead.kind)
    ).all()
    tally: Tally[tuple[date, str]] = Tally()
    for hour, kind, count in rows:
        # "2026-03-01 23": sliced by hand, strptime is the slow part of the dashboard
        moment = datetime(
            int(hour[:4]), int(hour[5:7]), int(hour[8:10]), int(hour[11:13]), tzinfo=UTC
        )
        tally[(formats.local_day(moment), kind)] += count
    return {kind: [tally[(day, kind)] for day in days] for kind in LEAD_KINDS}


def _funnel(since: datetime) -> list[tuple[str, int]]:
    def count_when(condition: ColumnElement[bool]):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    def has_appointment(*statuses: str) -> ColumnElement[bool]:
        theirs = Appointment.lead_id == Lead.id
        if statuses:
            theirs = theirs & Appointment.status.in_(statuses)
        return exists().where(theirs)

    row = db.session.execute(
        db.select(
            func.count(),
            count_when(Lead.download_count > 0),
            count_when(Lead.status != "nieuw"),
            # Booked by the visitor (any appointment, cancelled too) or set by staff.
            count_when(Lead.status.in_(("afspraak", "patiënt")) | has_appointment()),
            count_when(has_appointment("geweest")),
            count_when(Lead.status == "patiënt"),
        ).where(Lead.created_at >= since)
    ).one()
    labels = (
        _l("Aangevraagd"),
        _l("E-book gedownload"),
        _l("Gebeld"),
        _l("Afspraak gemaakt"),
        _l("Afspraak geweest"),
        _l("Patiënt"),
    )
    return list(zip(labels, (int(n) for n in row), strict=True))


def _appointments(since: datetime) -> dict[str, int]:
    rows = db.session.execute(
        db.select(Appointment.status, func.count())
        .where(Appointment.starts_at >= since, Appointment.starts_at <= utcnow())
        .group_by(Appointment.status)
    ).all()
    found = dict(rows)
    return {status: int(found.get(status, 0)) for status in APPOINTMENT_STATUSES}


def _top(column, since: datetime, limit: int = 10) -> list[tuple[str, int]]:
    rows = db.session.execute(
        db.select(column, func.count().label("n"))
        .where(Lead.created_at >= since, column.is_not(None))
        .group_by(column)
        .order_by(func.count().desc(), column)
        .limit(limit)
    ).all()
    return [(value, n) for value, n in rows]


def _campaigns(since: datetime, limit: int = 10) -> list[tuple[str, str, str, int]]:
    rows = db.session.execute(
        db.select(Lead.utm_source, Lead.utm_medium, Lead.utm_campaign, func.count())
        .where(
            Lead.created_at >= since,
            or_(Lead.utm_campaign.is_not(None), Lead.utm_source.is_not(None)),
        )
        .group_by(Lead.utm_source, Lead.utm_medium, Lead.utm_campaign)
        .order_by(func.count().desc())
        .limit(limit)
    ).all()
    return [(s or "", m or "", c or "", n) for s, m, c, n in rows]
