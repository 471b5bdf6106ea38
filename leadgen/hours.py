"""Weekly opening hours for appointments: `ma-vr 12:00-13:00; za 09:00-11:00`, read and written."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import time

#: Dutch day abbreviations, Monday first (Python's `date.weekday()` order).
DAYS = ("ma", "di", "wo", "do", "vr", "za", "zo")
#: Every time in the hours is a multiple of this many minutes, and so is every slot length: the
#: agenda's cells (see leadgen.models.AppointmentCell) then line up with every moment exactly.
GRID_MINUTES = 5

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class HoursError(ValueError):
    """A weekly-hours text that cannot be read; `part` is the piece that failed."""

    def __init__(self, message: str, part: str) -> None:
        super().__init__(message)
        self.part = part


@dataclass(frozen=True, order=True)
class TimeRange:
    """One opening on a day, in the practice's wall-clock time; `end` is exclusive."""

    start: time
    end: time

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


#: Seven tuples of ranges, Monday first.
WeeklyHours = tuple[tuple[TimeRange, ...], ...]
NO_HOURS: WeeklyHours = ((),) * 7


def _time(text: str, part: str) -> time:
    match = _TIME.match(text.strip())
    if not match:
        raise HoursError(f"{text.strip()!r} is not a time like 09:30", part)
    value = time(int(match.group(1)), int(match.group(2)))
    if value.minute % GRID_MINUTES:
        raise HoursError(f"{text.strip()} is not on a {GRID_MINUTES}-minute boundary", part)
    return value


def _days(text: str, part: str) -> list[int]:
    found: list[int] = []
    for item in text.split(","):
        bounds = [bound.strip().lower() for bound in item.split("-")]
        if len(bounds) > 2 or any(bound not in DAYS for bound in bounds):
            raise HoursError(
                f"{item.strip()!r} is no day or range of days ({' '.join(DAYS)})", part
            )
        first, last = DAYS.index(bounds[0]), DAYS.index(bounds[-1])
        if last < first:
            raise HoursError(f"{item.strip()!r} runs backwards; write e.g. ma-vr", part)
        found.extend(range(first, last + 1))
    return found


def _ranges(text: str, part: str) -> list[TimeRange]:
    ranges = []
    for item in text.split(","):
        bounds = item.split("-")
        if len(bounds) != 2:
            raise HoursError(f"{item.strip()!r} is not a range like 12:00-13:00", part)
        start, end = _time(bounds[0], part), _time(bounds[1], part)
        if end <= start:
            raise HoursError(f"{item.strip()} ends before it starts", part)
        ranges.append(TimeRange(start, end))
    return ranges


def parse_hours(text: str) -> WeeklyHours:
    """Read weekly hours; an empty text means no hours at all. Raises HoursError."""
    week: list[set[TimeRange]] = [set() for _ in DAYS]
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        pieces = part.split(None, 1)
        if len(pieces) != 2:
            raise HoursError(f"{part!r} needs days and times, e.g. 'ma-vr 12:00-13:00'", part)
        days, ranges = _days(pieces[0], part), _ranges(pieces[1].replace(" ", ""), part)
        for day in days:
            week[day].update(ranges)
    for day, ranges in enumerate(week):
        ordered = sorted(ranges)
        for before, after in itertools.pairwise(ordered):
            if after.start < before.end:
                raise HoursError(f"{DAYS[day]} {before} and {after} overlap", text.strip())
    return tuple(tuple(sorted(ranges)) for ranges in week)


def format_hours(hours: WeeklyHours) -> str:
    """Write weekly hours back as text, days with the same hours joined (`ma-vr 12:00-13:00`)."""
    parts: list[str] = []
    day = 0
    while day < len(DAYS):
        last = day
        while last + 1 < len(DAYS) and hours[last + 1] == hours[day]:
            last += 1
        if hours[day]:
            days = DAYS[day] if last == day else f"{DAYS[day]}-{DAYS[last]}"
            parts.append(f"{days} {','.join(str(item) for item in hours[day])}")
        day = last + 1
    return "; ".join(parts)
