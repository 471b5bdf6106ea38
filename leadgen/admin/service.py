"""What staff do to leads: status, follow-up, notes, no answer, erasure, retention purge."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import Select, delete, func, or_, select
from sqlalchemy.exc import IntegrityError

from leadgen import addresses
from leadgen.admin import audit, formats
from leadgen.ebook import service as ebook
from leadgen.extensions import begin_read, db
from leadgen.followup import series
from leadgen.mail import transport
from leadgen.models import (
    Appointment,
    AppointmentCell,
    AppointmentReminder,
    Consent,
    DownloadEvent,
    Lead,
    Note,
    OutboxMail,
    SeriesMail,
    SeriesStop,
)
from leadgen.vocab import LEAD_STATUSES

NEWSLETTER_CONFIRM_DAYS = 7
# A copy no lead owns is swept only when older than this: it may be one being made right now
# for a lead that is newer than the list of owners read.
SWEEP_GRACE_SECONDS = 60


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


def stop_series(lead_id: int, staff_id: int) -> bool:
    """Stop the lead's follow-up series, into the audit log; False when it was stopped already."""
    _lead(lead_id)
    stopped = series.stop(lead_id)
    if stopped:
        audit.record("series_stop", staff_id, lead_id=lead_id)
    try:
        db.session.commit()
    except IntegrityError:  # a second click that crossed the first
        db.session.rollback()
        return False
    return stopped


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
    files = _files_of(select(Lead.id).where(Lead.id.in_(ids)), addresses)
    if ids:
        _delete_children(select(Lead.id).where(Lead.id.in_(ids)))
        db.session.execute(delete(Lead).where(Lead.id.in_(ids)))
    if addresses:
        db.session.execute(delete(OutboxMail).where(func.lower(OutboxMail.to_addr).in_(addresses)))
    for lead_id in ids:
        audit.record("erase", staff_id, lead_id=lead_id)
    db.session.commit()
    db.session.expunge_all()
    _forget(files)
    return ids


@dataclass
class _Files:
    """What of some leads lives outside the database: their copies and mailbox files."""

    owners: list[str] = field(default_factory=list)
    mails: list[tuple[datetime, str]] = field(default_factory=list)  # (written, Message-ID)
    addresses: set[str] = field(default_factory=set)  # every mail To these goes too


def _files_of(lead_ids: Select, addresses: set[str] | None = None) -> _Files:
    """Read, before the rows go, what names these leads' files; `addresses`: the whole person."""
    owners = db.session.execute(select(Lead.secret).where(Lead.id.in_(lead_ids))).scalars().all()
    theirs = OutboxMail.lead_id.in_(lead_ids)
    if addresses:
        theirs = or_(theirs, func.lower(OutboxMail.to_addr).in_(addresses))
    mails = db.session.execute(select(OutboxMail.created_at, OutboxMail.message_id).where(theirs))
    return _Files(
        owners=list(owners),
        mails=[(row.created_at, row.message_id) for row in mails],
        addresses=set(addresses or ()),
    )


def _forget(files: _Files) -> None:
    """After the commit: delete the files, then make SQLite drop the old pages from its log."""
    ebook.remove_copies(files.owners)
    mailbox = transport.mailbox_dir(current_app.instance_path)
    transport.remove_mail_files(mailbox, files.mails, files.addresses)
    # Copies nobody owns: a download that was running during the erasure, or copies named after
    # the name alone (before copies were kept per lead).
    begin_read()
    owners = set(db.session.execute(select(Lead.secret)).scalars())
    db.session.rollback()
    ebook.remove_copies_except(owners, older_than=time.time() - SWEEP_GRACE_SECONDS)
    _checkpoint()


def _checkpoint() -> None:
    """Copy SQLite's write-ahead log into the database and empty it.

    Until then the log keeps older copies of the pages the deleted rows were on; the deletion
    itself zeroed them in place (PRAGMA secure_delete, see create_app). Waits for readers.
    """
    if db.engine.dialect.name != "sqlite":
        return
    connection = db.engine.raw_connection()
    try:  # outside any transaction: a checkpoint cannot run inside one
        busy = connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        connection.close()
    if busy and busy[0]:
        current_app.logger.warning("erasure: the write-ahead log could not be emptied yet")


def _delete_children(lead_ids) -> None:
    # Explicit rather than relying on ON DELETE CASCADE, which SQLite honours only with the pragma.
    # An appointment's agenda cells go with it, so its moment is free again.
    appointments = select(Appointment.id).where(Appointment.lead_id.in_(lead_ids))
    for model in (AppointmentCell, AppointmentReminder):
        db.session.execute(delete(model).where(model.appointment_id.in_(appointments)))
    for model in (Appointment, Consent, DownloadEvent, Note, OutboxMail, SeriesMail, SeriesStop):
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
    files = _files_of(expired)
    lead_count = len(files.owners)
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
    result = PurgeResult(lead_count, int(consent_count or 0))
    audit.record(
        "purge",
        None,
        leads=result.leads,
        newsletter_consents=result.newsletter_consents,
        retention_days=retention_days,
    )
    db.session.commit()
    _forget(files)
    return result
