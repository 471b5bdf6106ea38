"""A lead's mails: the e-book link, the request confirmation and the practice's notice.

They are stored without bodies and rendered when sent (mail/messages.py): the row keeps the
signed links each one carries (`LINKS_OF`), and `init_app` gives the worker their renderers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from leadgen import i18n, links, phone, tokens
from leadgen.mail import messages
from leadgen.models import Lead, OutboxMail, utcnow
from leadgen.vocab import CALL_KIND_OFFERS, CALL_KIND_WORDS, MOMENT_PHRASES

# The signed links each mail's bodies carry, by role: stored in its row (messages.LINKS).
LINKS_OF = {
    "ebook_link": ("download", "confirm", "unsubscribe"),  # confirm: with the newsletter only
    "request_confirmation": ("appointment",),
    "staff_notification": (),
}


def init_app(app: Flask) -> None:
    """Have the mail worker render these mails when it sends them."""
    for template, draft_for in RENDERERS.items():
        messages.render_when_sent(app, template, _when_sent(template, draft_for))


def stored(draft: messages.Draft, links: dict[str, str]) -> messages.Draft:
    """`draft` as it is stored: no bodies, and the links of its template from `links`."""
    mine = {role: links[role] for role in LINKS_OF[draft.template] if links.get(role)}
    return draft.said_when_sent(mine)


def queue_ebook_link(
    lead: Lead, lang: str, download_token: str, confirm_token: str | None
) -> OutboxMail:
    """Queue the download link (and the newsletter confirmation link when there is a token)."""
    unsubscribe = tokens.unsubscribe_token(lead.id, lead.secret)
    draft = draft_ebook_link(lead, lang, download_token, confirm_token, unsubscribe)
    links = {"download": download_token, "confirm": confirm_token, "unsubscribe": unsubscribe}
    return stored(draft, links).store(lead)


def draft_ebook_link(
    lead: Lead,
    lang: str,
    download_token: str,
    confirm_token: str | None,
    unsubscribe_token: str,
    issued_at: datetime | None = None,
) -> messages.Draft:
    """Render the download link mail (with the newsletter confirmation link given a token);
    `issued_at` is when the link was signed, now unless given."""
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
            valid_until=(issued_at or utcnow()) + ttl,
            advies_url=links.external("leads.advies_form", lang),
        )


def queue_request_confirmation(lead: Lead, lang: str) -> OutboxMail:
    """Queue the visitor's confirmation of a call or pain-check request: what happens next."""
    booking = tokens.appointment_token(lead.id, lead.secret)
    draft = draft_request_confirmation(lead, lang, booking)
    return stored(draft, {"appointment": booking}).store(lead)


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


# How each mail is rendered again when sent: (lead, language, links, when queued) -> draft.
DraftFor = Callable[[Lead, str, dict[str, str], datetime], messages.Draft]
RENDERERS: dict[str, DraftFor] = {
    "ebook_link": lambda lead, lang, links, at: draft_ebook_link(
        lead, lang, links["download"], links.get("confirm"), links["unsubscribe"], at
    ),
    "request_confirmation": lambda lead, lang, links, _at: draft_request_confirmation(
        lead, lang, links["appointment"]
    ),
    "staff_notification": lambda lead, _lang, _links, _at: draft_staff_notification(lead),
}


def _when_sent(template: str, draft_for: DraftFor) -> messages.Renderer:
    needed = tuple(role for role in LINKS_OF[template] if role != "confirm")

    def render(mail: OutboxMail) -> messages.Draft:
        if mail.lead is None:
            raise messages.NotRendered("de aanvraag bestaat niet meer")
        links = mail.headers.get(messages.LINKS)
        if not isinstance(links, dict) or not all(
            isinstance(links.get(role), str) for role in needed
        ):
            raise messages.NotRendered("de links voor deze mail ontbreken")
        lang = mail.headers.get(messages.LANGUAGE)
        lang = lang if lang in i18n.LANGUAGES else i18n.DEFAULT
        return draft_for(mail.lead, lang, links, mail.created_at or utcnow())

    return render
