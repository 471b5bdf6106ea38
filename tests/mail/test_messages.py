"""The mails as they arrive at a real SMTP server: headers, content, and what they never hold."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from leadgen.extensions import db
from leadgen.leads import downloads
from leadgen.mail.messages import build_message
from leadgen.models import Consent
from tests.conftest import form_token
from tests.factories import add_mails, deliver, outbox_rows, plain_mail


def _arrived(app, smtp_server, submit, path="/ebook", **fields):
    assert submit(path, **fields).status_code == 303
    assert deliver(app).sent >= 1
    return {r.message["Subject"]: r for r in smtp_server.received}


def _bodies(message) -> tuple[str, str]:
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def test_ebook_mail_headers(app, smtp_server, submit):
    [received] = _arrived(app, smtp_server, submit).values()
    message = received.message
    [row] = outbox_rows(app)
    assert received.mail_from == "noreply@example.nl"
    assert received.rcpt_tos == ["anna@example.nl"]
    assert message["From"] == "Neuroreset Fysiotherapie <noreply@example.nl>"
    assert message["To"] == "Anna <anna@example.nl>"
    assert message["Reply-To"] == "Neuroreset Fysiotherapie <praktijk@example.nl>"
    assert message["Subject"] == "Je trainingsgids voor de gluteus medius"
    assert message["Message-ID"] == row.message_id
    assert message["Message-ID"].endswith("@example.nl>")
    assert message["Date"].datetime == row.created_at.replace(microsecond=0)
    assert message["Content-Language"] == "nl"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "text/plain",
        "text/html",
    ]


def test_ebook_mail_is_marketing_and_can_be_unsubscribed(app, smtp_server, submit):
    [received] = _arrived(app, smtp_server, submit).values()
    link, mailto = (part.strip() for part in received.message["List-Unsubscribe"].split(","))
    assert link.startswith("<http://localhost/afmelden/")
    assert mailto == "<mailto:praktijk@example.nl?subject=Afmelden>"
    assert received.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_ebook_mail_link_downloads_this_leads_copy(app, smtp_server, submit, leads):
    [received] = _arrived(app, smtp_server, submit).values()
    text, html = _bodies(received.message)
    assert text.startswith("Hoi Anna,")
    assert "Hoi Anna," in html and '<html lang="nl">' in html
    link = next(word for word in text.split() if "/download/" in word)
    assert link.startswith("http://localhost/download/")
    assert f'href="{link}"' in html
    [lead] = leads()
    with app.test_request_context():
        assert downloads.lead_for_download(urlsplit(link).path.rsplit("/", 1)[1]).lead_id == lead.id
    assert "/bevestig/" not in text + html
    assert "http://localhost/ebook/opnieuw" in text


def test_ebook_mail_with_newsletter_carries_a_working_confirmation_link(
    app, smtp_server, submit, client
):
    [received] = _arrived(app, smtp_server, submit, newsletter="y").values()
    text, html = _bodies(received.message)
    link = next(word for word in text.split() if "/bevestig/" in word)
    assert link.startswith("http://localhost/bevestig/")
    assert f'href="{link}"' in html
    assert client.get(urlsplit(link).path).status_code == 200
    assert client.post(urlsplit(link).path).status_code == 200
    with app.app_context():
        consent = db.session.execute(db.select(Consent).filter_by(purpose="newsletter")).scalar()
        assert consent.confirmed_at is not None


def test_resent_link_mail_has_a_fresh_link_and_no_confirmation(app, smtp_server, submit, client):
    submit(newsletter="y")
    token = form_token(client, "/ebook/opnieuw")
    client.post("/ebook/opnieuw", data={"email": "anna@example.nl", "form_token": token})
    assert deliver(app).sent == 2
    first, again = (r.message for r in smtp_server.received)
    assert again["Subject"] == first["Subject"]
    assert again["Message-ID"] != first["Message-ID"]
    text, _ = _bodies(again)
    assert "/download/" in text
    assert "/bevestig/" not in text


@pytest.mark.parametrize(
    ("kind", "says"),
    [
        ("adviesgesprek", "gratis adviesgesprek van 20 minuten"),
        ("pijncheck", "pijncheck in onze praktijk in Hoorn"),
    ],
)
def test_request_confirmation_says_what_happens_next(app, smtp_server, submit, kind, says):
    mails = _arrived(app, smtp_server, submit, "/advies", kind=kind, preferred_moment="avond")
    offer = "gratis pijncheck" if kind == "pijncheck" else "gratis adviesgesprek"
    received = mails[f"We hebben je aanvraag voor een {offer} ontvangen"]
    message = received.message
    assert received.rcpt_tos == ["piet@example.nl"]
    assert message["To"] == "Piet <piet@example.nl>"
    assert message["Reply-To"] == "Neuroreset Fysiotherapie <praktijk@example.nl>"
    assert "List-Unsubscribe" not in message  # transactional: the visitor asked for this
    text, html = _bodies(message)
    for body in (text, html):
        assert "Hoi Piet," in body
        assert says in body
        assert "binnen twee werkdagen op 06 12345678, het liefst ’s avonds" in body
        assert "0229 000 000" in body


def test_staff_notification_links_to_the_lead(app, smtp_server, submit, leads):
    mails = _arrived(app, smtp_server, submit, "/advies", kind="pijncheck")
    [lead] = leads()
    received = mails[f"Nieuwe aanvraag: pijncheck (#{lead.id})"]
    message = received.message
    assert received.rcpt_tos == ["praktijk@example.nl"]
    assert message["To"] == "praktijk@example.nl"
    assert "Reply-To" not in message
    assert "List-Unsubscribe" not in message
    text, html = _bodies(message)
    assert f"http://localhost/admin/leads/{lead.id}" in text
    assert f'href="http://localhost/admin/leads/{lead.id}"' in html
    assert "Voornaam: Piet\r\nTelefoon: 06 12345678\r\nBelmoment: geen voorkeur" in text
    assert "Jansen" not in text + html  # the rest of the name is typed text: only in the admin
    assert 'href="tel:+31612345678"' in html


def test_no_mail_echoes_free_text_the_visitor_typed(app, smtp_server, submit):
    _arrived(
        app,
        smtp_server,
        submit,
        "/advies",
        name="Piet Klaasvaakjansen",
        complaint="Zeurende pijn bij het traplopen",
        health_consent="y",
        source="https://blog.example.nl/bronmarkering",
        utm_campaign="campagnemarkering",
    )
    assert len(smtp_server.received) == 2
    for received in smtp_server.received:
        raw = received.raw.decode()
        for typed in ("Zeurende", "traplopen", "Klaasvaakjansen", "markering"):
            assert typed not in raw


def test_a_name_with_a_line_break_never_reaches_a_header(app, smtp_server, submit, leads):
    response = submit(name="Anna\r\nBcc: buit@example.com")
    assert response.status_code == 422
    assert leads() == []
    assert outbox_rows(app) == []
    assert deliver(app).sent == 0
    assert smtp_server.received == []


@pytest.mark.parametrize(
    ("to_name", "to_addr"),
    [
        ("Anna\r\nBcc: buit@example.com", "anna@example.nl"),
        ("Anna\nBcc: buit@example.com", "anna@example.nl"),
        ("Anna", "anna@example.nl\r\nBcc: buit@example.com"),
        ("Anna", "anna@example.nl\nBcc: buit@example.com"),
    ],
)
def test_message_builder_refuses_line_breaks_in_headers(app, to_name, to_addr):
    mail = plain_mail(to_addr=to_addr, headers={"to_name": to_name})
    with pytest.raises(ValueError, match=r"(?i)linefeed|carriage return|invalid"):
        build_message(mail, app.config)


def test_an_unsafe_row_fails_without_being_sent(app, smtp_server):
    add_mails(app, headers={"to_name": "Anna\r\nBcc: buit@example.com"})
    report = deliver(app)
    assert (report.sent, report.failed) == (0, 1)
    [row] = outbox_rows(app)
    assert row.status == "failed"
    assert row.last_error.startswith("Onveilige kopregel")
    assert smtp_server.received == []


def test_message_ids_stay_unique_when_random_is_seeded():
    import random

    from leadgen.mail import messages

    config = {"LEADGEN_MAIL_FROM": "Praktijk <info@example.nl>"}
    ids = []
    for _ in range(2):
        random.seed(7)  # whatever seeds `random` must not make two mails share an id
        ids.append(messages.new_message_id(config))
    assert ids[0] != ids[1]
    assert ids[0].endswith("@example.nl>")
