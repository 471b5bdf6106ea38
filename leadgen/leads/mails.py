"""A lead's mails: the e-book link, the request confirmation and the practice's notice.

They are stored without bodies and without links: the worker renders them when it sends them
(mail/messages.py), signing the links each carries then (`RENDERERS`, given it by `init_app`).
So a new lead's row needs no id before it is inserted (leads/one_statement.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from leadgen import i18n, links, phone, tokens
from leadgen.mail import messages
from leadgen.models import Lead, OutboxMail, utcnow
from leadgen.vocab import CALL_KIND_OFFERS, CALL_KIND_WORDS, MOMENT_PHRASES

# In an e-book mail's headers when its reader ticked the newsletter: the worker adds the link
# that confirms the consent still waiting for it.
CONFIRM = "confirm"


def init_app(app: Flask) -> None:
    """Have the mail worker render these mails when it sends them."""
    for template, draft_for in RENDERERS.items():
        messages.render_when_sent(app, template, _when_sent(draft_for))


def stored(draft: messages.Draft, confirm: bool = False) -> messages.Draft:
    """`draft` as it is stored: no bodies and no links (`confirm`: the worker adds the
    newsletter's confirmation link to an e-book mail)."""
    return draft.said_when_sent({CONFIRM: True} if confirm else {})


def queue_ebook_link(lead: Lead, lang: str) -> OutboxMail:
    """Queue the download link, without a newsletter confirmation link (a link sent again)."""
    return stored(_ebook_link(lead, lang, confirm=False)).store(lead)


def _ebook_link(lead: Lead, lang: str, confirm: bool) -> messages.Draft:
    """The download link mail with freshly signed links; with `confirm`, the confirmation link
    of the newsletter consent that is still waiting, if one is."""
    waiting = [
        c.id
        for c in (lead.consents if confirm else ())
        if c.purpose == "newsletter" and c.confirmed_at is None and c.withdrawn_at is None
    ]
    confirm_token = (
        tokens.issue_lead_token("confirm", max(waiting), lead.secret) if waiting else None
    )
    download = tokens.issue_lead_token("download", lead.id, lead.secret)
    unsubscribe = tokens.unsubscribe_token(lead.id, lead.secret)
    return draft_ebook_link(lead, lang, download, confirm_token, unsubscribe)


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
    return stored(_request_confirmation(lead, lang)).store(lead)


def _request_confirmation(lead: Lead, lang: str) -> messages.Draft:
    """The request confirmation with a freshly signed booking link."""
    return draft_request_confirmation(lead, lang, tokens.appointment_token(lead.id, lead.secret))


def draft_request_confirmation(lead: Lead, lang: str, booking_token: str) -> messages.Draft:
    """Render the visitor's confirmation of a call or pain-check request, with the booking link."""
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
            phone=phone.for_display(lead.phone) or None,
            moment=str(moment) if moment else None,
            book_url=links.external("appointments.book", lang, token=booking_token),
        )


def draft_staff_notification(lead: Lead) -> messages.Draft:
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
            phone=phone.for_display(lead.phone) or None,
            moment=str(moment) if moment else None,
            lead_url=links.external("admin.lead", lead_id=lead.id),
        )


# How each mail is rendered when sent, its links signed then: (lead, language, row) -> draft.
DraftFor = Callable[[Lead, str, OutboxMail], messages.Draft]
RENDERERS: dict[str, DraftFor] = {
    "ebook_link": lambda lead, lang, mail: _ebook_link(lead, lang, bool(mail.headers.get(CONFIRM))),
    "request_confirmation": lambda lead, lang, _mail: _request_confirmation(lead, lang),
    "staff_notification": lambda lead, _lang, _mail: draft_staff_notification(lead),
}


def _when_sent(draft_for: DraftFor) -> messages.Renderer:
    def render(mail: OutboxMail) -> messages.Draft:
        if mail.lead is None:
            raise messages.NotRendered("de aanvraag bestaat niet meer")
        lang = mail.headers.get(messages.LANGUAGE)
        return draft_for(mail.lead, lang if lang in i18n.LANGUAGES else i18n.DEFAULT, mail)

    return render
