"""The funnel report: periods in the practice's days, groupings, sorting and conversion rates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from leadgen.funnel import report
from tests.funnel.conftest import BLOG

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
RUG, HEUP = f"{BLOG}/lage-rugpijn", f"{BLOG}/heupoefeningen"
DAY = date(2026, 3, 10)


@pytest.fixture
def funnel(app):
    def run(first: date = DAY, last: date = DAY, grouping: str = "post", zone=AMSTERDAM):
        with app.app_context():
            return report.funnel(first, last, grouping, zone)

    return run


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    """A moment in UTC, given as a time of `day` in UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def test_each_step_is_counted_per_post(create_lead, add_views, funnel):
    add_views(DAY, RUG, 40)
    create_lead(source=RUG, created_at=at(9), download_count=2)
    create_lead(source=RUG, created_at=at(9), download_count=0)
    create_lead(source=RUG, kind="pijncheck", created_at=at(10), status="afspraak")
    create_lead(source=RUG, kind="adviesgesprek", created_at=at(11), status="patiënt")
    create_lead(source=RUG, kind="adviesgesprek", created_at=at(11), status="gebeld")
    (row,) = funnel().rows
    assert (row.source, row.views, row.requests, row.downloads) == (RUG, 40, 5, 1)
    # A patient had an appointment too: both count as one.
    assert (row.appointments, row.patients) == (2, 1)
    assert row.rate("requests") == pytest.approx(5 / 40)
    assert row.rate("downloads") == pytest.approx(1 / 5)
    assert row.rate("appointments") == pytest.approx(2 / 5)
    assert row.rate("patients") == pytest.approx(1 / 5)


def test_a_rate_without_a_base_is_none(create_lead, funnel):
    create_lead(source=RUG, created_at=at(9))  # a request, but no view counted
    (row,) = funnel().rows
    assert row.rate("requests") is None
    assert row.rate("downloads") == 0


def test_the_period_is_in_the_practices_days(create_lead, add_views, funnel):
    # 10 March in Amsterdam (UTC+1) runs from 9 March 23:00 to 10 March 23:00 UTC.
    create_lead(source=RUG, created_at=at(22, 59, date(2026, 3, 9)))  # 9 March, 23:59 local
    create_lead(source=RUG, created_at=at(23, 0, date(2026, 3, 9)))  # 10 March, 00:00 local
    create_lead(source=RUG, created_at=at(22, 59))  # 10 March, 23:59 local
    create_lead(source=RUG, created_at=at(23, 0))  # 11 March, 00:00 local
    add_views(date(2026, 3, 9), RUG, 100)
    add_views(DAY, RUG, 7)
    add_views(date(2026, 3, 11), RUG, 1000)
    (row,) = funnel().rows
    assert (row.views, row.requests) == (7, 2)
    (row,) = funnel(date(2026, 3, 9), date(2026, 3, 11)).rows
    assert (row.views, row.requests) == (1107, 4)
    assert funnel(date(2026, 3, 12), date(2026, 3, 31)).rows == []
    # In summer (UTC+2) the day starts an hour earlier in UTC.
    summer = date(2026, 7, 1)
    create_lead(source=HEUP, created_at=at(22, 0, date(2026, 6, 30)))
    assert [r.source for r in funnel(summer, summer).rows] == [HEUP]


def test_rows_sort_by_patients_then_requests(create_lead, add_views, funnel):
    many = f"{BLOG}/veel-aanvragen"
    create_lead(source=RUG, created_at=at(9), status="patiënt")
    for _ in range(3):
        create_lead(source=many, created_at=at(9))
    create_lead(source=HEUP, created_at=at(9))
    add_views(DAY, f"{BLOG}/alleen-gelezen", 500)
    order = [row.source for row in funnel().rows]
    assert order == [RUG, many, HEUP, f"{BLOG}/alleen-gelezen"]


def test_leads_without_a_page_have_a_row_of_their_own(create_lead, add_views, funnel):
    create_lead(source=None, created_at=at(9))
    add_views(DAY, RUG, 3)
    rows = {row.source: (row.views, row.requests) for row in funnel().rows}
    assert rows == {"": (0, 1), RUG: (3, 0)}


def test_grouping_by_campaign_and_by_both(create_lead, add_views, funnel):
    create_lead(source=RUG, utm_campaign="mei", created_at=at(9))
    create_lead(source=HEUP, utm_campaign="mei", created_at=at(9), status="patiënt")
    create_lead(source=HEUP, created_at=at(9))
    add_views(DAY, RUG, 10, "mei")
    add_views(DAY, HEUP, 20, "mei")
    add_views(DAY, HEUP, 5)
    by_campaign = {
        (r.campaign, r.views, r.requests, r.patients) for r in funnel(grouping="campagne").rows
    }
    assert by_campaign == {("mei", 30, 2, 1), ("", 5, 1, 0)}
    both = [(r.source, r.campaign, r.views, r.requests) for r in funnel(grouping="beide").rows]
    assert both == [(HEUP, "mei", 20, 1), (RUG, "mei", 10, 1), (HEUP, "", 5, 1)]  # views break ties
    by_post = {r.source: (r.views, r.requests) for r in funnel(grouping="post").rows}
    assert by_post == {HEUP: (25, 2), RUG: (10, 1)}


def test_the_total_adds_up_every_row(create_lead, add_views, funnel):
    create_lead(source=RUG, created_at=at(9), download_count=1)
    create_lead(source=HEUP, created_at=at(9), status="afspraak")
    add_views(DAY, RUG, 10)
    add_views(DAY, HEUP, 30)
    total = funnel().total
    assert total.counts() == [40, 2, 1, 1, 0]
    assert total.rate("requests") == pytest.approx(2 / 40)


def test_an_unknown_grouping_is_refused(funnel):
    with pytest.raises(ValueError, match="grouping"):
        funnel(grouping="status")


def test_a_post_is_one_row_whatever_campaign_or_click_id_its_address_carries(
    create_lead, add_views, funnel
):
    create_lead(source=f"{RUG}?utm_source=facebook&utm_campaign=mei", created_at=at(9))
    create_lead(source=f"{RUG}?fbclid=IwAR0abc", created_at=at(9))
    add_views(DAY, RUG, 5)
    add_views(DAY, f"{RUG}?UTM_MEDIUM=social&gclid=xyz", 4)
    # Plain WordPress links tell posts apart by their query: those stay apart.
    add_views(DAY, f"{BLOG}/?p=12&utm_campaign=mei", 3)
    add_views(DAY, f"{BLOG}/?p=13", 2)
    rows = {row.source: (row.views, row.requests) for row in funnel().rows}
    assert rows == {RUG: (9, 2), f"{BLOG}/?p=12": (3, 0), f"{BLOG}/?p=13": (2, 0)}


@pytest.mark.parametrize(
    ("address", "post"),
    [
        (RUG, RUG),
        ("", ""),
        (f"{RUG}?utm_campaign=mei&utm_content=knop", RUG),
        (f"{RUG}?lang=en&utm_source=x", f"{RUG}?lang=en"),
        (f"{RUG}?mc_cid=1&mc_eid=2&msclkid=3&_gl=4", RUG),
        (f"{BLOG}/?p=123", f"{BLOG}/?p=123"),
    ],
)
def test_post_of(address, post):
    assert report.post_of(address) == post
