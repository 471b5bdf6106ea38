"""The newsletter's double opt-in and its withdrawal, from the links in a lead's mails."""

from __future__ import annotations

from sqlalchemy import update

from leadgen import tokens
from leadgen.extensions import db
from leadgen.models import Consent, Lead, utcnow


def _newsletter_consent(token: str) -> Consent:
    consent_id, owner = tokens.read_lead_token("confirm", token, tokens.CONFIRM_MAX_AGE)
    consent = db.session.execute(
        db.select(Consent)
        .join(Lead)
        .where(Consent.id == consent_id, Consent.purpose == "newsletter", Lead.secret == owner)
    ).scalar_one_or_none()
    if consent is None:
        raise tokens.TokenError(expired=False)
    return consent


def _state(consent: Consent) -> str:
    if consent.withdrawn_at is not None:
        return "withdrawn"
    return "confirmed" if consent.confirmed_at is not None else "pending"


def newsletter_state(token: str) -> str:
    """'pending', 'confirmed' or 'withdrawn': the consent a confirm link names; or TokenError."""
    return _state(_newsletter_consent(token))


def confirm_newsletter(token: str) -> str:
    """Confirm a newsletter consent (double opt-in) and return its state after.

    A repeat changes nothing, and a withdrawn consent stays withdrawn.
    """
    consent = _newsletter_consent(token)
    if _state(consent) == "pending":
        consent.confirmed_at = utcnow()
    state = _state(consent)
    db.session.commit()
    return state


def check_unsubscribe(token: str) -> int:
    """The id of the lead an unsubscribe link belongs to, or TokenError."""
    lead_id, owner = tokens.read_lead_token("unsubscribe", token, tokens.UNSUBSCRIBE_MAX_AGE)
    found = db.session.execute(
        db.select(Lead.id).where(Lead.id == lead_id, Lead.secret == owner)
    ).scalar_one_or_none()
    if found is None:
        raise tokens.TokenError(expired=False)
    return found


def withdraw_newsletter(token: str) -> int:
    """Withdraw the token's lead's live newsletter consents; return how many (0 on repeats)."""
    lead_id = check_unsubscribe(token)
    withdrawn = db.session.execute(
        update(Consent)
        .where(
            Consent.lead_id == lead_id,
            Consent.purpose == "newsletter",
            Consent.withdrawn_at.is_(None),
        )
        .values(withdrawn_at=utcnow())
    ).rowcount
    db.session.commit()
    return withdrawn
