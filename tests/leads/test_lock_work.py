"""The write transaction of a submission holds no template work; marks never reach a mail."""

from __future__ import annotations

import re

from flask import template_rendered
from sqlalchemy import event

from leadgen.extensions import db
from leadgen.leads import drafts, service
from leadgen.models import Consent, Lead, OutboxMail
from leadgen.tokens import read_lead_token
from tests.factories import said


def marks_left(app, text: str) -> list[str]:
    """The marks of every cached look that are still in `text` (there must be looks)."""
    looks = app.extensions["leadgen.mail_looks"].values()
    marks = [mark for look in looks for mark in look.roles]
    assert marks
    return [mark for mark in marks if mark in text]


def mail_renders_inside_write(app, submit, **fields) -> list[str]:
    """Submit once; return the mail templates rendered while a write transaction was open."""
    inside: list[str] = []
    state = {"open": False}

    def begin(connection) -> None:
        state["open"] = not connection.get_execution_options().get("leadgen_read")

    def end(_connection) -> None:
        state["open"] = False

    def rendered(_app, template, context) -> None:
        if state["open"] and template.name.startswith("mail/"):
            inside.append(template.name)

    with app.app_context():
        engine = db.engine
    path = "/advies" if "kind" in fields else "/ebook"
    event.listen(engine, "begin", begin)
    event.listen(engine, "commit", end)
    event.listen(engine, "rollback", end)
    template_rendered.connect(rendered, app)
    try:
        answer = submit(path, **fields)
    finally:
        template_rendered.disconnect(rendered, app)
        event.remove(engine, "begin", begin)
        event.remove(engine, "commit", end)
        event.remove(engine, "rollback", end)
    assert answer.status_code == 303, answer.status_code
    return inside


def test_ebook_mail_is_rendered_before_the_write_transaction(app, submit):
    assert mail_renders_inside_write(app, submit, newsletter="y") == []
    with app.app_context():
        lead = db.session.execute(db.select(Lead)).scalar_one()
        (mail,) = db.session.execute(db.select(OutboxMail)).scalars()
        consent = db.session.execute(
            db.select(Consent).filter_by(purpose="newsletter")
        ).scalar_one()
        sent = said(app, mail)  # the links signed by the worker, as it sends the mail
        assert "unsubscribe_url" not in mail.headers
        text = mail.subject + str(mail.headers) + sent.text + sent.html
        assert marks_left(app, text + sent.headers["unsubscribe_url"]) == []
        download = re.search(r"/download/([^\s\"<]+)", sent.text).group(1)
        assert read_lead_token("download", download, 3600) == (lead.id, lead.secret)
        confirm = re.search(r"/bevestig/([^\s\"<?]+)", sent.text).group(1)
        assert read_lead_token("confirm", confirm, 3600) == (consent.id, lead.secret)
        unsubscribe = sent.headers["unsubscribe_url"].rsplit("/", 1)[1].split("?")[0]
        assert read_lead_token("unsubscribe", unsubscribe, 3600) == (lead.id, lead.secret)


def test_advies_mails_are_rendered_before_the_write_transaction(app, submit):
    fields = {"kind": "adviesgesprek"}
    assert mail_renders_inside_write(app, submit, **fields) == []
    with app.app_context():
        lead = db.session.execute(db.select(Lead)).scalar_one()
        staff = db.session.execute(
            db.select(OutboxMail).filter_by(template="staff_notification")
        ).scalar_one()
        assert staff.subject.endswith(f"(#{lead.id})")
        assert f"/leads/{lead.id}" in said(app, staff).html
        assert f"(#{lead.id})" in said(app, staff).text
        assert marks_left(app, staff.subject + said(app, staff).text + said(app, staff).html) == []


def test_a_returning_lead_gets_the_mail_its_stored_state_calls_for(app, submit):
    """The second request ticks no newsletter, but the first's is still pending: link again."""
    assert submit("/ebook", newsletter="y").status_code == 303
    assert submit("/ebook").status_code == 303
    with app.app_context():
        mails = list(db.session.execute(db.select(OutboxMail).order_by(OutboxMail.id)).scalars())
        assert len(mails) == 2
        assert "/bevestig/" in said(app, mails[1]).text
        assert marks_left(app, said(app, mails[1]).text + said(app, mails[1]).html) == []


def test_a_returning_caller_keeps_the_stored_moment_in_the_staff_mail(app, submit):
    assert submit("/advies", preferred_moment="avond").status_code == 303
    assert submit("/advies").status_code == 303
    with app.app_context():
        staff = list(
            db.session.execute(
                db.select(OutboxMail)
                .filter_by(template="staff_notification")
                .order_by(OutboxMail.id)
            ).scalars()
        )
        assert len(staff) == 2
        assert "avonds" in said(app, staff[1]).text  # the lead's stored moment, not the empty field


def test_expected_shape_matches_a_new_lead(app):
    """The shape rendered ahead is the one a new lead has: no second render for new leads."""
    with app.test_request_context():
        req = service.Request(
            kind="ebook",
            name="Anna",
            email="anna@example.nl",
            form="ebook",
            origin=None,
            consents={},
            tracking={},
            lang="nl",
        )
        shape = service._expected_shape(req)
        lead = Lead(kind="ebook", name="Anna", email="anna@example.nl")
        assert drafts.shape_of(lead, confirm=False) == shape
