"""What staff do to leads: status, follow-up, notes, no answer, erasure, retention purge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select

from leadgen import addresses
from leadgen.admin import audit, formats
from leadgen.extensions import db
from leadgen.models import (
    LEAD_STATUSES,
    Consent,
    DownloadEvent,
    Lead,
    Note,
    OutboxMail,
)

NEWSLETTER_CONFIRM_DAYS = 7


class NotFound(LookupError):
    """No lead with this id (any more)."""


def _lead(lead_id: int) -> Lead:
    lead = db.session.get(Lead, lead_id)
    if lead is None:
        raise NotFound(lead_id)
    return lead


def update_lead(lead_id: int, staff_id: int, status: str, follow_up_on: date | None) -> Lead:
    """Set the status and follow-up date; a status change goes into the audit log. Commit."""
    if status not in LEAD_STATUSES:
        raise ValueError(f"unknown status {status!r}")
    lead = _lead(lead_id)
    if lead.status != status:
        audit.record("status", staff_id, lead_id=lead.id, old=lead.status, new=status)
        lead.status = status
    lead.follow_up_on = follow_up_on
    db.session.commit()
    return lead


def record_no_answer(lead_id: int, staff_id: int, today: date) -> Lead:
    """Count a call nobody answered and plan the next try on the next working day. Commit."""
    lead = _lead(lead_id)
    lead.no_answer_count += 1
    if lead.follow_up_on is None or lead.follow_up_on <= today:
        lead.follow_up_on = formats.next_working_day(today)
    audit.record("no_answer", staff_id, lead_id=lead.id, count=lead.no_answer_count)
    db.session.commit()
    return lead


def add_note(lead_id: int, staff_id: int, body: str) -> Note:
    lead = _lead(lead_id)
    note = Note(lead_id=lead.id, author_id=staff_id, body=body)
    db.session.add(note)
    db.session.commit()
    return note


def erase_lead(lead_id: int, staff_id: int | None) -> list[int]:
    """Erase the person behind this lead: every request of the address (see erase_email)."""
    return erase_email(_lead(lead_id).email, staff_id)


def erase_email(email: str, staff_id: int | None = None) -> list[int]:
    """Remove every lead of this address (any offer) with its consents, downloads, notes and
    mail, and every mail to the address; return the lead ids. The audit keeps only those ids.
    """
    email = addresses.canonical(email)
    leads = list(db.session.execute(select(Lead).where(func.lower(Lead.email) == email)).scalars())
    return _erase(leads, staff_id, extra_address=email)


def _erase(leads: list[Lead], staff_id: int | None, extra_address: str | None = None) -> list[int]:
    ids = [lead.id for lead in leads]
    addresses = {lead.email.lower() for lead in leads}
    if extra_address:
        addresses.add(extra_address)
    if ids:
        _delete_children(select(Lead.id).where(Lead.id.in_(ids)))
        db.session.execute(delete(Lead).where(Lead.id.in_(ids)))
    if addresses:
        db.session.execute(delete(OutboxMail).where(func.lower(OutboxMail.to_addr).in_(addresses)))
    for lead_id in ids:
        audit.record("erase", staff_id, lead_id=lead_id)
    db.session.commit()
    db.session.expunge_all()
    return ids


def _delete_children(lead_ids) -> None:
    # Explicit rather than relying on ON DELETE CASCADE, which SQLite honours only with the pragma.
    for model in (Consent, DownloadEvent, Note, OutboxMail):
        db.session.execute(delete(model).where(model.lead_id.in_(lead_ids)))


@dataclass(frozen=True)
class PurgeResult:
    leads: int
    newsletter_consents: int


def purge(now: datetime, retention_days: int) -> PurgeResult:
    """Delete leads not heard from within the retention period (patients stay) and newsletter
    consents never confirmed within a week. Commit.
    """
    cutoff = now - timedelta(days=retention_days)
    expired = select(Lead.id).where(Lead.last_requested_at < cutoff, Lead.status != "patiënt")
    lead_count = db.session.execute(select(func.count()).select_from(expired.subquery())).scalar()
    _delete_children(expired)
    db.session.execute(
        delete(Lead).where(Lead.last_requested_at < cutoff, Lead.status != "patiënt")
    )
    consent_count = db.session.execute(
        delete(Consent).where(
            Consent.purpose == "newsletter",
            Consent.confirmed_at.is_(None),
            Consent.granted_at < now - timedelta(days=NEWSLETTER_CONFIRM_DAYS),
        )
    ).rowcount
    result = PurgeResult(int(lead_count or 0), int(consent_count or 0))
    audit.record(
        "purge",
        None,
        leads=result.leads,
        newsletter_consents=result.newsletter_consents,
        retention_days=retention_days,
    )
    db.session.commit()
    return result
