"""The mails we send, each rendered from an .html and a .txt template into an outbox row."""

from __future__ import annotations

from email.utils import make_msgid

from flask import current_app, render_template

from leadgen.extensions import db
from leadgen.models import Lead, OutboxMail


def _queue(lead: Lead | None, template: str, to: str, subject: str, **context) -> OutboxMail:
    context |= {"lead": lead, "practice_name": current_app.config["LEADGEN_PRACTICE_NAME"]}
    domain = current_app.config["LEADGEN_BASE_URL"].split("//", 1)[1].split(":")[0]
    mail = OutboxMail(
        lead=lead,
        template=template,
        to_addr=to,
        subject=subject,
        body_text=render_template(f"mail/{template}.txt", **context),
        body_html=render_template(f"mail/{template}.html", **context),
        headers={},
        message_id=make_msgid(domain=domain),
    )
    db.session.add(mail)
    return mail


def queue_ebook_link(lead: Lead, download_url: str, confirm_url: str | None) -> OutboxMail:
    return _queue(
        lead,
        "ebook_link",
        lead.email,
        "Je e-book: gluteus medius trainingsgids",
        download_url=download_url,
        confirm_url=confirm_url,
    )


def queue_request_confirmation(lead: Lead) -> OutboxMail:
    what = "gratis pijncheck" if lead.kind == "pijncheck" else "gratis adviesgesprek"
    return _queue(
        lead,
        "request_confirmation",
        lead.email,
        f"We hebben je aanvraag voor een {what}",
        what=what,
    )


def queue_staff_notification(lead: Lead) -> OutboxMail:
    what = "pijncheck" if lead.kind == "pijncheck" else "adviesgesprek"
    base = current_app.config["LEADGEN_BASE_URL"]
    return _queue(
        lead,
        "staff_notification",
        current_app.config["LEADGEN_STAFF_EMAIL"],
        f"Nieuwe aanvraag: {what}",
        what=what,
        lead_url=f"{base}/admin/leads/{lead.id}",
    )
