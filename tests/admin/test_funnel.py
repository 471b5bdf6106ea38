"""/admin/funnel and the dashboard's panel: periods, Dutch errors, the chart and the CSV export."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest

from leadgen.funnel import report
from leadgen.models import AuditEntry
from tests.admin.test_export import OWASP_PAYLOADS
from tests.factories import post_form

AMSTERDAM = report.ZoneInfo("Europe/Amsterdam")
BLOG = "https://blog.example.nl"
RUG, HEUP = f"{BLOG}/lage-rugpijn", f"{BLOG}/heupoefeningen"


def today() -> date:
    return datetime.now(AMSTERDAM).date()


def at_noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=AMSTERDAM).astimezone(UTC)


@pytest.fixture
def two_posts(create_lead, add_views):
    """Heup: 10 views, 1 patient; rug: 200 views, 4 requests (2 downloads), no patient."""
    add_views(today(), RUG, 200, "voorjaar")
    add_views(today(), HEUP, 10)
    for n in range(4):
        create_lead(
            source=RUG, utm_campaign="voorjaar", created_at=at_noon(today()), download_count=n % 2
        )
    create_lead(source=HEUP, kind="pijncheck", status="patiënt", created_at=at_noon(today()))


def export(client, **data):
    return post_form(client, "/admin/funnel", "/admin/funnel.csv", **data)


def csv_rows(response) -> list[list[str]]:
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    assert b";" in raw and b"\r\n" in raw
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def test_the_page_needs_a_login(client):
    response = client.get("/admin/funnel")
    assert response.status_code == 302
    assert "/admin/login" in response.headers["Location"]
    assert client.post("/admin/funnel.csv").status_code in (302, 400)


def test_the_page_is_in_the_admin_menu(staff_client):
    page = staff_client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/funnel"' in page


def test_the_page_shows_each_post_sorted_with_rates(staff_client, two_posts):
    page = staff_client.get("/admin/funnel").get_data(as_text=True)
    table = page[page.index("<tbody>") : page.index("</tbody>")]
    # Heup brought a patient, so it comes first although rug had more requests.
    assert table.index("blog.example.nl/heupoefeningen") < table.index(
        "blog.example.nl/lage-rugpijn"
    )
    assert "10,0%" in table  # heup: 1 request of 10 views
    assert "2,0%" in table and "50,0%" in table  # rug: 4 of 200 views; 2 of 4 downloaded
    tfoot = page[page.index("<tfoot>") : page.index("</tfoot>")]
    assert re.findall(r"<td>(\d+)", tfoot) == ["210", "5", "2", "1", "1"]


def test_the_chart_is_an_svg_with_a_text_alternative_and_no_script_or_style(
    staff_client, two_posts
):
    page = staff_client.get("/admin/funnel").get_data(as_text=True)
    start = page.index('<svg class="chart funnel-chart"')
    svg = page[start : page.index("</svg>", start)]
    assert 'role="img"' in svg and "aria-labelledby=" in svg and "<desc" in svg
    assert svg.count('class="step step--views"') == 2  # one group per post
    # Nothing inline, so the CSP needs no 'unsafe-inline': scripts come from files only.
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert "style=" not in page and "<style" not in page


def test_grouped_per_campaign(staff_client, two_posts):
    page = staff_client.get("/admin/funnel?per=campagne").get_data(as_text=True)
    table = page[page.index("<tbody>") : page.index("</tbody>")]
    assert "voorjaar" in table and "(geen campagne)" in table
    assert "lage-rugpijn" not in table


def test_a_chosen_period_leaves_out_what_is_outside_it(staff_client, create_lead, add_views):
    old = today() - timedelta(days=60)
    add_views(old, RUG, 99)
    create_lead(source=RUG, created_at=at_noon(old))
    recent = staff_client.get("/admin/funnel").get_data(as_text=True)
    assert "Geen weergaven of aanvragen in deze periode." in recent
    chosen = staff_client.get(f"/admin/funnel?date_from={old:%d-%m-%Y}&date_to={old.isoformat()}")
    assert chosen.status_code == 200
    assert ">99<" in chosen.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date_from=31-02-2026", "Vul een datum in als dd-mm-jjjj."),
        ("date_to=morgen", "Vul een datum in als dd-mm-jjjj."),
        ("date_from=1999-12-31", "Kies een datum tussen 01-01-2000 en 31-12-2099."),
        ("date_to=2100-01-01", "Kies een datum tussen 01-01-2000 en 31-12-2099."),
        ("date_from=2026-03-10&date_to=2026-03-01", "De einddatum ligt vóór de begindatum."),
        ("per=status", "Ongeldige keuze"),
        ("date_from=%3Cscript%3E", "Vul een datum in als dd-mm-jjjj."),
    ],
)
def test_a_bad_choice_gets_a_dutch_422(staff_client, query, message):
    response = staff_client.get(f"/admin/funnel?{query}")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert "<script>" not in page
    assert "funnel-table" not in page


def test_the_page_speaks_english_too(staff_client, two_posts):
    page = staff_client.get("/admin/funnel?lang=en").get_data(as_text=True)
    assert "Views" in page and "Patients" in page
    assert "10.0%" in page


def test_the_export_is_the_table_as_excel_friendly_csv(staff_client, two_posts, read, staff):
    response = export(staff_client, per="post")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    first = (today() - timedelta(days=29)).strftime("%Y%m%d")
    expected = f'attachment; filename="funnel-{first}-{today():%Y%m%d}.csv"'
    assert response.headers["Content-Disposition"] == expected
    header, heup, rug, total = csv_rows(response)
    assert header == [
        "Blogpost",
        "Campagne",
        "Weergaven",
        "Aanvragen",
        "Aanvragen per weergave",
        "Downloads",
        "Downloads per aanvraag",
        "Afspraken",
        "Afspraken per aanvraag",
        "Patiënten",
        "Patiënten per aanvraag",
    ]
    assert heup == [HEUP, "(alle)", "10", "1", "10,0%", "0", "0,0%", "1", "100,0%", "1", "100,0%"]
    assert rug == [RUG, "(alle)", "200", "4", "2,0%", "2", "50,0%", "0", "0,0%", "0", "0,0%"]
    assert total[:4] == ["Totaal", "", "210", "5"]
    (entry,) = read(AuditEntry, action="export_funnel")
    assert entry.staff_id == staff.id
    assert entry.detail["filter"]["date_to"] == today().isoformat()


def test_the_export_follows_the_chosen_period_and_grouping(staff_client, two_posts):
    day = today().isoformat()
    rows = csv_rows(export(staff_client, date_from=day, date_to=day, per="beide"))
    assert [row[:2] for row in rows[1:-1]] == [[HEUP, "(geen)"], [RUG, "voorjaar"]]


@pytest.mark.parametrize("payload", OWASP_PAYLOADS)
def test_the_export_defuses_formulas(staff_client, add_views, payload):
    add_views(today(), RUG, 1, payload)
    rows = csv_rows(export(staff_client, per="campagne"))
    assert rows[1][0:2] == ["(alle)", "'" + payload]


def test_a_bad_export_is_refused_and_not_logged(staff_client, read):
    response = export(staff_client, date_from="31-31-2026")
    assert response.status_code == 303
    assert read(AuditEntry, action="export_funnel") == []
    assert staff_client.post("/admin/funnel.csv", data={"per": "post"}).status_code == 400


def test_the_dashboard_shows_the_best_posts(staff_client, two_posts, add_views):
    for n in range(6):
        add_views(today(), f"{BLOG}/post-{n}", 1)
    page = staff_client.get("/admin/").get_data(as_text=True)
    panel = page[page.index('id="posts-title"') :]
    panel = panel[: panel.index("</section>")]
    assert "Blogposts: van weergave tot patiënt" in panel
    assert panel.count("<tr>") == 1 + 5 + 1  # header, the five best, the total
    assert panel.index("heupoefeningen") < panel.index("lage-rugpijn")
    assert 'href="/admin/funnel?date_from=' in panel
