"""Bookable moments: weekly hours in the practice's time zone turned into UTC starts, and cells.

Pure functions, no database: the appointments feature hands in the hours, the blocked days and
which agenda cells are taken, and gets back the free moments. Summer and winter time are the
time zone's business (zoneinfo): a moment is a wall-clock time in the practice on one date,
turned into UTC for that date's offset.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from leadgen.hours import GRID_MINUTES, WeeklyHours

CELL = timedelta(minutes=GRID_MINUTES)


@dataclass(frozen=True)
class Rules:
    """What decides which moments are bookable, apart from the agenda itself."""

    hours: WeeklyHours
    slot_minutes: int
    zone: ZoneInfo
    notice: timedelta
    horizon: timedelta
    capacity: int = 1
    blocked: frozenset[date] = frozenset()


def local_instant(day: date, wall: time, zone: ZoneInfo) -> datetime | None:
    """`wall` on `day` in `zone` as a UTC instant; None when that time does not exist.

    On the day clocks go forward (e.g. 02:30 on the last Sunday of March in Amsterdam) the
    hour skipped has no instant. A time that happens twice (going back in October) is taken
    the first time (fold=0).
    """
    local = datetime.combine(day, wall, tzinfo=zone)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return instant


def day_moments(day: date, rules: Rules) -> Iterator[datetime]:
    """Every start on `day` the hours allow (UTC), before looking at the agenda or the clock."""
    if day in rules.blocked:
        return
    step = timedelta(minutes=rules.slot_minutes)
    for opening in rules.hours[day.weekday()]:
        wall = datetime.combine(day, opening.start)
        end = datetime.combine(day, opening.end)
        while wall + step <= end:
            instant = local_instant(day, wall.time(), rules.zone)
            if instant is not None:
                yield instant
            wall += step


def cells(start: datetime, minutes: int) -> list[datetime]:
    """The agenda cells (UTC, GRID_MINUTES long) a moment of `minutes` from `start` covers.

    A start off the grid still covers every cell it touches, so two moments that overlap in
    time always share a cell.
    """
    start = start.astimezone(UTC)
    first = start - timedelta(
        minutes=start.minute % GRID_MINUTES, seconds=start.second, microseconds=start.microsecond
    )
    end = start + timedelta(minutes=minutes)
    found = []
    while first < end:
        found.append(first)
        first += CELL
    return found


def window(now: datetime, rules: Rules) -> tuple[datetime, datetime]:
    """The first and last start one may book at `now`: notice ahead up to the horizon."""
    return now + rules.notice, now + rules.horizon


def free_moments(now: datetime, rules: Rules, taken: Mapping[datetime, int]) -> list[datetime]:
    """Every bookable start (UTC, in order) at `now`, given how many seats each cell has taken.

    `taken` maps a cell's UTC start to the number of appointments holding it; a moment is free
    when each of its cells has a seat left.
    """
    first, last = window(now, rules)
    found = []
    for day in _days(first, last, rules.zone):
        for start in day_moments(day, rules):
            if first <= start <= last and is_free(start, rules, taken):
                found.append(start)
    return found


def is_free(start: datetime, rules: Rules, taken: Mapping[datetime, int]) -> bool:
    """Whether every cell of the moment at `start` still has a seat."""
    return all(taken.get(cell, 0) < rules.capacity for cell in cells(start, rules.slot_minutes))


def is_bookable(start: datetime, now: datetime, rules: Rules) -> bool:
    """Whether `start` is one of the hours' moments, inside the booking window (agenda aside)."""
    first, last = window(now, rules)
    if not first <= start <= last:
        return False
    day = start.astimezone(rules.zone).date()
    return start in set(day_moments(day, rules))


def _days(first: datetime, last: datetime, zone: ZoneInfo) -> Iterable[date]:
    day, end = first.astimezone(zone).date(), last.astimezone(zone).date()
    while day <= end:
        yield day
        day += timedelta(days=1)


def by_day(moments: Iterable[datetime], zone: ZoneInfo) -> list[tuple[date, list[datetime]]]:
    """The moments grouped by their local date, in order, for the visitor's page."""
    groups: dict[date, list[datetime]] = {}
    for moment in moments:
        groups.setdefault(moment.astimezone(zone).date(), []).append(moment)
    return list(groups.items())
