"""A submission's mails are stored as what to say and rendered by the worker when it sends them."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import template_rendered
from sqlalchemy import event, update

from leadgen import tokens
from leadgen.extensions import db
from leadgen.leads import mails
from leadgen.models import OutboxMail, utcnow
from tests import test_html_valid as html_check
from tests.conftest import ADVIES_FIELDS
from tests.factories import deliver, outbox_rows, said

vnu = html_check.vnu  # the Nu Html Checker's fixture
TOKEN = re.compile(r"[\w-]{8,}\.[\w-]{4,}\.[\w-]{16,}")  # a signed link's token


def test_a_submissions_mails_are_stored_without_bodies_and_links(app, submit):
    assert submit("/ebook", newsletter="y").status_code == 303
    assert submit("/ebook", email="bram@example.nl").status_code == 303
    assert submit("/advies").status_code == 303
    rows = outbox_rows(app)
    assert [row.template for row in rows] == [
        "ebook_link",
        "ebook_link",
        "request_confirmation",
        "staff_notification",
    ]
    assert all(row.body_text is None and row.body_html is None for row in rows)
    assert not any(TOKEN.search(str(row.headers)) for row in rows)  # no signed link stored
    assert [row.headers.get(mails.CONFIRM, False) for row in rows] == [True, False, False, False]
    assert rows[3].subject.endswith(f"(#{rows[3].lead_id})")  # the id, joined in by the insert


def test_the_mail_says_what_a_fresh_render_of_the_stored_lead_says(app, smtp_server, submit):
    assert submit("/ebook", name="Anna de Vries").status_code == 303
    assert deliver(app).sent == 1
    [received] = smtp_server.received
    text = received.message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    [row] = outbox_rows(app)
    with app.app_context():
        row = db.session.merge(row, load=False)
        with app.test_request_context():
            fresh = mails.draft_ebook_link(row.lead, "nl", "DOWNLOAD", None, "UNSUBSCRIBE")
        owner = (row.lead.id, row.lead.secret)
        [download] = TOKEN.findall(text)
        [unsubscribe] = TOKEN.findall(received.message["List-Unsubscribe"])
        assert tokens.read_lead_token("download", download, 60) == owner
        assert tokens.read_lead_token("unsubscribe", unsubscribe, 60) == owner
    signed = text.replace(download, "DOWNLOAD")
    assert signed.rstrip() == fresh.text.rstrip()
    assert "Hoi Anna," in text


def test_the_link_is_signed_when_the_mail_is_sent_and_its_days_count_from_then(
    app, smtp_server, submit
):
    assert submit("/ebook").status_code == 303
    with app.app_context():  # the worker was down for five days
        queued = utcnow() - timedelta(days=5)
        db.session.execute(update(OutboxMail).values(created_at=queued))
        db.session.commit()
    deliver(app)
    text = smtp_server.received[0].message.get_body(("plain",)).get_content()
    last_day = utcnow() + timedelta(days=app.config["LEADGEN_DOWNLOAD_TTL_DAYS"])
    assert f"tot en met {last_day:%d-%m-%Y}" in text


def test_a_mail_that_cannot_be_rendered_fails_with_its_reason_and_the_rest_goes(
    app, smtp_server, submit
):
    assert submit("/advies").status_code == 303
    with app.app_context():
        first, _second = db.session.scalars(db.select(OutboxMail).order_by(OutboxMail.id))
        first.lead_id = None  # its lead gone
        db.session.commit()
    report = deliver(app)
    assert (report.sent, report.failed) == (1, 1)
    assert [row.last_error for row in outbox_rows(app)] == [
        "Bericht kon niet worden opgesteld: de aanvraag bestaat niet meer",
        None,
    ]
    assert len(smtp_server.received) == 1


def test_a_render_that_breaks_is_tried_again_and_then_sent(app, smtp_server, submit):
    assert submit("/ebook").status_code == 303
    renderers = app.extensions["leadgen.mail.render_when_sent"]
    working = renderers["ebook_link"]

    def broken(mail):
        raise RuntimeError("sjabloon kapot")

    renderers["ebook_link"] = broken
    try:
        report = deliver(app)
    finally:
        renderers["ebook_link"] = working
    assert (report.sent, report.retrying, report.failed) == (0, 1, 0)
    [row] = outbox_rows(app)
    assert row.status == "pending" and row.attempts == 1
    assert row.last_error.startswith("Bericht kon niet worden opgesteld: RuntimeError")
    assert deliver(app, now=utcnow() + timedelta(minutes=2)).sent == 1
    assert len(smtp_server.received) == 1


def test_the_worker_renders_outside_any_write_transaction(app, smtp_server, submit):
    assert submit("/advies").status_code == 303
    inside, state = [], {"open": False}

    def begin(connection) -> None:
        state["open"] = not connection.get_execution_options().get("leadgen_read")

    def end(_connection) -> None:
        state["open"] = False

    def rendered(_app, template, context) -> None:
        inside.append((template.name, state["open"]))

    with app.app_context():
        engine = db.engine
    listeners = (("begin", begin), ("commit", end), ("rollback", end))
    for name, listener in listeners:
        event.listen(engine, name, listener)
    template_rendered.connect(rendered, app)
    try:
        assert deliver(app).sent == 2
    finally:
        template_rendered.disconnect(rendered, app)
        for name, listener in listeners:
            event.remove(engine, name, listener)
    mail_templates = [(name, held) for name, held in inside if name.startswith("mail/")]
    assert mail_templates  # the bodies were rendered by the worker
    assert [name for name, held in mail_templates if held] == []


def test_the_mails_a_submission_queues_are_valid_html_as_the_worker_renders_them(
    vnu, app, submit, tmp_path
):
    for lang in ("nl", "en"):
        query = "" if lang == "nl" else "?lang=en"
        email = f"anna-{lang}@example.nl"
        assert submit(f"/ebook{query}", email=email, newsletter="y").status_code == 303
        advies = ADVIES_FIELDS | {"email": f"piet-{lang}@example.nl"}
        assert submit(f"/advies{query}", defaults=advies).status_code == 303
    rows = outbox_rows(app)
    assert len(rows) == 6 and all(row.body_html is None for row in rows)
    pages = {f"{row.template}-{row.id}": said(app, row).html for row in rows}
    assert html_check._check(vnu, tmp_path, pages) == {}
