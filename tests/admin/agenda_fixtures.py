"""What the staff agenda's tests share: hours every day, a complaint to look for, weeks."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

AMS = ZoneInfo("Europe/Amsterdam")
COMPLAINT = "Zeurende pijn onder in de rug sinds de verhuizing"
# Hours every day, so there are moments whatever day the suite runs.
EVERY_DAY = {
    "LEADGEN_HOURS_ADVIESGESPREK": "ma-zo 08:00-20:00",
    "LEADGEN_HOURS_PIJNCHECK": "ma-zo 08:00-20:00",
}


def iso_week(moment: datetime) -> str:
    year, week, _ = moment.astimezone(AMS).isocalendar()
    return f"{year:04d}-W{week:02d}"


def utc(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
