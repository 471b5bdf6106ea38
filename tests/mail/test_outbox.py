"""The worker against a real SMTP server: once, retries, outages, leases, workers side by side."""

from __future__ import annotations

import random
import socket
import string
import threading
from datetime import timedelta

import pytest
from pypdf import PdfReader

from leadgen.config import parse_smtp_url
from leadgen.ebook import render
from leadgen.ebook import service as ebook
from leadgen.extensions import db
from leadgen.mail import outbox
from leadgen.mail.transport import SMTP_TIMEOUT, transport_for
from leadgen.models import OutboxMail, utcnow
from tests.factories import add_mails, deliver, outbox_rows


def test_each_mail_is_sent_once_and_recorded(app, smtp_server, submit):
    submit("/advies")
    report = deliver(app)
    assert (report.sent, report.retrying, report.failed) == (2, 0, 0)
    rows = outbox_rows(app)
    assert [row.status for row in rows] == ["sent", "sent"]
    assert all(row.sent_at is not None and row.attempts == 1 for row in rows)
    assert all(row.last_error is None for row in rows)
    assert not deliver(app, now=utcnow() + timedelta(days=1))
    assert sorted(r.message["Message-ID"] for r in smtp_server.received) == sorted(
        row.message_id for row in rows
    )


def test_smtp_down_keeps_lead_and_mail_and_delivers_once_when_back(
    app, smtp_server, start_smtp, submit, leads
):
    port = smtp_server.port
    smtp_server.stop()

    assert submit("/advies").status_code == 303
    assert [lead.email for lead in leads()] == ["piet@example.nl"]
    before = utcnow()
    report = deliver(app)
    # The first refusal ends the pass: the other mail waits without spending an attempt.
    assert (report.sent, report.retrying) == (0, 1)
    first, second = outbox_rows(app)
    assert first.status == "pending" and first.attempts == 1
    assert first.last_error.startswith("Mailserver onbereikbaar")
    assert first.next_attempt_at >= before + timedelta(minutes=1)
    assert second.attempts == 0
    assert deliver(app).retrying == 1  # now the second one tries, and waits as well

    back = start_smtp(port=port)
    assert not deliver(app)  # not due yet: backoff
    later = utcnow() + timedelta(minutes=2)
    assert deliver(app, now=later).sent == 2
    assert not deliver(app, now=later + timedelta(days=1))
    assert len(back.received) == 2
    assert {r.message["Message-ID"] for r in back.received} == {
        row.message_id for row in outbox_rows(app)
    }
    assert all(row.status == "sent" and row.attempts == 2 for row in outbox_rows(app))


def test_retry_schedule_then_failed(app, smtp_server):
    smtp_server.stop()
    add_mails(app, 1)
    waits = []
    for _ in range(outbox.MAX_ATTEMPTS):
        [row] = outbox_rows(app)
        at = max(row.next_attempt_at, utcnow())
        deliver(app, now=at)
        [after] = outbox_rows(app)
        if after.status == "pending":
            waits.append(after.next_attempt_at - at)
    assert waits == [
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=6),
    ]
    assert (after.status, after.attempts) == ("failed", 6)
    assert after.last_error.startswith("Mailserver onbereikbaar")
    assert not deliver(app, now=utcnow() + timedelta(days=30))


def test_a_refused_recipient_fails_at_once_and_the_rest_still_goes(app, smtp_server):
    smtp_server.handler.refuse["lezer0@example.nl"] = "550 5.1.1 Deze mailbox bestaat niet"
    smtp_server.handler.refuse["lezer1@example.nl"] = "450 4.2.1 Probeer het later nog eens"
    add_mails(app, 3)
    report = deliver(app)
    assert (report.sent, report.retrying, report.failed) == (1, 1, 1)
    refused, deferred, sent = outbox_rows(app)
    assert (refused.status, refused.attempts) == ("failed", 1)
    assert "550" in refused.last_error and "Ontvanger geweigerd" in refused.last_error
    assert deferred.status == "pending" and "450" in deferred.last_error
    assert sent.status == "sent"
    assert [r.rcpt_tos for r in smtp_server.received] == [["lezer2@example.nl"]]


def test_a_claim_is_a_lease_that_runs_out_when_a_worker_dies(app, smtp_server):
    add_mails(app, 1)
    at = utcnow()
    with app.app_context():
        assert outbox.claim_next(at) is not None  # ... and the worker dies before sending
        db.session.remove()
    assert not deliver(app, now=at + outbox.LEASE - timedelta(seconds=1))
    assert deliver(app, now=at + outbox.LEASE).sent == 1
    [row] = outbox_rows(app)
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(smtp_server.received) == 1


