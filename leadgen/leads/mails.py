"""A lead's mails: the e-book link, the request confirmation and the practice's notice."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from leadgen import i18n, links, phone, tokens
from leadgen.mail import messages
from leadgen.models import Lead, OutboxMail, utcnow
from leadgen.vocab import CALL_KIND_OFFERS, CALL_KIND_WORDS, MOMENT_PHRASES


def queue_ebook_link(
    lead: Lead, lang: str, download_token: str, confirm_token: str | None
) -> OutboxMail:
    """Queue the download link (and the newsletter confirmation link when there is a token)."""
    unsubscribe = tokens.unsubscribe_token(lead.id, lead.secret)
    return draft_ebook_link(lead, lang, download_token, confirm_token, unsubscribe).store(lead)


def draft_ebook_link(
    lead: Lead, lang: str, download_token: str, confirm_token: str | None, unsubscribe_token: str
) -> messages.Draft:
    """Render the download link mail (with the newsletter confirmation link given a token)."""
    ttl = timedelta(days=current_app.config["LEADGEN_DOWNLOAD_TTL_DAYS"])
    with force_locale(lang):
        # The links lead back to pages in the language the mail is written in.
        return messages.render(
            lead,
            "ebook_link",
            lead.email,
            _("Je trainingsgids voor de gluteus medius"),
            lang,
            marketing=True,
            unsubscribe_token=unsubscribe_token,
            download_url=links.external("leads.download", token=download_token),
            confirm_url=links.external("leads.confirm", lang, token=confirm_token)
            if confirm_token
            else None,
            resend_url=links.external("leads.resend", lang),
            valid_until=utcnow() + ttl,
            advies_url=links.external("leads.advies_form", lang),
        )


def queue_request_confirmation(lead: Lead, lang: str) -> OutboxMail:
    """Queue the visitor's confirmation of a call or pain-check request: what happens next."""
    booking = tokens.appointment_token(lead.id, lead.secret)
    return draft_request_confirmation(lead, lang, booking).store(lead)


def draft_request_confirmation(
    lead: Lead, lang: str, booking_token: str, shown_phone: str | None = None
) -> messages.Draft:
    """Render the visitor's confirmation of a call or pain-check request, with the booking link.

    `shown_phone` stands in for the phone number as displayed (leads/drafts.py marks it).
    """
    with force_locale(lang):
        offer = str(CALL_KIND_OFFERS.get(lead.kind, CALL_KIND_OFFERS["adviesgesprek"]))
        moment = MOMENT_PHRASES.get(lead.preferred_moment or "")
        return messages.render(
            lead,
            "request_confirmation",
            lead.email,
            _("We hebben je aanvraag voor een %(offer)s ontvangen", offer=offer),
            lang,
            offer=offer,
            phone=shown_phone or phone.for_display(lead.phone) or None,
            moment=str(moment) if moment else None,
            book_url=links.external("appointments.book", lang, token=booking_token),
        )


def draft_staff_notification(lead: Lead, shown_phone: str | None = None) -> messages.Draft:
    """Render the practice's notice, in the practice's language whatever the visitor used."""
    with force_locale(i18n.DEFAULT):
        offer = str(CALL_KIND_WORDS.get(lead.kind, CALL_KIND_WORDS["adviesgesprek"]))
        moment = MOMENT_PHRASES.get(lead.preferred_moment or "")
        return messages.render(
            lead,
            "staff_notification",
            current_app.config["LEADGEN_STAFF_EMAIL"],
            _("Nieuwe aanvraag: %(offer)s (#%(id)s)", offer=offer, id=lead.id),
            i18n.DEFAULT,
            offer=offer,
            phone=shown_phone or phone.for_display(lead.phone) or None,
            moment=str(moment) if moment else None,
            lead_url=links.external("admin.lead", lead_id=lead.id),
        )
