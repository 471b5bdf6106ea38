"""Free moments: hours in Amsterdam time become UTC starts, right across summer and winter time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from leadgen.hours import parse_hours
from leadgen.moments import (
    Rules,
    by_day,
    cells,
    day_moments,
    free_moments,
    is_bookable,
    local_instant,
)

AMS = ZoneInfo("Europe/Amsterdam")


def rules(spec="ma-zo 09:00-10:00", minutes=20, **changes) -> Rules:
    values = {
        "hours": parse_hours(spec),
        "slot_minutes": minutes,
        "zone": AMS,
        "notice": timedelta(hours=2),
        "horizon": timedelta(days=21),
        "capacity": 1,
    }
    return Rules(**(values | changes))


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_morning_hour_holds_three_moments_of_20_minutes():
    assert list(day_moments(date(2026, 12, 3), rules())) == [
        utc(2026, 12, 3, 8, 0),
        utc(2026, 12, 3, 8, 20),
        utc(2026, 12, 3, 8, 40),
    ]


def test_a_moment_never_runs_past_the_hours():
    assert [m.minute for m in day_moments(date(2026, 12, 3), rules(minutes=25))] == [0, 25]


@pytest.mark.parametrize(
    ("day", "first_utc_hour"),
    [
        (date(2026, 3, 22), 8),  # the Sunday before: winter time, UTC+1
        (date(2026, 3, 29), 7),  # last Sunday of March: summer time from 02:00, UTC+2
        (date(2026, 10, 18), 7),  # the Sunday before: summer time
        (date(2026, 10, 25), 8),  # last Sunday of October: winter time again from 03:00
    ],
)
def test_nine_oclock_in_amsterdam_follows_summer_and_winter_time(day, first_utc_hour):
    moments = list(day_moments(day, rules("zo 09:00-10:00")))
    assert moments[0] == datetime.combine(day, datetime.min.time(), UTC).replace(
        hour=first_utc_hour
    )
    assert [m.astimezone(AMS).strftime("%H:%M") for m in moments] == ["09:00", "09:20", "09:40"]


def test_the_hour_skipped_in_march_has_no_moments():
    moments = list(day_moments(date(2026, 3, 29), rules("zo 01:00-04:00", minutes=30)))
    assert [m.astimezone(AMS).strftime("%H:%M") for m in moments] == [
        "01:00",
        "01:30",
        "03:00",
        "03:30",
    ]
    assert local_instant(date(2026, 3, 29), datetime(1, 1, 1, 2, 30).time(), AMS) is None


def test_the_hour_repeated_in_october_is_offered_once():
    moments = list(day_moments(date(2026, 10, 25), rules("zo 02:00-03:00", minutes=30)))
    assert moments == [utc(2026, 10, 25, 0, 0), utc(2026, 10, 25, 0, 30)]  # still UTC+2


def test_free_moments_span_the_change_to_winter_time():
    now = utc(2026, 10, 23, 6, 0)  # Friday 08:00; the clocks go back on Sunday
    free = free_moments(now, rules("vr,ma 12:00-12:20", horizon=timedelta(days=4)), {})
    assert free == [utc(2026, 10, 23, 10, 0), utc(2026, 10, 26, 11, 0)]


def test_notice_and_horizon_bound_the_moments():
    now = utc(2026, 12, 3, 6, 10)  # Thursday 07:10 in Amsterdam
    free = free_moments(now, rules(horizon=timedelta(days=1)), {})
    # 09:00 is inside the two hours' notice; Friday's 09:00 is past the one-day horizon
    assert free == [utc(2026, 12, 3, 8, 20), utc(2026, 12, 3, 8, 40)]


def test_blocked_days_have_no_moments():
    now = utc(2026, 12, 1, 6, 0)
    free = free_moments(now, rules(blocked=frozenset({date(2026, 12, 3)})), {})
    assert {m.astimezone(AMS).date() for m in free} & {date(2026, 12, 3)} == set()
    assert date(2026, 12, 4) in {m.astimezone(AMS).date() for m in free}


def test_cells_cover_a_moment_and_overlapping_moments_share_one():
    assert cells(utc(2026, 12, 3, 8, 0), 20) == [utc(2026, 12, 3, 8, m) for m in (0, 5, 10, 15)]
    assert len(cells(utc(2026, 12, 3, 8, 0), 30)) == 6
    # off the grid, a moment still covers every cell it touches
    assert cells(utc(2026, 12, 3, 8, 3), 5) == [utc(2026, 12, 3, 8, 0), utc(2026, 12, 3, 8, 5)]
    assert set(cells(utc(2026, 12, 3, 8, 0), 30)) & set(cells(utc(2026, 12, 3, 8, 20), 20))


def test_a_taken_cell_takes_every_moment_over_it_until_capacity():
    now = utc(2026, 12, 1, 6, 0)
    taken = {cell: 1 for cell in cells(utc(2026, 12, 3, 8, 10), 30)}  # a pain check 09:10-09:40
    free = free_moments(now, rules(), taken)
    day = [m for m in free if m.date() == date(2026, 12, 3)]
    assert day == [utc(2026, 12, 3, 8, 40)]  # 09:00 and 09:20 overlap it; 09:40 starts after
    assert utc(2026, 12, 4, 8, 0) in free
    two = free_moments(now, rules(capacity=2), taken)
    assert [m for m in two if m.date() == date(2026, 12, 3)] == [
        utc(2026, 12, 3, 8, 0),
        utc(2026, 12, 3, 8, 20),
        utc(2026, 12, 3, 8, 40),
    ]


def test_is_bookable_knows_the_moments_of_the_hours():
    now = utc(2026, 12, 1, 6, 0)
    assert is_bookable(utc(2026, 12, 3, 8, 20), now, rules())
    assert not is_bookable(utc(2026, 12, 3, 8, 10), now, rules())  # not on the slot grid
    assert not is_bookable(utc(2026, 12, 3, 9, 0), now, rules())  # 10:00, after the hours
    assert not is_bookable(utc(2026, 12, 1, 7, 0), now, rules())  # inside the notice
    assert not is_bookable(utc(2026, 12, 30, 8, 0), now, rules())  # past the horizon


def test_moments_are_grouped_by_local_day():
    moments = [utc(2026, 12, 3, 22, 40), utc(2026, 12, 3, 23, 20)]
    groups = by_day(moments, AMS)
    assert [day for day, _ in groups] == [date(2026, 12, 3), date(2026, 12, 4)]
