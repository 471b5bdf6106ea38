"""The lead list: filters, search, sorting, keyset pages, today's calls, escaping."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from leadgen.admin import formats, queries
from leadgen.extensions import db


def names(response) -> list[str]:
    return re.findall(
        r'data-label="Naam"><a href="/admin/leads/\d+">([^<]+)</a>', response.get_data(as_text=True)
    )


def ids(response) -> list[int]:
    return [
        int(n)
        for n in re.findall(
            r'data-label="Naam"><a href="/admin/leads/(\d+)"', response.get_data(as_text=True)
        )
    ]


@pytest.fixture
def three(create_lead):
    create_lead(name="Anna Ebook", kind="ebook", source="https://blog.example.nl/rug")
    create_lead(
        name="Bert Bellen",
        kind="adviesgesprek",
        phone="+31612345678",
        status="gebeld",
        utm_source="facebook",
    )
    create_lead(name="Cor Check", kind="pijncheck", phone="+31229123456", email="cor@check.nl")


def test_list_shows_newest_first(staff_client, three):
    assert names(staff_client.get("/admin/leads")) == ["Cor Check", "Bert Bellen", "Anna Ebook"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=ebook", ["Anna Ebook"]),
        ("status=gebeld", ["Bert Bellen"]),
        ("source=blog.example.nl", ["Anna Ebook"]),
        ("source=facebook", ["Bert Bellen"]),
        ("q=bert", ["Bert Bellen"]),
        ("q=bERT+bELLEN", ["Bert Bellen"]),  # any case of the letters (queries.any_case)
        ("source=FaceBook", ["Bert Bellen"]),
        ("q=cor%40check", ["Cor Check"]),
        ("q=06+1234", ["Bert Bellen"]),
        ("q=0229-123456", ["Cor Check"]),
    ],
)
def test_list_filters_and_searches(staff_client, three, query, expected):
    assert names(staff_client.get(f"/admin/leads?{query}")) == expected


def test_search_treats_percent_and_underscore_literally(staff_client, three):
    assert names(staff_client.get("/admin/leads?q=%25")) == []
    assert names(staff_client.get("/admin/leads?q=_")) == []


def test_date_range_uses_amsterdam_days(staff_client, create_lead):
    # 23:30 UTC on 1 March is already 2 March in Amsterdam.
    create_lead(name="Laat Op", created_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    create_lead(name="Vroeg Op", created_at=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    page = staff_client.get("/admin/leads?date_from=2026-03-02&date_to=2026-03-02")
    assert names(page) == ["Laat Op"]
    assert names(staff_client.get("/admin/leads?date_from=01-03-2026&date_to=01-03-2026")) == [
        "Vroeg Op"
    ]


def test_bad_filter_values_get_dutch_messages_and_are_ignored(staff_client, three):
    response = staff_client.get("/admin/leads?date_from=morgen&kind=onzin")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Vul een datum in als dd-mm-jjjj." in body
    assert len(names(response)) == 3


def test_end_date_before_start_date_is_explained(staff_client):
    body = staff_client.get("/admin/leads?date_from=2026-03-02&date_to=2026-03-01").get_data(
        as_text=True
    )
    assert "De einddatum ligt vóór de begindatum." in body


def test_sort_by_name(staff_client, three):
    assert names(staff_client.get("/admin/leads?sort=naam")) == [
        "Anna Ebook",
        "Bert Bellen",
        "Cor Check",
    ]


def test_sort_oldest_first(staff_client, three):
    assert names(staff_client.get("/admin/leads?sort=oudste"))[0] == "Anna Ebook"


def follow(client, response, rel: str):
    match = re.search(rf'rel="{rel}" href="([^"]+)"', response.get_data(as_text=True))
    assert match, f"no {rel} link"
    return client.get(match.group(1).replace("&amp;", "&"))


@pytest.mark.parametrize("sort", ["nieuwste", "oudste", "naam"])
def test_keyset_pages_walk_forward_and_back_without_gaps(
    staff_client, create_lead, monkeypatch, sort
):
    monkeypatch.setattr("leadgen.admin.queries.PER_PAGE", 2)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    made = [  # two share a timestamp and a name, so the id has to break the tie
        create_lead(name=f"Lid {min(n, 3)}", created_at=start + timedelta(hours=min(n, 3))).id
        for n in range(5)
    ]
    first = staff_client.get(f"/admin/leads?sort={sort}")
    second = follow(staff_client, first, "next")
    third = follow(staff_client, second, "next")
    seen = ids(first) + ids(second) + ids(third)
    assert sorted(seen) == made
    assert 'rel="next"' not in third.get_data(as_text=True)
    assert names(follow(staff_client, third, "prev")) == names(second)
    assert names(follow(staff_client, second, "prev")) == names(first)


def test_pages_keep_the_filter(staff_client, create_lead, monkeypatch):
    monkeypatch.setattr("leadgen.admin.queries.PER_PAGE", 1)
    for n in range(3):
        create_lead(name=f"Boek {n}")
    create_lead(name="Bel Mij", kind="pijncheck")
    second = follow(staff_client, staff_client.get("/admin/leads?kind=ebook"), "next")
    assert names(second) == ["Boek 1"]


def test_a_forged_cursor_is_ignored(staff_client, three):
    assert len(names(staff_client.get("/admin/leads?na=bm9ub25zZQ&voor=%%%"))) == 3


def test_visitor_input_is_escaped(staff_client, create_lead):
    create_lead(name="<script>alert(1)</script>", utm_source='"><img src=x onerror=alert(1)>')
    body = staff_client.get("/admin/leads").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body
    assert "<img src=x" not in body


def test_list_never_shows_the_complaint(staff_client, create_lead):
    create_lead(kind="pijncheck", complaint="Pijn in de onderrug sinds maart")
    assert "onderrug" not in staff_client.get("/admin/leads").get_data(as_text=True)


def test_today_lists_due_and_overdue_follow_ups_and_new_call_requests(staff_client, create_lead):
    today = formats.today()
    create_lead(name="Vandaag Bellen", status="gebeld", follow_up_on=today)
    create_lead(name="Gisteren Vergeten", status="nieuw", follow_up_on=today - timedelta(days=1))
    create_lead(name="Morgen Pas", status="gebeld", follow_up_on=today + timedelta(days=1))
    create_lead(name="Al Patiënt", status="patiënt", follow_up_on=today)
    create_lead(name="Nieuwe Beller", kind="adviesgesprek", phone="+31612345678")
    create_lead(name="Alleen Boek", kind="ebook")
    found = names(staff_client.get("/admin/leads/vandaag"))
    assert found == ["Gisteren Vergeten", "Vandaag Bellen", "Nieuwe Beller"]


def test_dates_are_shown_as_dd_mm_jjjj(staff_client, create_lead):
    create_lead(created_at=datetime(2026, 2, 3, 12, 0, tzinfo=UTC))
    assert "03-02-2026" in staff_client.get("/admin/leads").get_data(as_text=True)


def test_phone_numbers_show_as_dialled_with_a_tel_link(staff_client, create_lead):
    create_lead(kind="adviesgesprek", phone="+31612345678")
    body = staff_client.get("/admin/leads").get_data(as_text=True)
    assert '<a href="tel:+31612345678">06 12345678</a>' in body


def test_new_call_requests_are_read_in_order_from_the_index(app, create_lead):
    # Over 100 000 leads the call list sorted 55 000 rows to keep 200 (bench/admin_list.py);
    # the index of migration 0008 hands them over in order, so the walk stops at 200.
    create_lead(name="Nieuwe Beller", kind="adviesgesprek", phone="+31612345678")
    statements = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's query planner; PostgreSQL chooses by its statistics")
        event.listen(db.engine, "before_cursor_execute", keep)
        try:
            due = queries.due_today(formats.today())
        finally:
            event.remove(db.engine, "before_cursor_execute", keep)
        statement, parameters = statements[-1]
        plan = db.session.connection().exec_driver_sql(
            f"EXPLAIN QUERY PLAN {statement}", parameters
        )
        steps = " / ".join(row[-1] for row in plan)
    assert [lead.name for lead in due.new_requests] == ["Nieuwe Beller"]
    assert "ix_lead_call_list" in steps and "TEMP B-TREE" not in steps, steps
