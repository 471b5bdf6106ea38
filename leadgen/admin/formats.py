"""How the practice reads dates, times and phone numbers: dd-mm-jjjj, Europe/Amsterdam, 06 …"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel import numbers
from flask_babel import format_percent

from leadgen import phone

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def today() -> date:
    """Today's date in Amsterdam (not UTC: a call due today is due on the practice's today)."""
    return datetime.now(AMSTERDAM).date()


def start_of_day(day: date) -> datetime:
    """The UTC instant at which `day` begins in Amsterdam."""
    return datetime.combine(day, time.min, tzinfo=AMSTERDAM).astimezone(UTC)


def end_of_day(day: date) -> datetime:
    """The UTC instant at which `day` ends in Amsterdam (exclusive)."""
    return start_of_day(day + timedelta(days=1))


def local_day(moment: datetime) -> date:
    return moment.astimezone(AMSTERDAM).date()


def next_working_day(day: date) -> date:
    """The next day that is not a Saturday or Sunday."""
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def nl_date(value: date | datetime | None) -> str:
    """Format as dd-mm-jjjj; a timestamp first moves to Amsterdam time."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local_day(value)
    return value.strftime("%d-%m-%Y")


def nl_datetime(value: datetime | None) -> str:
    """Format as dd-mm-jjjj uu:mm in Amsterdam time."""
    if value is None:
        return ""
    return value.astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M")


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
