"""When the follow-up series stops for a lead: each reason as a condition, and its words."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import aliased

from leadgen.models import Appointment, Consent, Lead, SeriesStop
from leadgen.vocab import CALL_KINDS

#: A lead with one of these statuses is past what the series is for.
STOP_STATUSES = ("afspraak", "patiënt", "geen interesse")
STOP_LABELS = {
    "staff": _l("gestopt door de praktijk"),
    "status": _l("de status is afspraak, patiënt of geen interesse"),
    "appointment": _l("heeft een afspraak gemaakt"),
    "call_requested": _l("heeft een gesprek of pijncheck aangevraagd"),
    "withdrawn": _l("nieuwsbrief afgemeld"),
    "no_newsletter": _l("geen bevestigde aanmelding voor de nieuwsbrief"),
    "done": _l("alle mails verstuurd"),
    "too_late": _l("aanvraag te lang geleden"),
    "off": _l("de reeks staat uit"),
}


def _newsletter_confirmed() -> ColumnElement[bool]:
    return exists().where(
        Consent.lead_id == Lead.id,
        Consent.purpose == "newsletter",
        Consent.confirmed_at.is_not(None),
        Consent.withdrawn_at.is_(None),
    )


def stop_rules() -> dict[str, ColumnElement[bool]]:
    """THE rule for when a series stops: each reason as a condition on `Lead`, by name.

    Every decision reads it: which leads get a mail, the insert that queues one, withdrawing
    mails not yet sent, and what the lead page says. An erased lead has no row left to match.
    An appointment is booked on the same person's call request (another lead, same address).
    """
    call = aliased(Lead)
    booked = (
        select(Appointment.id)
        .join(call, Appointment.lead_id == call.id)
        .where(call.email == Lead.email, Appointment.status != "geannuleerd")
    )
    return {
        "staff": exists().where(SeriesStop.lead_id == Lead.id),
        "status": Lead.status.in_(STOP_STATUSES),
        "appointment": booked.exists(),
        # Addresses are stored in one form (addresses.normalise): the unique index finds them.
        "call_requested": exists().where(call.email == Lead.email, call.kind.in_(CALL_KINDS)),
        "consent": ~_newsletter_confirmed(),
    }
