"""The staff's morning digest: whom to call today, who asked since the last one; once a day."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from leadgen import i18n, links
from leadgen.admin import queries
from leadgen.extensions import begin_read, db
from leadgen.mail import messages
from leadgen.models import Appointment, Lead, StaffDigest

# Who asked since the last digest; more than this and the mail says how many more.
MAX_NEW = 100


@dataclass(frozen=True)
class Line:
    """One person in the digest: what staff need to call, never health data."""

    lead_id: int
    name: str
    kind: str
    phone: str | None
    follow_up_on: date | None
    url: str
    at: str | None = None  # an appointment's local time, "12:20"


@dataclass(frozen=True)
class Digest:
    day: date
    calls: list[Line]  # follow-ups due today or overdue, and call requests not yet dated
    new: list[Line]  # every request since the last digest
    more_new: int  # requests since the last digest beyond MAX_NEW
    appointments: list[Line]  # today's booked moments, with their time


def todays_appointments(day: date) -> list[Line]:
    """The moments booked for `day` (the practice's day), earliest first: never the complaint."""
    zone = current_app.config["LEADGEN_TZ"]
    start = datetime.combine(day, datetime.min.time(), tzinfo=zone)
    rows = db.session.execute(
        select(Appointment, Lead)
        .join(Lead, Appointment.lead_id == Lead.id)
        .where(
            Appointment.status == "geboekt",
            Appointment.starts_at >= start.astimezone(UTC),
            Appointment.starts_at < (start + timedelta(days=1)).astimezone(UTC),
        )
        .order_by(Appointment.starts_at)
    ).all()
    return [
        replace(
            _line(lead),
            kind=appointment.kind,
            follow_up_on=None,
            at=appointment.starts_at.astimezone(zone).strftime("%H:%M"),
        )
        for appointment, lead in rows
    ]


def _line(lead: Lead) -> Line:
    url = links.external("admin.lead", lead_id=lead.id)
    return Line(lead.id, lead.name, lead.kind, lead.phone, lead.follow_up_on, url)


def gather(day: date, since: datetime, until: datetime) -> Digest:
    """What the digest of `day` says; requests counted from `since` up to `until`."""
    due = queries.due_today(day)
    calls = [_line(lead) for lead in [*due.follow_ups, *due.new_requests]]
    window = (Lead.last_requested_at > since, Lead.last_requested_at <= until)
    new = db.session.execute(
        select(Lead).where(*window).order_by(Lead.last_requested_at).limit(MAX_NEW)
    ).scalars()
    lines = [_line(lead) for lead in new]
    total = db.session.execute(select(func.count()).select_from(Lead).where(*window)).scalar()
    return Digest(day, calls, lines, max(0, (total or 0) - len(lines)), todays_appointments(day))


def queue_due(now: datetime) -> int:
    """The worker's schedule: queue the day's digest once LEADGEN_DIGEST_TIME has passed.

    One row per date (its primary key) is inserted with the mail, so however many workers run,
    one digest a day goes; a day the worker was down until past midnight gets none, and the
    next one covers its requests.
    """
    config = current_app.config
    at = config["LEADGEN_DIGEST"]
    local = now.astimezone(config["LEADGEN_TZ"])
    if at is None or local.time() < at:
        return 0
    day = local.date()
    begin_read()
    done = db.session.get(StaffDigest, day) is not None
    last = db.session.execute(select(func.max(StaffDigest.queued_at))).scalar()
    if done:
        db.session.rollback()
        return 0
    digest = gather(day, last or now - timedelta(days=1), now)
    draft = _draft(digest)
    db.session.rollback()
    try:
        db.session.add(StaffDigest(day=day, queued_at=now))
        mail = draft.store(None)
        mail.next_attempt_at = now  # due in this very pass, also under `mail send --now`
        db.session.commit()
    except IntegrityError:  # another worker queued today's
        db.session.rollback()
        return 0
    return 1


def _draft(digest: Digest) -> messages.Draft:
    """Render the digest, in the practice's language."""
    with force_locale(i18n.DEFAULT):
        subject = _(
            "Vandaag: %(calls)s keer bellen, %(new)s nieuwe aanvragen",
            calls=len(digest.calls),
            new=len(digest.new) + digest.more_new,
        )
        return messages.render(
            None,
            "staff_digest",
            current_app.config["LEADGEN_STAFF_EMAIL"],
            subject,
            i18n.DEFAULT,
            digest=digest,
            today_url=links.external("admin.today"),
        )
