"""The follow-up tables: the series' mails and stops per lead, and the staff's digest per day."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leadgen.columns import UTCDateTime, utcnow
from leadgen.extensions import db


class SeriesMail(db.Model):
    """A follow-up series mail queued for a lead: its keys allow each step once, and one a day."""

    __tablename__ = "series_mail"
    __table_args__ = (UniqueConstraint("lead_id", "day", name="uq_series_mail_lead_id_day"),)

    lead_id: Mapped[int] = mapped_column(
        ForeignKey("lead.id", ondelete="CASCADE"), primary_key=True
    )
    step: Mapped[int] = mapped_column(Integer, primary_key=True)  # 1, 2, 3: the series' mails
    day: Mapped[date] = mapped_column(Date)  # the practice's date it was queued on
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SeriesStop(db.Model):
    """Staff stopped the follow-up series of this lead."""

    __tablename__ = "series_stop"

    lead_id: Mapped[int] = mapped_column(
        ForeignKey("lead.id", ondelete="CASCADE"), primary_key=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # who: the audit log


class StaffDigest(db.Model):
    """The staff's morning digest of one day: one row per date, so one mail a day."""

    __tablename__ = "staff_digest"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
