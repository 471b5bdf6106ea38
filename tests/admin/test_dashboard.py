"""The dashboard: sign-ups per day per offer as SVG, the funnel, top sources and campaigns."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from leadgen.admin import chart, figures, formats
from leadgen.admin.formats import AMSTERDAM


def at_noon(days_ago: int) -> datetime:
    day = formats.today() - timedelta(days=days_ago)
    return datetime.combine(day, time(12), tzinfo=AMSTERDAM).astimezone(UTC)


def test_dashboard_draws_an_svg_chart_with_a_table_fallback(staff_client, create_lead):
    create_lead(kind="ebook", created_at=at_noon(0))
    create_lead(kind="pijncheck", created_at=at_noon(1))
    body = staff_client.get("/admin/").get_data(as_text=True)
    assert '<svg class="chart"' in body and "<polyline" in body
    assert "Aanmeldingen per dag, laatste 30 dagen" in body
    assert "Cijfers per dag als tabel" in body
    assert formats.nl_date(formats.today()) in body


def test_signups_are_counted_per_amsterdam_day_and_offer(app, create_lead):
    late = datetime.combine(formats.today() - timedelta(days=1), time(23, 30), tzinfo=AMSTERDAM)
    create_lead(kind="ebook", created_at=late.astimezone(UTC))
    create_lead(kind="ebook", created_at=at_noon(1))
    create_lead(kind="adviesgesprek", created_at=at_noon(0))
    create_lead(kind="ebook", created_at=at_noon(40))  # outside 30 days
    with app.app_context():
        data = figures.dashboard(30, formats.today())
    assert data.signups["ebook"][-2:] == [2, 0]
    assert data.signups["adviesgesprek"][-1] == 1
    assert data.totals == {"ebook": 2, "adviesgesprek": 1, "pijncheck": 0}


def test_ninety_days_reach_further_back(staff_client, create_lead):
    create_lead(kind="ebook", created_at=at_noon(40))
    body = staff_client.get("/admin/?dagen=90").get_data(as_text=True)
    assert "laatste 90 dagen" in body
    assert "E-book: <strong>1</strong>" in body


def test_funnel_counts_each_step(app, create_lead):
    create_lead(download_count=1)
    create_lead(download_count=2, status="gebeld")
    create_lead(kind="pijncheck", status="afspraak")
    create_lead(kind="pijncheck", status="patiënt")
    create_lead(kind="adviesgesprek", status="geen interesse")
    with app.app_context():
        funnel = dict(figures.dashboard(30, formats.today()).funnel)
    assert funnel == {
        "Aangevraagd": 5,
        "E-book gedownload": 2,
        "Gebeld": 4,
        "Afspraak gemaakt": 2,
        "Afspraak geweest": 0,
        "Patiënt": 1,
    }


def test_top_sources_and_campaigns_are_listed_escaped(staff_client, create_lead):
    for _ in range(2):
        create_lead(source="https://blog.example.nl/gluteus?a=<b>", utm_campaign="lente")
    create_lead(source="https://blog.example.nl/rug", utm_source="nieuwsbrief")
    body = staff_client.get("/admin/").get_data(as_text=True)
    assert "https://blog.example.nl/gluteus?a=&lt;b&gt;" in body
    assert body.index("gluteus") < body.index("/rug")
    assert "lente" in body and "nieuwsbrief" in body


def test_chart_scales_to_a_round_maximum():
    days = [formats.today() - timedelta(days=n) for n in range(3)][::-1]
    drawn = chart.line_chart(days, {"ebook": [0, 7, 3]})
    assert [tick.label for tick in drawn.y_ticks] == ["0", "5", "10"]
    assert drawn.series[0].total == 10


def test_small_counts_get_whole_gridlines():
    drawn = chart.line_chart([formats.today()], {"ebook": [3]})
    assert [tick.label for tick in drawn.y_ticks] == ["0", "1", "2", "3", "4"]


def test_empty_dashboard_still_renders(staff_client):
    response = staff_client.get("/admin/")
    assert response.status_code == 200
    assert "Nog geen bronnen in deze periode." in response.get_data(as_text=True)
