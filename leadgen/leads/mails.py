"""A lead's mails: the e-book link, the request confirmation and the practice's notice."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import insert

from leadgen import i18n, links, phone, tokens
from leadgen.extensions import db
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


# --- rendered before the write transaction ----------------------------------------------------
# A request's mails are rendered before the write lock is taken, from a stand-in lead built out
# of the request, with random marks where the stored lead's id and tokens go; inside the
# transaction the marks are replaced. The marks are random per request, so no name or address can
# contain one by chance, and they are plain letters and digits, which neither URL quoting nor HTML
# escaping changes. Where the stored lead would render differently (a returning lead whose phone,
# moment or newsletter state differ from the request's), the mails are rendered again.


@dataclass(frozen=True)
class Shape:
    """What a request's mails show of the lead: equal shapes render equal mails."""

    kind: str
    name: str
    email: str
    phone: str | None
    moment: str | None
    confirm: bool  # the mail carries a newsletter confirmation link


@dataclass(frozen=True)
class Drafts:
    """A request's mails rendered with marks, and the shape they were rendered for."""

    shape: Shape
    drafts: tuple[messages.Draft, ...]
    marks: dict[str, str]  # "id", "download", "confirm", "unsubscribe", "appointment" -> mark

    def store(self, lead: Lead, values: dict[str, str]) -> None:
        """Insert the outbox rows for `lead`, each mark replaced by its value in `values`.

        One bulk INSERT, not the unit of work: the lead is flushed already, and nothing here
        reads the rows back.
        """
        fill = {self.marks[role]: value for role, value in values.items()}
        rows = [draft.row(lead.id, fill) for draft in self.drafts]
        db.session.execute(insert(OutboxMail), rows)


def shape_of(lead: Lead, confirm: bool) -> Shape:
    """The shape of the mails `lead` gets, as it stands in the transaction."""
    return Shape(lead.kind, lead.name, lead.email, lead.phone, lead.preferred_moment, confirm)


def draft(shape: Shape, lang: str) -> Drafts:
    """Render the mails for a lead of `shape`, with marks for its id and tokens."""
    marks = {
        role: f"x{secrets.token_hex(12)}{role[0]}"
        for role in ("download", "confirm", "unsubscribe", "appointment")
    }
    # An id is built into a URL by an int converter: the mark is 18 random digits, more than any
    # phone number holds.
    marks["id"] = str(10**17 + secrets.randbelow(9 * 10**17))
    stand_in = Lead(
        id=int(marks["id"]),
        kind=shape.kind,
        name=shape.name,
        email=shape.email,
        phone=shape.phone,
        preferred_moment=shape.moment,
    )
    if shape.kind == "ebook":
        confirm = marks["confirm"] if shape.confirm else None
        mails = (
            draft_ebook_link(stand_in, lang, marks["download"], confirm, marks["unsubscribe"]),
        )
    else:
        mails = (
            draft_request_confirmation(stand_in, lang, marks["appointment"]),
            draft_staff_notification(stand_in),
        )
    return Drafts(shape, mails, marks)
