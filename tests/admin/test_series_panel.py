"""The lead page's follow-up series: where the lead is, why it stopped, and staff's stop button."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from leadgen.extensions import db
from leadgen.models import AuditEntry, Consent, SeriesStop, utcnow
from tests.factories import deliver, post_form


@pytest.fixture
def reader(app, create_lead):
    """An e-book lead who asked three days ago and confirmed the newsletter."""
    asked = utcnow() - timedelta(days=3)
    lead = create_lead(
        consents=["privacy", "newsletter"], created_at=asked, last_requested_at=asked
    )
    with app.app_context():
        db.session.execute(
            update(Consent).where(Consent.lead_id == lead.id).values(confirmed_at=asked)
        )
        db.session.commit()
    return lead


def page(client, lead) -> str:
    return client.get(f"/admin/leads/{lead.id}").get_data(as_text=True)


def test_the_page_shows_the_next_mail_then_the_ones_sent(staff_client, app, reader):
    body = page(staff_client, reader)
    assert "Nog geen opvolgmail verstuurd." in body
    due = (reader.created_at + timedelta(days=2)).astimezone(app.config["LEADGEN_TZ"])
    assert f"Volgende: mail 1 van 3, vanaf {due:%d-%m-%Y %H:%M}." in body

    sent_at = utcnow()
    deliver(app, now=sent_at)
    body = page(staff_client, reader)
    local = sent_at.astimezone(app.config["LEADGEN_TZ"])
    assert f"Mail 1 van 3 verstuurd {local:%d-%m-%Y %H:%M}" in body
    assert "Volgende: mail 2 van 3" in body


def test_staff_stop_the_series_and_it_is_audited(staff_client, app, reader, staff, read):
    url = f"/admin/leads/{reader.id}"
    response = post_form(staff_client, url, f"{url}/reeks-stoppen")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{url}#reeks")
    body = page(staff_client, reader)
    assert "Geen volgende mail: gestopt door de praktijk" in body
    assert "Reeks stoppen" not in body
    [entry] = read(AuditEntry, action="series_stop")
    assert (entry.staff_id, entry.detail) == (staff.id, {"lead_id": reader.id})
    assert deliver(app, now=utcnow() + timedelta(days=1)).queued == 0


def test_a_stop_without_the_csrf_token_changes_nothing(staff_client, reader, read):
    response = staff_client.post(f"/admin/leads/{reader.id}/reeks-stoppen")
    assert response.status_code == 400
    assert read(SeriesStop) == []
    assert read(AuditEntry, action="series_stop") == []


def test_the_stop_takes_only_a_post_and_a_lead_that_exists(staff_client, reader):
    assert staff_client.get(f"/admin/leads/{reader.id}/reeks-stoppen").status_code == 405
    url = f"/admin/leads/{reader.id}"
    assert post_form(staff_client, url, "/admin/leads/999999/reeks-stoppen").status_code == 404


def test_a_withdrawn_newsletter_is_the_reason_shown(staff_client, app, reader):
    with app.app_context():
        db.session.execute(update(Consent).values(withdrawn_at=utcnow()))
        db.session.commit()
    assert "Geen volgende mail: nieuwsbrief afgemeld" in page(staff_client, reader)


def test_a_call_request_has_no_series_panel(staff_client, create_lead):
    lead = create_lead(kind="adviesgesprek", phone="+31612345678")
    assert "Opvolgreeks" not in page(staff_client, lead)
