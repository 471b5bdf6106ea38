"""The funnel's settings: read from the environment, and a wrong one stops start-up in one line."""

from __future__ import annotations

import pytest

from leadgen import create_app
from leadgen.config import ConfigError
from tests.conftest import base_config


@pytest.fixture
def config(tmp_path) -> dict:
    return base_config(f"sqlite:///{tmp_path / 'test.db'}", str(tmp_path))


def test_defaults(config, monkeypatch):
    monkeypatch.delenv("LEADGEN_TIMEZONE", raising=False)
    monkeypatch.delenv("LEADGEN_VIEW_FLUSH_SECONDS", raising=False)
    app = create_app(config)
    assert app.config["LEADGEN_TIMEZONE"] == "Europe/Amsterdam"
    assert app.config["LEADGEN_VIEW_FLUSH_SECONDS"] == 10


def test_the_environment_sets_them(config, monkeypatch):
    monkeypatch.setenv("LEADGEN_TIMEZONE", "America/Curacao")
    monkeypatch.setenv("LEADGEN_VIEW_FLUSH_SECONDS", "2")
    app = create_app(config)
    assert app.config["LEADGEN_TIMEZONE"] == "America/Curacao"
    assert app.config["LEADGEN_VIEW_FLUSH_SECONDS"] == 2


@pytest.mark.parametrize("zone", ["Europe/Hoorn", "Amsterdam", "../../etc/passwd", "CET+1"])
def test_a_wrong_time_zone_fails_at_start_in_one_line(config, zone):
    with pytest.raises(ConfigError, match="LEADGEN_TIMEZONE is not a time zone") as caught:
        create_app(config | {"LEADGEN_TIMEZONE": zone})
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("seconds", ["0", "-1", "tien"])
def test_a_wrong_flush_interval_fails_at_start(config, monkeypatch, seconds):
    monkeypatch.setenv("LEADGEN_VIEW_FLUSH_SECONDS", seconds)
    with pytest.raises(ConfigError, match="LEADGEN_VIEW_FLUSH_SECONDS"):
        create_app(config)
