"""An appointment's mails: the visitor's invitation (.ics), reminder, cancellation; staff's."""

from __future__ import annotations

from dataclasses import replace

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from leadgen import i18n, links, phone, tokens
from leadgen.appointments import invite, words
from leadgen.mail import messages
from leadgen.models import Appointment, Lead, utcnow
from leadgen.vocab import CALL_KIND_OFFERS, CALL_KIND_WORDS


def book_url(lead: Lead, lang: str) -> str:
    """The lead's link to book, move or cancel, in `lang`."""
    token = tokens.appointment_token(lead.id, lead.secret)
    return links.external("appointments.book", lang, token=token)


def calendar_invite(lead: Lead, appointment: Appointment, url: str) -> invite.Invite:
    """The invitation's contents: first name, kind, time and place; nothing the visitor wrote."""
    config = current_app.config
    offer = str(CALL_KIND_OFFERS[appointment.kind])
    summary = _("%(offer)s bij %(practice)s", offer=offer, practice=config["LEADGEN_PRACTICE_NAME"])
    if appointment.kind == "pijncheck":
        what = _("Je gratis pijncheck in de praktijk.")
    else:
        what = _("We bellen je op dit moment voor je gratis adviesgesprek.")
    change = _("Verzetten of afzeggen: %(url)s", url=url)
    description = f"{what} {change}"
    return invite.Invite(
        uid=appointment.uid,
        sequence=appointment.sequence,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        summary=summary[:1].upper() + summary[1:],
        description=description,
        location=words.location(appointment.kind),
        organizer_email=config["LEADGEN_STAFF_EMAIL"],
        organizer_name=config["LEADGEN_PRACTICE_NAME"],
        attendee_email=lead.email,
        attendee_name=messages.first_name(lead),
        url=url,
    )


def draft_visitor(lead: Lead, appointment: Appointment, template: str) -> messages.Draft:
    """Render a visitor's mail: appointment_ + `booked`, `moved`, `cancelled` or `reminder`."""
    lang = appointment.lang if appointment.lang in i18n.LANGUAGES else i18n.DEFAULT
    with force_locale(lang):
        url = book_url(lead, lang)
        moment = words.moment_label(appointment.starts_at)
        offer = str(CALL_KIND_OFFERS[appointment.kind])
        subjects = {
            "appointment_booked": _("Je afspraak: %(moment)s", moment=moment),
            "appointment_moved": _("Je afspraak is verzet naar %(moment)s", moment=moment),
            "appointment_cancelled": _("Je afspraak van %(moment)s is afgezegd", moment=moment),
            "appointment_reminder": _("Herinnering: je afspraak %(moment)s", moment=moment),
        }
        method = {"appointment_cancelled": "CANCEL", "appointment_reminder": None}.get(
            template, "REQUEST"
        )
        calendar = None
        if method:
            ics = invite.render(calendar_invite(lead, appointment, url), method, utcnow())
            calendar = (method, ics)
        # One pair of templates for the four; the row names which of them it is.
        draft = messages.render(
            lead,
            "appointment_visitor",
            lead.email,
            subjects[template],
            lang,
            calendar=calendar,
            event=template.removeprefix("appointment_"),
            offer=offer,
            moment=moment,
            location=words.location(appointment.kind),
            phone=phone.for_display(lead.phone) or None,
            book_url=url,
        )
        return replace(draft, template=template)


def draft_staff(lead: Lead, appointment: Appointment, event: str) -> messages.Draft:
    """Render the practice's notice of a booking, a move or a cancellation (in Dutch)."""
    with force_locale(i18n.DEFAULT):
        moment = words.moment_label(appointment.starts_at)
        kind = str(CALL_KIND_WORDS[appointment.kind])
        subjects = {
            "booked": _(
                "Afspraak geboekt: %(kind)s, %(moment)s (#%(id)s)",
                kind=kind,
                moment=moment,
                id=lead.id,
            ),
            "moved": _(
                "Afspraak verzet: %(kind)s, %(moment)s (#%(id)s)",
                kind=kind,
                moment=moment,
                id=lead.id,
            ),
            "cancelled": _(
                "Afspraak afgezegd: %(kind)s, %(moment)s (#%(id)s)",
                kind=kind,
                moment=moment,
                id=lead.id,
            ),
        }
        return messages.render(
            lead,
            "appointment_staff",
            current_app.config["LEADGEN_STAFF_EMAIL"],
            subjects[event],
            i18n.DEFAULT,
            event=event,
            kind=kind,
            moment=moment,
            phone=phone.for_display(lead.phone) or None,
            lead_url=links.external("admin.lead", lead_id=lead.id),
        )


def queue_booked(lead: Lead, appointment: Appointment, moved: bool) -> None:
    """Queue the visitor's invitation and the practice's notice of a booking or a move."""
    event = "moved" if moved else "booked"
    draft_visitor(lead, appointment, f"appointment_{event}").store(lead)
    draft_staff(lead, appointment, event).store(lead)


def queue_cancelled(lead: Lead, appointment: Appointment) -> None:
    """Queue the visitor's cancellation (METHOD:CANCEL) and the practice's notice."""
    draft_visitor(lead, appointment, "appointment_cancelled").store(lead)
    draft_staff(lead, appointment, "cancelled").store(lead)
