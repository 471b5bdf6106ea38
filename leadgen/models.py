"""The database tables of every feature, as typed SQLAlchemy 2 models."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

# Every table is importable from here; the appointment tables live in their own module.
from leadgen.appointment_models import (  # noqa: F401 (re-exported)
    Appointment,
    AppointmentCell,
    AppointmentReminder,
    BlockedDay,
    BookingHours,
)
from leadgen.columns import NO_REUSE, UTCDateTime, in_check, utcnow
from leadgen.extensions import db
from leadgen.followup_models import SeriesMail, SeriesStop, StaffDigest  # noqa: F401 (re-exported)
from leadgen.vocab import (
    CONSENT_PURPOSES,
    LEAD_KINDS,
    LEAD_STATUSES,
)

MAIL_STATUSES = ("pending", "sent", "failed")


def new_secret() -> str:
    """A random, URL-safe secret of 32 characters (192 bits)."""
    return secrets.token_urlsafe(24)


class Lead(db.Model):
    """One person asking for one offer; a repeat request is recorded on the same row."""

    __tablename__ = "lead"
    __table_args__ = (
        UniqueConstraint("email", "kind", name="uq_lead_email_kind"),
        CheckConstraint(in_check("kind", LEAD_KINDS), name="kind"),
        CheckConstraint(in_check("status", LEAD_STATUSES), name="status"),
        Index("ix_lead_created_at", "created_at"),
        Index("ix_lead_kind_created_at", "kind", "created_at"),
        # Today's calls: by status and date, then in order of arrival (migration 0008).
        Index("ix_lead_call_list", "status", "follow_up_on", "created_at", "kind"),
        NO_REUSE,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    complaint: Mapped[str | None] = mapped_column(Text)
    preferred_moment: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="nieuw")
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    no_answer_count: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str | None] = mapped_column(String(500))
    utm_source: Mapped[str | None] = mapped_column(String(100))
    utm_medium: Mapped[str | None] = mapped_column(String(100))
    utm_campaign: Mapped[str | None] = mapped_column(String(100))
    utm_content: Mapped[str | None] = mapped_column(String(100))
    origin: Mapped[str | None] = mapped_column(String(200))
    request_count: Mapped[int] = mapped_column(Integer, default=1)
    download_count: Mapped[int] = mapped_column(Integer, default=0)
    # In every link of this lead and checked against the row: a link is bound to this person,
    # not to an id. A new secret invalidates every link handed out so far.
    secret: Mapped[str] = mapped_column(String(32), unique=True, default=new_secret)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_downloaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    consents: Mapped[list[Consent]] = relationship(
        back_populates="lead", cascade="all, delete-orphan", order_by="Consent.id"
    )
    downloads: Mapped[list[DownloadEvent]] = relationship(
        back_populates="lead", cascade="all, delete-orphan", order_by="DownloadEvent.id"
    )
    notes: Mapped[list[Note]] = relationship(
        back_populates="lead", cascade="all, delete-orphan", order_by="Note.id"
    )
    mails: Mapped[list[OutboxMail]] = relationship(
        back_populates="lead", cascade="all, delete-orphan", order_by="OutboxMail.id"
    )
    appointments: Mapped[list[Appointment]] = relationship(
        back_populates="lead", cascade="all, delete-orphan", order_by="Appointment.id"
    )

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.split() else self.name


class Consent(db.Model):
    """Evidence of one consent: purpose, the exact text shown, when, and from which form origin."""

    __tablename__ = "consent"
    __table_args__ = (
        CheckConstraint(in_check("purpose", CONSENT_PURPOSES), name="purpose"),
        NO_REUSE,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    text_version: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    form: Mapped[str] = mapped_column(String(40))
    origin: Mapped[str | None] = mapped_column(String(200))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lead: Mapped[Lead] = relationship(back_populates="consents")


class DownloadEvent(db.Model):
    """One download of a personal copy (no IP address: we keep only what staff use)."""

    __tablename__ = "download_event"
    __table_args__ = NO_REUSE

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lead: Mapped[Lead] = relationship(back_populates="downloads")


class OutboxMail(db.Model):
    """A mail waiting to be sent, written in the same transaction as what caused it."""

    __tablename__ = "outbox_mail"
    __table_args__ = (
        CheckConstraint(in_check("status", MAIL_STATUSES), name="status"),
        Index("ix_outbox_mail_status_next_attempt_at", "status", "next_attempt_at"),
        NO_REUSE,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("lead.id", ondelete="CASCADE"), index=True
    )
    template: Mapped[str] = mapped_column(String(40))
    to_addr: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    # None in both: rendered when sent, from the lead and the links in `headers`
    # (mail/messages.py, `bodies`).
    body_text: Mapped[str | None] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lead: Mapped[Lead | None] = relationship(back_populates="mails")


class Staff(db.Model):
    """A staff account of the practice."""

    __tablename__ = "staff"
    __table_args__ = NO_REUSE

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StaffSession(db.Model):
    """One logged-in browser of a staff member; logging out deletes it, which ends it here too.

    The cookie holds a random session key; only its SHA-256 is stored, so a copy of the database
    opens no session.
    """

    __tablename__ = "staff_session"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Note(db.Model):
    """A staff note on a lead."""

    __tablename__ = "note"
    __table_args__ = NO_REUSE

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lead: Mapped[Lead] = relationship(back_populates="notes")
    author: Mapped[Staff | None] = relationship()


class AuditEntry(db.Model):
    """Who did what, when: exports, erasures, status changes, logins."""

    __tablename__ = "audit_entry"
    __table_args__ = NO_REUSE

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    staff: Mapped[Staff | None] = relationship()


class Counter(db.Model):
    """A named counter per day (honeypot hits, too-fast submissions)."""

    __tablename__ = "counter"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class PageView(db.Model):
    """How often the embedded form was shown on one blog page, per day and campaign.

    A sum and nothing else: no cookie, address or other identifier is behind it (docs/funnel.md).
    A page or campaign that was not given is stored as "" (unique keys treat NULLs as distinct).
    """

    __tablename__ = "page_view"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    source: Mapped[str] = mapped_column(String(500), primary_key=True)
    utm_campaign: Mapped[str] = mapped_column(String(100), primary_key=True, default="")
    views: Mapped[int] = mapped_column(Integer, default=0)


class CalendarFeed(db.Model):
    """A staff member's private iCal feed of the agenda (`/agenda/<secret>.ics`); one each.

    Like a staff session, only the SHA-256 of the secret in the URL is stored: a copy of the
    database subscribes to nothing. A new feed replaces the old one; revoking deletes the row.
    """

    __tablename__ = "calendar_feed"

    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True
    )
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
