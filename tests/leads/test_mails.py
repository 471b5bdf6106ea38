"""A lead's mails: every link in them is a real route, in the language the mail is written in."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from leadgen.extensions import db
from leadgen.leads import mails
from leadgen.mail.messages import build_message
from leadgen.models import Lead, OutboxMail
from tests.factories import said

LINK = re.compile(r"https?://[^\s\"<>]+")


def _rows(app) -> list[OutboxMail]:
    with app.app_context():
        rows = list(db.session.scalars(db.select(OutboxMail).order_by(OutboxMail.id)))
        db.session.expunge_all()
    return rows


def _links(app, row: OutboxMail) -> set[str]:
    with app.app_context():  # the message as the worker builds it, bodies rendered now
        message = build_message(db.session.merge(row, load=False), app.config)
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    found = set(LINK.findall(text)) | set(LINK.findall(html.replace("&amp;", "&")))
    found |= set(LINK.findall(message.get("List-Unsubscribe", "")))
    return {link for link in found if link.startswith("http://localhost/")}


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_link_in_the_mails_opens_a_real_page_in_the_mails_language(app, client, lang):
    data = {"name": "Anna de Vries", "email": "anna@example.nl", "privacy": "y", "newsletter": "y"}
    advies = {"name": "Piet", "email": "piet@example.nl", "phone": "06 12345678", "privacy": "y"}
    for path, fields in (("/ebook", data), ("/advies", advies | {"kind": "pijncheck"})):
        page = client.get(f"{path}?lang={lang}").get_data(as_text=True)
        token = re.search(r'name="form_token" type="hidden" value="([^"]+)"', page).group(1)
        assert client.post(f"{path}?lang={lang}", data=fields | {"form_token": token}).status_code
    rows = _rows(app)
    assert [row.template for row in rows] == [
        "ebook_link",
        "request_confirmation",
        "staff_notification",
    ]
    adapter = app.url_map.bind("localhost")
    seen = set()
    for row in rows:
        for link in _links(app, row):
            parts = urlsplit(link)
            endpoint, _args = adapter.match(parts.path, method="GET")  # 404 raises here
            seen.add(endpoint)
            query = parse_qs(parts.query)
            if endpoint.startswith("admin."):
                assert "lang" not in query  # staff read the practice's language
                continue
            if endpoint != "leads.download":
                expected = [lang] if lang != "nl" and row.template != "staff_notification" else None
                assert query.get("lang") == expected, link
            response = client.get(f"{parts.path}?{parts.query}")
            response.close()  # the download is a file
            assert response.status_code == 200, link
    assert seen == {
        "leads.download",
        "leads.confirm",
        "leads.resend",
        "leads.advies_form",
        "leads.unsubscribe",
        "admin.lead",
        "appointments.book",
    }


def test_the_mail_language_is_the_callers_not_the_requests(app):
    with app.test_request_context("/?lang=nl"), app.app_context():
        lead = Lead(kind="pijncheck", name="Eve", email="eve@example.nl", phone="+31612345678")
        db.session.add(lead)
        db.session.flush()
        english = mails.queue_request_confirmation(lead, "en")
        dutch = mails.queue_request_confirmation(lead, "nl")
        assert english.subject == "We have received your request for a free pain check"
        assert english.headers["lang"] == "en" and "Hi Eve," in said(app, english).text
        assert (
            dutch.subject.startswith("We hebben je aanvraag")
            and "Hoi Eve," in said(app, dutch).text
        )
        db.session.rollback()


def test_mails_are_written_outside_a_request_too(app):
    # Only an app context, as the CLI and the worker have: links come from the base URL.
    with app.app_context():
        lead = Lead(kind="ebook", name="Eve", email="eve@example.nl")
        db.session.add(lead)
        db.session.flush()
        mail = mails.queue_ebook_link(lead, "en")
        assert "http://localhost/download/" in said(app, mail).text
        assert "http://localhost/ebook/opnieuw?lang=en" in said(app, mail).text
        db.session.rollback()
