"""The series as a reader meets it: the demo path with `mail send --now`, and what the mails say."""

from __future__ import annotations

import re
from datetime import time, timedelta
from urllib.parse import urlsplit

from leadgen.extensions import db
from leadgen.models import Lead, OutboxMail
from tests import test_html_valid as html_check
from tests.factories import deliver, outbox_rows, said
from tests.followup.conftest import days

vnu = html_check.vnu  # the Nu Html Checker's fixture, for the mails' HTML


def _invoke(runner, *args: str) -> str:
    result = runner.invoke(args=["mail", "send", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _ask_and_confirm(app, client, submit, runner, lang: str = "nl") -> Lead:
    """A reader asks for the e-book with the newsletter ticked, and confirms it."""
    path = "/ebook" if lang == "nl" else f"/ebook?lang={lang}"
    assert submit(path, newsletter="y").status_code == 303
    _invoke(runner)  # the e-book mail goes out
    with app.app_context():
        mail = db.session.execute(
            db.select(OutboxMail).where(OutboxMail.template == "ebook_link")
        ).scalar_one()
        body = said(app, mail).text
        lead = db.session.execute(db.select(Lead)).scalar_one()
        db.session.expunge(lead)
    confirm = re.search(r"http://localhost(/bevestig/\S+)", body).group(1)
    assert client.post(confirm).status_code == 200
    return lead


def _iso(lead: Lead, **after: float) -> str:
    """The moment `after` the lead's request, as `--now` takes it (whole seconds, rounded up)."""
    moment = lead.created_at + timedelta(**after, seconds=1)
    return moment.replace(microsecond=0).isoformat()


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_the_demo_path_asks_confirms_and_gets_mail_1_two_days_later(
    app, client, submit, runner, smtp_server
):
    lead = _ask_and_confirm(app, client, submit, runner)
    assert len(smtp_server.received) == 1  # the e-book link

    assert "Klaargezet" not in _invoke(runner, "--now", _iso(lead, days=1.99))
    assert "Klaargezet: 1. Verstuurd: 1," in _invoke(runner, "--now", _iso(lead, days=2))

    mail = smtp_server.received[-1]
    message = mail.message
    assert mail.rcpt_tos == ["anna@example.nl"]
    assert message["Subject"] == "Hoe ging je eerste training?"
    assert message["To"] == "Anna <anna@example.nl>"
    assert message["Content-Language"] == "nl"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Hoi Anna," in text and "de schelp" in text
    assert "Hoi Anna," in html and "<li><strong>Te makkelijk, onder de 7?</strong>" in html
    # One-click unsubscribe (RFC 8058): the link and the POST header, and a mailto besides.
    unsubscribe = re.match(
        r"<(http://localhost/afmelden/[^>]+)>, <mailto:", message["List-Unsubscribe"]
    )
    assert unsubscribe, message["List-Unsubscribe"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.group(1) in text
    # The advice form opens with the reader's name and address filled in.
    advies = re.search(r"(http://localhost/advies\?van=\S+)", text).group(1)
    page = client.get(_path(advies)).get_data(as_text=True)
    assert 'value="Anna de Vries"' in page and 'value="anna@example.nl"' in page

    # The mail client's one-click unsubscribe ends the series.
    assert client.post(_path(unsubscribe.group(1))).status_code == 200
    assert "Klaargezet" not in _invoke(runner, "--now", _iso(lead, days=8))
    assert len(smtp_server.received) == 2


def test_an_english_reader_gets_the_series_in_english(app, client, submit, runner, smtp_server):
    lead = _ask_and_confirm(app, client, submit, runner, lang="en")
    _invoke(runner, "--now", _iso(lead, days=2))
    message = smtp_server.received[-1].message
    assert message["Subject"] == "How did your first workout go?"
    assert message["Content-Language"] == "en"
    assert "lang=en" in message.get_body(("plain",)).get_content()


def test_the_last_mail_offers_the_pain_check_and_the_call(app, reader, smtp_server):
    reader(name="Bram Visser")
    for n in (2, 7, 14):
        deliver(app, now=days(n))
    subjects = [item.message["Subject"] for item in smtp_server.received]
    assert subjects == [
        "Hoe ging je eerste training?",
        "Je schema: zo maak je het steeds een stapje zwaarder",
        "Wanneer je beter even iemand laat meekijken",
    ]
    second = smtp_server.received[1].message.get_body(("plain",)).get_content()
    assert "fase 2, week 5 tot en met 8" in second
    last = smtp_server.received[2].message.get_body(("plain",)).get_content()
    assert "huisarts" in last
    assert re.search(r"http://localhost/advies\?van=\S+&kind=pijncheck|kind=pijncheck&van=", last)
    assert f"onze praktijk in {app.config['LEADGEN_PRACTICE_CITY']}" in last
    assert "mail 3 van 3" in last


def test_the_series_and_the_digest_are_valid_html(vnu, app, reader, tmp_path):
    reader(name="Bram Visser")
    reader(kind="pijncheck", phone="+31612345678", confirmed=None)
    app.config["LEADGEN_DIGEST"] = time(8, 0)  # on for this test, as LEADGEN_DIGEST_TIME=08:00
    for n in (2, 7, 14):
        deliver(app, now=days(n))
    pages = {mail.template: said(app, mail).html for mail in outbox_rows(app)}
    assert sorted(pages) == ["followup_1", "followup_2", "followup_3", "staff_digest"]
    assert html_check._check(vnu, tmp_path, pages) == {}
