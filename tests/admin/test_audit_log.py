"""The audit log page: who did what, when, with which filter; older entries by page."""

from __future__ import annotations

import re

from tests.factories import post_form


def test_log_shows_logins_with_who_and_when(staff_client, staff):
    body = staff_client.get("/admin/audit").get_data(as_text=True)
    assert "Ingelogd" in body and staff.email in body


def test_log_shows_an_export_with_its_filter(staff_client):
    post_form(staff_client, "/admin/leads", "/admin/leads/export.csv", kind="ebook", q="anna")
    body = staff_client.get("/admin/audit").get_data(as_text=True)
    assert "filter: aanbod: ebook, met zoekterm; via de website" in body
    assert "anna" not in body.lower().replace("anna@", "")


def test_log_shows_a_status_change(staff_client, create_lead):
    lead = create_lead()
    post_form(
        staff_client, f"/admin/leads/{lead.id}", f"/admin/leads/{lead.id}/status", status="gebeld"
    )
    body = staff_client.get("/admin/audit").get_data(as_text=True)
    assert f"aanvraag {lead.id}; nieuw → gebeld" in body


def test_log_pages_to_older_entries(staff_client, monkeypatch):
    monkeypatch.setattr("leadgen.admin.queries.PER_PAGE", 1)
    post_form(staff_client, "/admin/leads", "/admin/leads/export.csv")
    first = staff_client.get("/admin/audit").get_data(as_text=True)
    assert "Export" in first and "Ingelogd" not in first
    older = staff_client.get(re.search(r'rel="next" href="([^"]+)"', first).group(1))
    assert "Ingelogd" in older.get_data(as_text=True)
