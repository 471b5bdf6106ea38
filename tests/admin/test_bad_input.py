"""Whatever staff type or a link carries: a Dutch 4xx or the page with a message, never a 5xx."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from urllib.parse import unquote

import pytest

from leadgen.admin.cursors import encode_cursor
from leadgen.models import AuditEntry
from tests.admin.test_leads_list import names
from tests.factories import CSRF, PASSWORD, csrf_token, post_form

HUGE = 2**70
RANGE_MESSAGE = "Kies een datum tussen 01-01-2000 en 31-12-2099."


@pytest.mark.parametrize(
    "query",
    [
        "date_from=0001-01-01",
        "date_to=9999-12-31",
        "date_from=01-01-0001&date_to=31-12-9999",
        "date_from=1999-12-31",
        "date_to=2100-01-01",
    ],
)
def test_a_date_out_of_range_is_explained_and_left_out(staff_client, create_lead, query):
    create_lead(name="Anna Ebook")
    response = staff_client.get(f"/admin/leads?{query}")
    assert response.status_code == 200
    assert RANGE_MESSAGE in response.get_data(as_text=True)
    assert names(response) == ["Anna Ebook"]


@pytest.mark.parametrize("query", ["q=anna%00", "source=blog%00", "q=%1b[31m"])
def test_control_characters_in_a_search_are_explained(staff_client, create_lead, query):
    create_lead(name="Anna Ebook")
    response = staff_client.get(f"/admin/leads?{query}")
    assert response.status_code == 200
    assert "tekens die we niet kunnen gebruiken" in response.get_data(as_text=True)
    assert names(response) == ["Anna Ebook"]


@pytest.mark.parametrize(
    "lead_id", [HUGE, 2**64, 2**63, 2**63 - 1, 2**31, 2**31 - 1, 99999999999999999999999]
)
@pytest.mark.parametrize("suffix", ["", "/wissen"])
def test_a_lead_number_beyond_any_row_is_404(staff_client, lead_id, suffix):
    response = staff_client.get(f"/admin/leads/{lead_id}{suffix}")
    assert response.status_code == 404
    assert "Pagina niet gevonden" in response.get_data(as_text=True)


@pytest.mark.parametrize("action", ["status", "notities", "geen-gehoor", "wissen"])
def test_a_post_to_a_lead_number_beyond_any_row_is_404(staff_client, action):
    token = csrf_token(staff_client, "/admin/leads")
    data = {"csrf_token": token, "status": "gebeld", "body": "x", "confirm": "y"}
    response = staff_client.post(f"/admin/leads/{HUGE}/{action}", data=data)
    assert response.status_code == 404


@pytest.mark.parametrize("before", [HUGE, -HUGE, 2**63, 2**31, -(2**31) - 1, -1, 0])
def test_an_audit_cursor_out_of_range_is_harmless(staff_client, before):
    response = staff_client.get(f"/admin/audit?voor={before}")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("sort", "value", "lead_id"),
    [
        ("nieuwste", datetime(2026, 1, 1, tzinfo=UTC), HUGE),
        ("oudste", datetime(2026, 1, 1, tzinfo=UTC), -HUGE),
        ("naam", "Anna", HUGE),
        ("naam", "Anna\x00", 1),
        ("nieuwste", "9999-12-31T23:59:59-12:00", 1),
        ("oudste", "0001-01-01T00:00:00+14:00", 1),
    ],
)
@pytest.mark.parametrize("direction", ["na", "voor"])
def test_a_list_cursor_out_of_range_is_ignored(
    staff_client, create_lead, sort, value, lead_id, direction
):
    create_lead(name="Anna Ebook")
    cursor = encode_cursor(value, lead_id)
    response = staff_client.get(f"/admin/leads?sort={sort}&{direction}={cursor}")
    assert response.status_code == 200
    assert names(response) == ["Anna Ebook"]


@pytest.mark.parametrize(
    "target", ["/admin/%0d%0aX", "/admin/%0aSet-Cookie:x=y", "/admin/%09", "/admin/%c2%85"]
)
def test_login_never_redirects_to_a_target_with_control_characters(client, staff, target):
    page = client.get(f"/admin/login?next={target}").get_data(as_text=True)
    token = CSRF.search(page).group(1)
    carried = html.unescape(re.search(r'name="next" type="hidden" value="([^"]*)"', page).group(1))
    assert carried == unquote(target)  # the login form carries it back, decoded
    response = client.post(
        "/admin/login",
        data={"csrf_token": token, "email": staff.email, "password": PASSWORD, "next": carried},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/"


@pytest.mark.parametrize("email", ["lisa@praktijk.nl\x00", "\x00"])
def test_a_login_with_a_nul_byte_is_refused_in_dutch(client, staff, email):
    response = post_form(client, "/admin/login", email=email, password=PASSWORD)
    assert response.status_code == 200
    assert "tekens die we niet kunnen gebruiken" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_a_note_with_a_nul_byte_is_refused_in_dutch(staff_client, create_lead):
    lead = create_lead()
    page = f"/admin/leads/{lead.id}"
    response = post_form(staff_client, page, f"{page}/notities", body="Gebeld\x00")
    assert response.status_code == 422
    assert "tekens die we niet kunnen gebruiken" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "fields", [{"date_to": "9999-12-31"}, {"date_from": "0001-01-01"}, {"q": "anna\x00"}]
)
def test_an_export_with_a_bad_filter_writes_nothing_and_explains(staff_client, read, fields):
    before = len(read(AuditEntry))
    response = post_form(staff_client, "/admin/leads", "/admin/leads/export.csv", **fields)
    assert response.status_code == 303
    assert len(read(AuditEntry)) == before  # no audit entry for an export that never ran
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "De export kon niet worden gemaakt" in page


def test_pages_walk_past_a_name_with_a_zero_width_non_joiner(
    staff_client, create_lead, monkeypatch
):
    monkeypatch.setattr("leadgen.admin.queries.PER_PAGE", 1)
    create_lead(name="Anna Ebook")
    create_lead(name="زهرا\u200cسادات")
    first = staff_client.get("/admin/leads?sort=naam")
    link = re.search(r'rel="next" href="([^"]+)"', first.get_data(as_text=True)).group(1)
    second = staff_client.get(html.unescape(link))
    assert names(first) + names(second) == ["Anna Ebook", "زهرا\u200cسادات"]
