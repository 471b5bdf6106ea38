"""Addresses on the wire: IDN domains go out as punycode; one mail's trouble is its own."""

from __future__ import annotations

import pytest

from leadgen.extensions import db
from leadgen.mail import outbox
from leadgen.mail.messages import build_message
from leadgen.models import Lead
from tests.factories import add_mails, deliver, outbox_rows, plain_mail
from tests.mail.conftest import SmtpServer


@pytest.fixture
def smtp_server(start_smtp) -> SmtpServer:
    """A server without SMTPUTF8, as many still are; the app of these tests sends to it."""
    return start_smtp(enable_SMTPUTF8=False)


def test_an_idn_domain_is_sent_as_punycode(app):
    message = build_message(plain_mail(to_addr="piet@bücher.de"), app.config)
    assert message["To"].addresses[0].addr_spec == "piet@xn--bcher-kva.de"
    assert message.as_bytes().isascii()


def test_an_idn_staff_address_and_sender_are_sent_as_punycode(make_app, smtp_server):
    app = make_app(
        LEADGEN_SMTP_URL=smtp_server.url,
        LEADGEN_MAIL_FROM="Praktijk <noreply@bücher.de>",
        LEADGEN_STAFF_EMAIL="praktijk@bücher.de",
    )
    message = build_message(plain_mail(), app.config)
    assert message["From"].addresses[0].addr_spec == "noreply@xn--bcher-kva.de"
    assert message["Reply-To"].addresses[0].addr_spec == "praktijk@xn--bcher-kva.de"
    add_mails(app, 1)
    assert deliver(app).sent == 1
    assert smtp_server.received[0].mail_from == "noreply@xn--bcher-kva.de"


def test_a_request_from_an_idn_domain_reaches_a_server_without_smtputf8(app, smtp_server, submit):
    assert submit("/advies", email="Piet@BÜCHER.de").status_code == 303
    report = deliver(app)
    assert (report.sent, report.retrying, report.failed) == (2, 0, 0)
    recipients = sorted(rcpt for r in smtp_server.received for rcpt in r.rcpt_tos)
    assert recipients == ["piet@xn--bcher-kva.de", "praktijk@example.nl"]


def test_rows_stored_before_the_fix_do_not_hold_up_the_rest(app, smtp_server):
    """A Unicode domain goes as punycode; a local part only SMTPUTF8 takes fails on its own."""
    with app.app_context():
        db.session.add(Lead(kind="ebook", name="Jöhn", email="jöhn@bücher.de"))
        db.session.add_all(
            [
                plain_mail(90, to_addr="jöhn@bücher.de"),
                plain_mail(91, to_addr="piet@bücher.de"),
            ]
        )
        db.session.commit()
    good = add_mails(app, 3)
    report = deliver(app)
    assert (report.sent, report.retrying, report.failed) == (4, 0, 1)
    rows = outbox_rows(app)
    assert [row.status for row in rows] == ["failed", "sent", "sent", "sent", "sent"]
    assert rows[0].attempts == 1
    assert "SMTPUTF8" in rows[0].last_error
    assert {r.message["Message-ID"] for r in smtp_server.received} == {
        "<test.91@example.nl>",
        *good,
    }
    assert ["piet@xn--bcher-kva.de"] in [r.rcpt_tos for r in smtp_server.received]


def test_a_server_with_smtputf8_takes_a_local_part_in_unicode(make_app, start_smtp):
    server = start_smtp()  # aiosmtpd offers SMTPUTF8 unless told otherwise
    app = make_app(LEADGEN_SMTP_URL=server.url)
    add_mails(app, to_addr="jöhn@bücher.de")
    assert deliver(app).sent == 1
    assert server.received[0].rcpt_tos == ["jöhn@xn--bcher-kva.de"]


class Broken:
    """A stand-in for errors no real server here produces: one message fails in its own way."""

    def __init__(self, error: Exception, bad: str) -> None:
        self.error, self.bad, self.sent = error, bad, []

    def send(self, message) -> None:
        if message["To"].addresses[0].addr_spec == self.bad:
            raise self.error
        self.sent.append(message["Message-ID"])

    def close(self) -> None:
        pass


def test_an_encoding_error_is_that_mails_problem(app):
    add_mails(app, 3)
    error = UnicodeEncodeError("ascii", "ö", 0, 1, "ordinal not in range(128)")
    transport = Broken(error, "lezer0@example.nl")
    report = deliver(app, transport=transport)
    assert (report.sent, report.failed) == (2, 1)
    assert [row.status for row in outbox_rows(app)] == ["failed", "sent", "sent"]


def test_an_unknown_error_on_one_mail_is_retried_and_the_rest_still_goes(app):
    add_mails(app, 2)
    report = deliver(app, transport=Broken(RuntimeError("kapot"), "lezer0@example.nl"))
    assert (report.sent, report.retrying, report.failed) == (1, 1, 0)
    first, second = outbox_rows(app)
    assert first.status == "pending" and "kapot" in first.last_error
    assert second.status == "sent"
    assert outbox.MAX_ATTEMPTS > 1