def test_two_workers_at_once_send_each_mail_once(make_app, smtp_server):
    """Two workers, each with its own app and connections, on the same outbox."""
    smtp_server.handler.delay = 0.01
    apps = [make_app(LEADGEN_SMTP_URL=smtp_server.url) for _ in range(2)]
    message_ids = add_mails(apps[0], 40)
    start = threading.Barrier(2)
    reports: list[outbox.Report] = []
    errors: list[BaseException] = []

    def work(app) -> None:
        try:
            start.wait(5)
            reports.append(deliver(app))
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(app,)) for app in apps]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert errors == []
    received = [r.message["Message-ID"] for r in smtp_server.received]
    assert sorted(received) == sorted(message_ids)  # every mail, none twice
    assert sum(report.sent for report in reports) == 40
    assert all(report.sent > 0 for report in reports), "the workers did not run side by side"
    assert {row.status for row in outbox_rows(apps[0])} == {"sent"}


def test_postgresql_workers_skip_rows_another_worker_has_locked(make_app, smtp_server):
    first, second = (make_app(LEADGEN_SMTP_URL=smtp_server.url) for _ in range(2))
    with first.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite serialises claims instead")
    add_mails(first, 2)
    with first.app_context():
        # Worker one is inside its claiming transaction: row 1 is locked, nothing committed.
        locked = db.session.execute(
            db.select(OutboxMail).order_by(OutboxMail.id).limit(1).with_for_update()
        ).scalar_one()
        with second.app_context():
            db.session.execute(db.text("SET LOCAL lock_timeout = '2s'"))
            claim = outbox.claim_next(utcnow())
            db.session.remove()
        assert claim is not None and claim.id != locked.id
        db.session.rollback()


def test_a_slow_smtp_server_never_slows_a_request(app, smtp_server, submit, leads):
    """A worker is stuck inside SMTP DATA while a visitor submits: the request doesn't care."""
    assert submit().status_code == 303
    smtp_server.handler.release.clear()
    worker = threading.Thread(target=deliver, args=(app,))
    worker.start()
    try:
        assert smtp_server.handler.in_data.wait(5), "the worker never reached DATA"
        connections = smtp_server.connections
        # On SQLite a transaction held across SMTP would make this wait for the write lock.
        assert submit("/advies").status_code == 303
        assert len(leads()) == 2
        assert smtp_server.connections == connections  # the request made no SMTP connection
        assert worker.is_alive()  # ... and finished while the server was still stalling
    finally:
        smtp_server.handler.release.set()
        worker.join(15)
    # The worker's pass went on to the request's two mails once the server answered.
    assert [row.status for row in outbox_rows(app)] == ["sent", "sent", "sent"]
    assert len(smtp_server.received) == 3


def test_a_server_that_never_answers_times_out(make_app):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        host, port = silent.getsockname()
        app = make_app(LEADGEN_SMTP_URL=f"smtp://{host}:{port}", LEADGEN_SMTP_TIMEOUT=0.3)
        add_mails(app, 1)
        report = deliver(app)
    assert report.retrying == 1
    [row] = outbox_rows(app)
    assert "timed out" in row.last_error


def test_smtp_timeout_is_ten_seconds_by_default(app):
    transport = transport_for(app.config | {"LEADGEN_SMTP_TIMEOUT": SMTP_TIMEOUT}, "")
    assert transport.timeout == 10.0
    smtp = parse_smtp_url("smtp://mail.example.nl")
    assert transport_for({"LEADGEN_SMTP": smtp}, "").timeout == 10.0


def test_sending_the_ebook_mail_prepares_the_personal_copy(app, submit, smtp_server):
    # A name no other test (or database run) has used, so its copy cannot exist yet.
    name = "Voorbereid " + "".join(random.choice(string.ascii_lowercase) for _ in range(12))
    submit(name=name)
    with app.app_context():
        copies = ebook.cache_dir() / "copies" / render.content_version(ebook.practice())
        before = set(copies.glob("*.pdf"))
    assert deliver(app).sent == 1
    made = set(copies.glob("*.pdf")) - before
    assert len(made) == 1
    assert name in PdfReader(made.pop()).pages[0].extract_text()
