"""Staff pages read dates in the practice's time zone (LEADGEN_TIMEZONE), not the server's."""

from __future__ import annotations

from datetime import UTC, date, datetime

from leadgen.admin import formats


def test_dates_and_day_bounds_follow_the_practices_time_zone(make_app):
    moment = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    with make_app().app_context():  # the default, Europe/Amsterdam (UTC+1 in winter)
        assert formats.nl_datetime(moment) == "01-12-2026 03:00"
    with make_app(LEADGEN_TIMEZONE="America/Curacao").app_context():  # UTC-4 all year
        assert formats.nl_datetime(moment) == "30-11-2026 22:00"
        assert formats.nl_date(moment) == "30-11-2026"
        assert formats.start_of_day(date(2026, 12, 1)) == datetime(2026, 12, 1, 4, tzinfo=UTC)
