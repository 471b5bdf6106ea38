"""One lead: status flow, follow-up, no-answer counter, notes, downloads, consents, erasure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from leadgen.admin import formats
from leadgen.extensions import db
from leadgen.models import AuditEntry, Consent, DownloadEvent, Lead, Note, OutboxMail
from tests.factories import post_form


def page(client, lead) -> str:
    return client.get(f"/admin/leads/{lead.id}").get_data(as_text=True)


def test_detail_shows_contact_consent_and_downloads(staff_client, create_lead):
    lead = create_lead(
        name="Anna de Vries",
        consents=["privacy", "newsletter"],
        downloads=[datetime(2026, 3, 4, 9, 15, tzinfo=UTC)],
        download_count=1,
    )
    body = page(staff_client, lead)
    assert "Anna de Vries" in body and lead.email in body
    assert "04-03-2026 10:15" in body  # the download, in Amsterdam time
    assert "Privacyverklaring" in body and "Nieuwsbrief" in body and "nog niet bevestigd" in body
    assert "Tekst privacy" in body  # the exact text the visitor was shown


def test_detail_shows_the_complaint_as_health_data(staff_client, create_lead):
    lead = create_lead(kind="pijncheck", complaint="Pijn <b>onderrug</b>\nal weken")
    body = page(staff_client, lead)
    assert "gezondheidsgegevens, alleen hier zichtbaar" in body
    assert "Pijn &lt;b&gt;onderrug&lt;/b&gt;" in body


def test_unknown_lead_is_404(staff_client):
    assert staff_client.get("/admin/leads/999999").status_code == 404


def test_status_change_is_saved_and_audited(staff_client, create_lead, staff, read):
    lead = create_lead()
    follow_up = formats.today() + timedelta(days=2)
    response = post_form(
        staff_client,
        f"/admin/leads/{lead.id}",
        f"/admin/leads/{lead.id}/status",
        status="afspraak",
        follow_up_on=follow_up.isoformat(),
    )
    assert response.status_code == 303
    [stored] = read(Lead, id=lead.id)
    assert (stored.status, stored.follow_up_on) == ("afspraak", follow_up)
    [entry] = read(AuditEntry, action="status")
    assert entry.staff_id == staff.id
    assert entry.detail == {"lead_id": lead.id, "old": "nieuw", "new": "afspraak"}


def test_patient_status_can_be_set_with_its_accent(staff_client, create_lead, read):
    lead = create_lead()
    post_form(
        staff_client, f"/admin/leads/{lead.id}", f"/admin/leads/{lead.id}/status", status="patiënt"
    )
    assert read(Lead, id=lead.id)[0].status == "patiënt"


def test_unknown_status_is_refused_in_dutch(staff_client, create_lead, read):
    lead = create_lead()
    response = post_form(
        staff_client, f"/admin/leads/{lead.id}", f"/admin/leads/{lead.id}/status", status="vip"
    )
    assert response.status_code == 422
    assert "Niet alle velden zijn goed ingevuld" in response.get_data(as_text=True)
    assert read(Lead, id=lead.id)[0].status == "nieuw"


def test_status_post_without_csrf_token_is_refused(staff_client, create_lead, read):
    lead = create_lead()
    response = staff_client.post(f"/admin/leads/{lead.id}/status", data={"status": "gebeld"})
    assert response.status_code == 400
    assert read(Lead, id=lead.id)[0].status == "nieuw"


def test_no_answer_counts_and_plans_the_next_working_day(staff_client, create_lead, read):
    lead = create_lead(kind="adviesgesprek")
    for _ in range(2):
        post_form(staff_client, f"/admin/leads/{lead.id}", f"/admin/leads/{lead.id}/geen-gehoor")
    [stored] = read(Lead, id=lead.id)
    assert stored.no_answer_count == 2
    assert stored.follow_up_on == formats.next_working_day(formats.today())
    assert "2× geen gehoor" in page(staff_client, lead)


def test_next_working_day_skips_the_weekend():
    friday = datetime(2026, 11, 27).date()
    assert formats.next_working_day(friday).isoformat() == "2026-11-30"


def test_notes_show_author_and_time(staff_client, create_lead, staff, read):
    lead = create_lead()
    response = post_form(
        staff_client,
        f"/admin/leads/{lead.id}",
        f"/admin/leads/{lead.id}/notities",
        body="Voicemail ingesproken <i>morgen</i> weer",
    )
    assert response.status_code == 303
    [note] = read(Note, lead_id=lead.id)
    assert note.author_id == staff.id
    body = page(staff_client, lead)
    assert staff.email in body and formats.nl_datetime(note.created_at) in body
    assert "Voicemail ingesproken &lt;i&gt;morgen&lt;/i&gt; weer" in body


def test_empty_note_is_refused_in_dutch(staff_client, create_lead):
    lead = create_lead()
    response = post_form(
        staff_client, f"/admin/leads/{lead.id}", f"/admin/leads/{lead.id}/notities", body="  "
    )
    assert response.status_code == 422
    assert "Schrijf eerst iets in de notitie." in response.get_data(as_text=True)


def test_erase_page_lists_every_request_of_the_person(staff_client, create_lead):
    lead = create_lead(email="anna@example.nl", kind="ebook")
    create_lead(email="anna@example.nl", kind="pijncheck")
    body = staff_client.get(f"/admin/leads/{lead.id}/wissen").get_data(as_text=True)
    assert "E-book" in body and "Pijncheck" in body and "kan niet ongedaan" in body


def test_erase_needs_the_confirmation_box(staff_client, create_lead, read):
    lead = create_lead()
    response = post_form(staff_client, f"/admin/leads/{lead.id}/wissen")
    assert response.status_code == 422
    assert "Vink aan" in response.get_data(as_text=True)
    assert read(Lead, id=lead.id)


def test_erase_removes_every_trace_and_audits_only_the_id(app, staff_client, create_lead, read):
    lead = create_lead(
        kind="pijncheck",
        complaint="Rugpijn",
        consents=["privacy", "health_data"],
        downloads=[datetime(2026, 3, 4, tzinfo=UTC)],
    )
    same_person = create_lead(email=lead.email, kind="ebook")
    other = create_lead(email="iemand@anders.nl")
    with app.app_context():
        db.session.add(Note(lead_id=lead.id, body="Gebeld"))
        for lead_id, to in (
            (lead.id, lead.email),
            (lead.id, "praktijk@example.nl"),
            (None, lead.email),
        ):
            db.session.add(
                OutboxMail(
                    lead_id=lead_id,
                    template="t",
                    to_addr=to,
                    subject="s",
                    body_text="b",
                    body_html="b",
                    message_id=f"<{lead_id}-{to}>",
                )
            )
        db.session.commit()
    response = post_form(staff_client, f"/admin/leads/{lead.id}/wissen", confirm="y")
    assert response.status_code == 303
    assert read(Lead, id=lead.id) == []
    for model in (Consent, DownloadEvent, Note, OutboxMail):
        assert read(model, lead_id=lead.id) == []
    assert read(OutboxMail, to_addr=lead.email) == []
    assert read(Lead, id=same_person.id) == []
    assert read(Lead, id=other.id)
    entries = read(AuditEntry, action="erase")
    assert sorted(entry.detail["lead_id"] for entry in entries) == [lead.id, same_person.id]
    assert all(set(entry.detail) == {"lead_id"} for entry in entries)


def test_detail_shows_the_moment_and_campaign_in_words(staff_client, create_lead):
    lead = create_lead(
        kind="adviesgesprek", preferred_moment="avond", utm_source="nb", utm_content="knop"
    )
    body = page(staff_client, lead)
    assert "’s avonds" in body and "Adviesgesprek" in body
    assert "nb / knop" in body
