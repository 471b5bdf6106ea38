"""Weekly hours: the `ma-vr 12:00-13:00; za 09:00-11:00` syntax, and its checks at start-up."""

from __future__ import annotations

from datetime import time

import pytest

from leadgen import create_app
from leadgen.config import ConfigError
from leadgen.hours import NO_HOURS, HoursError, TimeRange, format_hours, parse_hours


def test_days_ranges_and_lists():
    hours = parse_hours("ma-wo,vr 12:00-13:00; za 09:00-10:00,10:30-11:00")
    noon = (TimeRange(time(12), time(13)),)
    assert hours[:5] == (noon, noon, noon, (), noon)
    assert hours[5] == (TimeRange(time(9), time(10)), TimeRange(time(10, 30), time(11)))
    assert hours[6] == ()


def test_empty_means_no_hours():
    assert parse_hours("") == NO_HOURS
    assert parse_hours(" ; ") == NO_HOURS


def test_parts_for_the_same_day_add_up_in_order():
    hours = parse_hours("di 16:00-17:00; ma-vr 08:00-09:00")
    assert [str(item) for item in hours[1]] == ["08:00-09:00", "16:00-17:00"]


@pytest.mark.parametrize(
    "spec",
    [
        "ma-vr 12:00-13:00; za 09:00-11:00",
        "ma,wo 09:00-09:30",
        "zo 08:00-08:05",
        "ma-zo 07:00-08:00,20:00-21:00",
    ],
)
def test_written_back_as_read(spec):
    assert parse_hours(format_hours(parse_hours(spec))) == parse_hours(spec)
    assert format_hours(parse_hours("ma-vr 12:00-13:00; za 09:00-11:00")) == (
        "ma-vr 12:00-13:00; za 09:00-11:00"
    )


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("maandag 12:00-13:00", "no day"),
        ("mo-fr 12:00-13:00", "no day"),
        ("vr-ma 12:00-13:00", "backwards"),
        ("ma 12:00", "not a range"),
        ("ma 13:00-12:00", "ends before"),
        ("ma 12:00-12:00", "ends before"),
        ("ma 25:00-26:00", "not a time"),
        ("ma 12:07-13:00", "5-minute"),
        ("ma-vr", "needs days and times"),
        ("ma 09:00-11:00,10:00-12:00", "overlap"),
        ("ma 09:00-11:00; ma-di 10:30-12:00", "overlap"),
        ("ma 9-10", "not a time"),
    ],
)
def test_bad_hours_say_what_is_wrong(spec, says):
    with pytest.raises(HoursError, match=says):
        parse_hours(spec)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LEADGEN_HOURS_ADVIESGESPREK", "ma-vr 12-13"),
        ("LEADGEN_HOURS_PIJNCHECK", "zaterdag 09:00-11:00"),
        ("LEADGEN_TIMEZONE", "Europe/Hoorn"),
        ("LEADGEN_TIMEZONE", "../etc/passwd"),
        ("LEADGEN_SLOT_MINUTES_PIJNCHECK", "17"),
        ("LEADGEN_SLOT_MINUTES_ADVIESGESPREK", "twintig"),
        ("LEADGEN_BOOKING_CAPACITY", "0"),
        ("LEADGEN_BOOKING_DAYS", "-1"),
    ],
)
def test_wrong_appointment_setting_fails_at_start_in_one_line(monkeypatch, tmp_path, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x" * 32})
    assert str(caught.value).startswith(name)
    assert "\n" not in str(caught.value)


def test_settings_are_read_and_parsed(monkeypatch, tmp_path):
    monkeypatch.setenv("LEADGEN_HOURS_PIJNCHECK", "za 09:00-11:00")
    monkeypatch.setenv("LEADGEN_TIMEZONE", "Europe/Brussels")
    monkeypatch.setenv("LEADGEN_BOOKING_CAPACITY", "2")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x" * 32})
    assert app.config["LEADGEN_HOURS"]["pijncheck"][5] == (TimeRange(time(9), time(11)),)
    assert app.config["LEADGEN_HOURS"]["adviesgesprek"][0] == (TimeRange(time(12), time(13)),)
    assert app.config["BABEL_DEFAULT_TIMEZONE"] == "Europe/Brussels"
    assert app.config["LEADGEN_BOOKING_CAPACITY"] == 2
    assert app.config["LEADGEN_SLOT_MINUTES_ADVIESGESPREK"] == 20
