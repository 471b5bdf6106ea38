"""A lead's mails: the e-book link, the request confirmation and the practice's notice."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from leadgen import i18n, links, phone
from leadgen.mail import messages
from leadgen.models import Lead, OutboxMail, utcnow
from leadgen.vocab import CALL_KIND_OFFERS, CALL_KIND_WORDS, MOMENT_PHRASES


def queue_ebook_link(
    lead: Lead, lang: str, download_token: str, confirm_token: str | None
) -> OutboxMail:
    """Queue the download link (and the newsletter confirmation link when there is a token)."""
    ttl = timedelta(days=current_app.config["LEADGEN_DOWNLOAD_TTL_DAYS"])
    with force_locale(lang):
        # The links lead back to pages in the language the mail is written in.
        return messages.queue(
            lead,
            "ebook_link",
            lead.email,
            _("Je trainingsgids voor de gluteus medius"),
            lang,
            marketing=True,
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
    with force_locale(lang):
        offer = str(CALL_KIND_OFFERS.get(lead.kind, CALL_KIND_OFFERS["adviesgesprek"]))
        moment = MOMENT_PHRASES.get(lead.preferred_moment or "")
        return messages.queue(
            lead,
            "request_confirmation",
            lead.email,
            _("We hebben je aanvraag voor een %(offer)s ontvangen", offer=offer),
            lang,
            offer=offer,
            phone=phone.for_display(lead.phone) or None,
            moment=str(moment) if moment else None,
        )


def queue_staff_notification(lead: Lead) -> OutboxMail:
    """Queue the practice's notice of a new request: a link to the lead, never the complaint.

    Written in the practice's language, whatever language the visitor used.
    """
    with force_locale(i18n.DEFAULT):
        offer = str(CALL_KIND_WORDS.get(lead.kind, CALL_KIND_WORDS["adviesgesprek"]))
        moment = MOMENT_PHRASES.get(lead.preferred_moment or "")
        return messages.queue(
            lead,
            "staff_notification",
            current_app.config["LEADGEN_STAFF_EMAIL"],
            _("Nieuwe aanvraag: %(offer)s (#%(id)s)", offer=offer, id=lead.id),
            i18n.DEFAULT,
            offer=offer,
            phone=phone.for_display(lead.phone) or None,
            moment=str(moment) if moment else None,
            lead_url=links.external("admin.lead", lead_id=lead.id),
        )
