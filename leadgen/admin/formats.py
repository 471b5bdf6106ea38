"""How the practice reads dates, times and phone numbers: dd-mm-jjjj, its time zone, 06 …"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel import numbers
from flask import current_app, has_app_context
from flask_babel import format_percent

from leadgen import phone

AMSTERDAM = ZoneInfo("Europe/Amsterdam")  # LEADGEN_TIMEZONE's default


def zone() -> ZoneInfo:
    """The practice's time zone (LEADGEN_TIMEZONE, checked at start-up)."""
    return current_app.config["LEADGEN_TZ"] if has_app_context() else AMSTERDAM


def today() -> date:
    """The practice's date today (not UTC: a call due today is due on the practice's today)."""
    return datetime.now(zone()).date()


def start_of_day(day: date) -> datetime:
    """The UTC instant at which `day` begins in the practice's time zone."""
    return datetime.combine(day, time.min, tzinfo=zone()).astimezone(UTC)


def end_of_day(day: date) -> datetime:
    """The UTC instant at which `day` ends in the practice's time zone (exclusive)."""
    return start_of_day(day + timedelta(days=1))


def local_day(moment: datetime) -> date:
    return moment.astimezone(zone()).date()


def next_working_day(day: date) -> date:
    """The next day that is not a Saturday or Sunday."""
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def nl_date(value: date | datetime | None) -> str:
    """Format as dd-mm-jjjj; a timestamp first moves to the practice's time."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local_day(value)
    return value.strftime("%d-%m-%Y")


def nl_datetime(value: datetime | None) -> str:
    """Format as dd-mm-jjjj uu:mm in the practice's time."""
    if value is None:
        return ""
    return value.astimezone(zone()).strftime("%d-%m-%Y %H:%M")


nl_phone = phone.for_display  # the template filter and the export share the one formatter


def short_page(url: str | None, limit: int = 70) -> str:
    """A page address as staff read it: without https:// and www., cut to `limit` characters."""
    if not url:
        return ""
    text = url.split("://", 1)[-1].removeprefix("www.").rstrip("/")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def percent(share: float | None, locale: str | None = None) -> str:
    """A share (0..1) as a percentage with one decimal, "12,5%" in Dutch; "–" for none."""
    if share is None:
        return "–"
    if locale is None:
        return format_percent(share, "#,##0.0%")  # in the reader's language
    return numbers.format_percent(share, "#,##0.0%", locale=locale)
