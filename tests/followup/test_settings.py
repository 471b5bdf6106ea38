"""The series', digest's and time zone's settings: read at start-up, a wrong one stops the app."""

from __future__ import annotations

from datetime import time

import pytest

from leadgen import create_app
from leadgen.config import ConfigError


def _app(monkeypatch, tmp_path, **env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x" * 32})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LEADGEN_FOLLOWUP_DAYS", "twee"),
        ("LEADGEN_FOLLOWUP_DAYS", "7,2,14"),
        ("LEADGEN_FOLLOWUP_DAYS", "2,2"),
        ("LEADGEN_FOLLOWUP_DAYS", "0,7"),
        ("LEADGEN_FOLLOWUP_DAYS", "1,2,3,4"),
        ("LEADGEN_FOLLOWUP_DAYS", "2,,7"),
        ("LEADGEN_DIGEST_TIME", "8 uur"),
        ("LEADGEN_DIGEST_TIME", "25:00"),
        ("LEADGEN_DIGEST_TIME", "08:00:00"),
        ("LEADGEN_TIMEZONE", "Europe/Hoorn"),
        ("LEADGEN_TIMEZONE", "../etc/passwd"),
    ],
)
def test_a_wrong_setting_stops_the_app_in_one_line(monkeypatch, tmp_path, name, value):
    with pytest.raises(ConfigError) as caught:
        _app(monkeypatch, tmp_path, **{name: value})
    assert str(caught.value).startswith(name)
    assert "\n" not in str(caught.value)


def test_the_defaults(monkeypatch, tmp_path):
    for name in ("LEADGEN_FOLLOWUP_DAYS", "LEADGEN_DIGEST_TIME", "LEADGEN_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    config = _app(monkeypatch, tmp_path).config
    assert config["LEADGEN_FOLLOWUP"] == (2, 7, 14)
    assert config["LEADGEN_DIGEST"] == time(8, 0)
    assert str(config["LEADGEN_TZ"]) == "Europe/Amsterdam"


def test_empty_turns_the_series_and_the_digest_off(monkeypatch, tmp_path):
    config = _app(monkeypatch, tmp_path, LEADGEN_FOLLOWUP_DAYS="", LEADGEN_DIGEST_TIME="").config
    assert (config["LEADGEN_FOLLOWUP"], config["LEADGEN_DIGEST"]) == ((), None)


def test_spaces_are_allowed(monkeypatch, tmp_path):
    config = _app(monkeypatch, tmp_path, LEADGEN_FOLLOWUP_DAYS=" 3, 10 ").config
    assert config["LEADGEN_FOLLOWUP"] == (3, 10)
