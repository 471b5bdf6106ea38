"""The funnel per blog post and campaign: views, requests, downloads, appointments, patients."""

from __future__ import annotations

from collections import Counter as Tally
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import ColumnElement, case, func

from leadgen.extensions import db
from leadgen.models import Lead, PageView

#: How the rows are grouped: per blog post, per UTM campaign, or per both.
GROUPINGS = ("post", "campagne", "beide")
#: The steps, in order; each rate is taken against its base (see `Row.rate`).
STEPS = ("views", "requests", "downloads", "appointments", "patients")
#: The base each step's conversion rate is taken against: a request against the views of its
#: page; downloads, appointments and patients against the requests (an advice request has no
#: download, so "appointments of downloads" would mean nothing).
BASES = {
    "requests": "views",
    "downloads": "requests",
    "appointments": "requests",
    "patients": "requests",
}


# Parameters that say how a reader arrived, not which page they read (ad and mail click ids).
CLICK_IDS = {"fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "mc_cid", "mc_eid", "_gl"}


@dataclass(frozen=True)
class Row:
    """One blog post, campaign or post-and-campaign: its count at each step in the period."""

    source: str  # "" when not known (a hosted form, a plain iframe without `source`)
    campaign: str  # "" without utm_campaign
    views: int = 0
    requests: int = 0
    downloads: int = 0
    appointments: int = 0
    patients: int = 0

    def rate(self, step: str) -> float | None:
        """`step` as a share (0..1) of its base; None when the base is 0."""
        base = getattr(self, BASES[step])
        return getattr(self, step) / base if base else None

    def counts(self) -> list[int]:
        return [getattr(self, step) for step in STEPS]


@dataclass(frozen=True)
class Funnel:
    first: date
    last: date
    grouping: str
    rows: list[Row]
    total: Row


def practice_zone() -> ZoneInfo:
    """The practice's time zone (LEADGEN_TIMEZONE): its days are the funnel's days."""
    return ZoneInfo(current_app.config["LEADGEN_TIMEZONE"])


def practice_today() -> date:
    """Today in the practice's time zone, the day a view is counted on now."""
    return datetime.now(practice_zone()).date()


def post_of(source: str) -> str:
    """The blog post a page address stands for: without campaign and click parameters.

    A post shared with `?utm_campaign=…` or `?fbclid=…` is still the same post; what else its
    address holds stays (WordPress's plain links tell posts apart by `?p=123`). Stored values
    keep the address as the lead's `source` has it; only the report puts them together.
    """
    if not source or "?" not in source:
        return source
    parts = urlsplit(source)
    kept = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if not name.lower().startswith("utm_") and name.lower() not in CLICK_IDS
    ]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept), parts.fragment))


def appointment_made() -> ColumnElement[bool]:
    """Whether a lead counts as "appointment" in the funnel: the one place that says so.

    For now its status says it (`afspraak`, or `patiënt`, who had one); booked appointments of
    their own (issue 13) join here.
    """
    return Lead.status.in_(("afspraak", "patiënt"))


def _count_when(condition: ColumnElement[bool]):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _bounds(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants at which `first` begins and the day after `last` begins, in `zone`."""
    start = datetime.combine(first, time.min, tzinfo=zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone).astimezone(UTC)
    return start, end


def funnel(first: date, last: date, grouping: str, zone: ZoneInfo) -> Funnel:
    """The funnel from `first` to `last` (days in `zone`, both included), one row per group.

    Rows sort by patients, then requests (most first); views, then the page break ties.
    """
    if grouping not in GROUPINGS:
        raise ValueError(f"unknown grouping {grouping!r}")
    start, end = _bounds(first, last, zone)
    by_post = grouping in ("post", "beide")
    by_campaign = grouping in ("campagne", "beide")
    lead_keys = [func.coalesce(Lead.source, "")] if by_post else []
    lead_keys += [func.coalesce(Lead.utm_campaign, "")] if by_campaign else []
    view_keys = [PageView.source] if by_post else []
    view_keys += [PageView.utm_campaign] if by_campaign else []

    def key(row) -> tuple[str, str]:
        # Back from the columns grouped on to (post, campaign); a column not grouped on is "".
        values = iter(row[: len(lead_keys)])
        return (post_of(next(values)) if by_post else "", next(values) if by_campaign else "")

    leads = db.session.execute(
        db.select(
            *lead_keys,
            func.count(),
            _count_when(Lead.download_count > 0),
            _count_when(appointment_made()),
            _count_when(Lead.status == "patiënt"),
        )
        .where(Lead.created_at >= start, Lead.created_at < end)
        .group_by(*lead_keys)
    ).all()
    views = db.session.execute(
        db.select(*view_keys, func.sum(PageView.views))
        .where(PageView.day >= first, PageView.day <= last)
        .group_by(*view_keys)
    ).all()
    found: dict[tuple[str, str], Tally[str]] = {}
    lead_steps = ("requests", "downloads", "appointments", "patients")
    for row in leads:
        counts = map(int, row[len(lead_keys) :])
        found.setdefault(key(row), Tally()).update(dict(zip(lead_steps, counts, strict=True)))
    for row in views:
        found.setdefault(key(row), Tally())["views"] += int(row[-1] or 0)
    rows = [Row(source, campaign, **counts) for (source, campaign), counts in found.items()]
    rows.sort(key=lambda r: (-r.patients, -r.requests, -r.views, r.source, r.campaign))
    total = Row("", "", **{step: sum(getattr(r, step) for r in rows) for step in STEPS})
    return Funnel(first, last, grouping, rows, total)
