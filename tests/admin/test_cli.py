"""`flask users …` and `flask leads …` through the test CLI runner."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from leadgen.extensions import db
from leadgen.models import AuditEntry, Consent, Lead, OutboxMail, Staff, utcnow
from tests.factories import PASSWORD, login


def test_users_create_reads_the_password_from_stdin(runner, client, read):
    result = runner.invoke(args=["users", "create", "Lisa@Praktijk.nl"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "Account aangemaakt voor lisa@praktijk.nl" in result.output
    [staff] = read(Staff)
    assert staff.password_hash.startswith("$argon2id$")
    assert PASSWORD not in staff.password_hash
    assert login(client, "lisa@praktijk.nl").status_code == 303


def test_users_create_refuses_a_short_password(runner, read):
    result = runner.invoke(args=["users", "create", "lisa@praktijk.nl"], input="kort\n")
    assert result.exit_code == 1
    assert "minstens 12 tekens" in result.output
    assert read(Staff) == []


def test_users_create_refuses_a_second_account_for_one_address(runner, staff):
    result = runner.invoke(args=["users", "create", staff.email], input=PASSWORD + "\n")
    assert result.exit_code == 1
    assert "bestaat al" in result.output


def test_users_list_shows_accounts_and_their_state(runner, create_staff):
    create_staff(email="a@praktijk.nl")
    create_staff(email="b@praktijk.nl", active=False)
    output = runner.invoke(args=["users", "list"]).output
    assert "a@praktijk.nl\tactief" in output
    assert "b@praktijk.nl\tuitgezet" in output


def test_users_deactivate_ends_sessions_and_blocks_login(runner, staff_client, staff):
    result = runner.invoke(args=["users", "deactivate", staff.email])
    assert result.exit_code == 0
    assert staff_client.get("/admin/").status_code == 302
    assert login(staff_client, staff.email).status_code == 200


def test_users_deactivate_unknown_address_fails_clearly(runner):
    result = runner.invoke(args=["users", "deactivate", "niemand@example.nl"])
    assert result.exit_code == 1
    assert "Geen account gevonden" in result.output


def test_leads_export_writes_the_same_csv_as_the_admin(runner, create_lead, read):
    create_lead(name="Boek Lezer", kind="ebook")
    create_lead(name="=Bel Mij", kind="adviesgesprek")
    result = runner.invoke(args=["leads", "export", "--kind", "adviesgesprek"])
    assert result.exit_code == 0, result.output
    raw = result.stdout_bytes
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert [row[3] for row in table[1:]] == ["'=Bel Mij"]
    [entry] = read(AuditEntry, action="export")
    assert entry.staff_id is None
    assert entry.detail == {"filter": {"kind": "adviesgesprek"}, "via": "cli"}


def test_leads_export_with_complaint_is_audited_as_health_export(
    runner, create_lead, read, tmp_path
):
    create_lead(kind="pijncheck", complaint="Heup")
    target = tmp_path / "leads.csv"
    result = runner.invoke(args=["leads", "export", "--with-complaint", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "Heup" in target.read_text(encoding="utf-8-sig")
    assert read(AuditEntry, action="export_health")


@pytest.mark.parametrize(
    ("option", "day"), [("--to", "9999-12-31"), ("--from", "0001-01-01"), ("--to", "31-12-2100")]
)
def test_leads_export_refuses_a_date_out_of_range_in_dutch(runner, read, option, day):
    result = runner.invoke(args=["leads", "export", option, day])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)  # a ClickException, not a traceback
    assert f"{option}: kies een datum tussen 01-01-2000 en 31-12-2099." in result.output
    assert "Traceback" not in result.output
    assert read(AuditEntry, action="export") == []


def test_leads_purge_removes_old_leads_but_keeps_patients(app, runner, create_lead, read):
    old = utcnow() - timedelta(days=400)
    gone = create_lead(created_at=old, last_requested_at=old, consents=["privacy"])
    kept_patient = create_lead(created_at=old, last_requested_at=old, status="patiënt")
    recent = create_lead()
    asked_again = create_lead(created_at=old, last_requested_at=utcnow() - timedelta(days=10))
    result = runner.invoke(args=["leads", "purge"])
    assert result.exit_code == 0, result.output
    assert "Verwijderd: 1 aanvragen ouder dan 365 dagen" in result.output
    remaining = {lead.id for lead in read(Lead)}
    assert remaining == {kept_patient.id, recent.id, asked_again.id}
    assert read(Consent, lead_id=gone.id) == []


def test_leads_purge_follows_the_retention_setting(make_app, create_lead):
    app = make_app(LEADGEN_RETENTION_DAYS=30)
    with app.app_context():
        old = utcnow() - timedelta(days=31)
        db.session.add(
            Lead(kind="ebook", name="Oud", email="oud@example.nl", last_requested_at=old)
        )
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["leads", "purge"])
    assert "Verwijderd: 1 aanvragen ouder dan 30 dagen" in result.output


def test_leads_purge_drops_newsletter_consents_unconfirmed_after_a_week(
    app, runner, create_lead, read
):
    lead = create_lead(consents=["privacy"])
    with app.app_context():
        for days, confirmed in ((8, None), (3, None), (8, utcnow())):
            db.session.add(
                Consent(
                    lead_id=lead.id,
                    purpose="newsletter",
                    text_version="v1",
                    text="t",
                    form="ebook",
                    granted_at=utcnow() - timedelta(days=days),
                    confirmed_at=confirmed,
                )
            )
        db.session.commit()
    result = runner.invoke(args=["leads", "purge"])
    assert "1 onbevestigde nieuwsbrieftoestemmingen" in result.output
    newsletters = read(Consent, lead_id=lead.id, purpose="newsletter")
    assert len(newsletters) == 2
    assert read(Lead, id=lead.id)


def test_leads_erase_removes_every_lead_of_the_address(app, runner, create_lead, read):
    create_lead(email="anna@example.nl", kind="ebook")
    create_lead(email="anna@example.nl", kind="pijncheck", complaint="Rug")
    other = create_lead(email="bert@example.nl")
    with app.app_context():
        db.session.add(
            OutboxMail(
                template="t",
                to_addr="anna@example.nl",
                subject="s",
                body_text="b",
                body_html="b",
                message_id="<x@y>",
            )
        )
        db.session.commit()
    result = runner.invoke(args=["leads", "erase", "Anna@Example.nl", "--yes"])
    assert result.exit_code == 0, result.output
    assert "Gewist: 2" in result.output
    assert [lead.id for lead in read(Lead)] == [other.id]
    assert read(OutboxMail) == []
    assert len(read(AuditEntry, action="erase")) == 2


def test_leads_erase_asks_for_confirmation(runner, create_lead, read):
    create_lead(email="anna@example.nl")
    result = runner.invoke(args=["leads", "erase", "anna@example.nl"], input="n\n")
    assert result.exit_code == 1
    assert len(read(Lead)) == 1
