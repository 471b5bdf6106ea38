"""The CSV export: Dutch Excel (BOM, semicolons), formula-safe cells, the filter, health data."""

from __future__ import annotations

import csv
import io

import pytest

from leadgen.admin.export import safe_cell
from leadgen.models import AuditEntry
from tests.factories import post_form

OWASP_PAYLOADS = [
    "=1+2",
    '=1+2";=1+2',
    "+31612345678",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=cmd",
    "\r=cmd",
    "\n=cmd",
    '=HYPERLINK("http://evil.example","klik")',
    "=cmd|' /C calc'!A0",
]


@pytest.mark.parametrize("payload", OWASP_PAYLOADS)
def test_formula_triggers_get_a_leading_quote(payload):
    assert safe_cell(payload) == "'" + payload


@pytest.mark.parametrize("value", ["Anna", "06 12345678", "a=b", "", "Zoë 'Z' Öztürk"])
def test_plain_text_is_left_alone(value):
    assert safe_cell(value) == value


def export(client, **data):
    return post_form(client, "/admin/leads", "/admin/leads/export.csv", **data)


def rows(response) -> list[list[str]]:
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def test_export_is_a_streamed_excel_friendly_csv(staff_client, create_lead):
    create_lead(name="Zoë Öztürk")
    response = export(staff_client)
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="leads-')
    header, row = rows(response)
    assert header[:4] == ["Nummer", "Aangevraagd op", "Aanbod", "Naam"]
    assert row[3] == "Zoë Öztürk"


def test_every_cell_is_quoted_and_separated_by_semicolons(staff_client, create_lead):
    create_lead(name="Jan; de Boer")
    text = export(staff_client).get_data().decode("utf-8-sig")
    first_line, second_line = text.split("\r\n")[:2]
    assert first_line.startswith('"Nummer";"Aangevraagd op";')
    assert '"Jan; de Boer"' in second_line


def test_visitor_formulas_are_neutralised_in_the_file(staff_client, create_lead):
    create_lead(name='=HYPERLINK("http://evil.example")', utm_campaign="@SUM(1)")
    [_, row] = rows(export(staff_client))
    assert row[3].startswith("'=")
    assert "'@SUM(1)" in row


def test_phone_numbers_are_written_as_dutch_staff_dial_them(staff_client, create_lead):
    create_lead(kind="adviesgesprek", phone="+31612345678")
    [_, row] = rows(export(staff_client))
    assert row[5] == "06 12345678"


def test_export_follows_the_filter(staff_client, create_lead):
    create_lead(name="Boek Lezer", kind="ebook")
    create_lead(name="Bel Mij", kind="adviesgesprek")
    names = [row[3] for row in rows(export(staff_client, kind="ebook"))[1:]]
    assert names == ["Boek Lezer"]


def test_export_leaves_out_health_data_by_default(staff_client, create_lead, read):
    create_lead(kind="pijncheck", complaint="Hernia L5")
    response = export(staff_client)
    assert "Hernia" not in response.get_data().decode("utf-8-sig")
    assert "Klacht" not in rows(response)[0][-1]
    [entry] = read(AuditEntry, action="export")
    assert entry.detail == {"filter": {}, "via": "web"}


def test_ticked_box_adds_health_data_and_is_audited_as_such(staff_client, create_lead, staff, read):
    create_lead(kind="pijncheck", complaint="=Hernia L5")
    header, row = rows(export(staff_client, include_health="y", kind="pijncheck"))
    assert header[-1] == "Klacht (gezondheidsgegevens)"
    assert row[-1] == "'=Hernia L5"
    [entry] = read(AuditEntry, action="export_health")
    assert entry.staff_id == staff.id
    assert entry.detail["filter"] == {"kind": "pijncheck"}


def test_audit_records_that_a_search_was_used_but_not_the_term(staff_client, create_lead, read):
    create_lead(name="Geheime Naam")
    export(staff_client, q="Geheime", date_from="2026-01-01")
    [entry] = read(AuditEntry, action="export")
    assert entry.detail["filter"] == {"search": True, "date_from": "2026-01-01"}
    assert "Geheime" not in str(entry.detail)


def test_export_without_csrf_token_is_refused(staff_client, read):
    assert staff_client.post("/admin/leads/export.csv").status_code == 400
    assert read(AuditEntry, action="export") == []


def test_export_is_post_only(staff_client):
    assert staff_client.get("/admin/leads/export.csv").status_code == 405


def test_export_streams_every_batch(staff_client, create_lead, monkeypatch):
    monkeypatch.setattr("leadgen.admin.export.BATCH", 2)
    for n in range(5):
        create_lead(name=f"Lid {n}")
    assert [row[3] for row in rows(export(staff_client))[1:]] == [f"Lid {n}" for n in range(5)]
