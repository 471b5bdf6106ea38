"""Days and times of appointments as a reader of the current language says them."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import format_date, format_time
from flask_babel import gettext as _


def _local(moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(current_app.config["LEADGEN_TIMEZONE"]))


def day_label(day: date) -> str:
    """`donderdag 3 december` (Dutch) or `Thursday 3 December` (English)."""
    return format_date(day, "EEEE d MMMM")


def time_label(moment: datetime) -> str:
    """The practice's wall-clock time of `moment`: `12:00`."""
    return format_time(_local(moment), "HH:mm", rebase=False)


def moment_label(moment: datetime) -> str:
    """`donderdag 3 december om 12:00`, in the practice's time zone."""
    return _("%(day)s om %(time)s", day=day_label(_local(moment).date()), time=time_label(moment))


def location(kind: str) -> str | None:
    """Where a pain check takes place; a call has no place (we ring the visitor)."""
    if kind != "pijncheck":
        return None
    config = current_app.config
    return config["LEADGEN_PRACTICE_ADDRESS"] or (
        f"{config['LEADGEN_PRACTICE_NAME']}, {config['LEADGEN_PRACTICE_CITY']}"
    )
