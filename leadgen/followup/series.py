"""The series' rules: who is in it, when each mail is due, why it stops; queueing each mail once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from leadgen import i18n
from leadgen.extensions import begin_read, db
from leadgen.followup import mails
from leadgen.followup.rules import STOP_LABELS, stop_rules
from leadgen.models import (
    Lead,
    OutboxMail,
    SeriesMail,
    SeriesStop,
    UTCDateTime,
    utcnow,
)

#: Two series mails to one person are at least this far apart, also when catching up.
GAP = timedelta(days=1)
#: A series not finished this many days after its last mail's day is left as it is: starting the
#: series (or ending an outage) must not mail people who asked for the book months ago.
CATCH_UP_DAYS = 30


def _in_series() -> ColumnElement[bool]:
    """An e-book lead for which no stop rule holds."""
    return and_(Lead.kind == "ebook", ~or_(*stop_rules().values()))


def _days() -> tuple[int, ...]:
    return current_app.config["LEADGEN_FOLLOWUP"]


def _local_day(moment: datetime) -> date:
    return moment.astimezone(current_app.config["LEADGEN_TZ"]).date()


def due_at(requested: datetime, step: int, last: datetime | None) -> datetime:
    """When mail `step` is due: its day after the request, and a day after the previous one."""
    at = requested + timedelta(days=_days()[step - 1])
    return max(at, last + GAP) if last is not None else at


@dataclass(frozen=True)
class _Due:
    lead: Lead  # a stand-in with the values the mail needs, never added to the session
    step: int


def _last(column):
    """The lead's highest `column` among its series mails (an index lookup per lead)."""
    return select(func.max(column)).where(SeriesMail.lead_id == Lead.id).scalar_subquery()


def due(now: datetime) -> list[_Due]:
    """The leads whose next series mail is due at `now`: each with the earliest missing step."""
    days = _days()
    if not days:
        return []
    last_step = _last(SeriesMail.step)
    begin_read()
    rows = db.session.execute(
        select(
            Lead.id,
            Lead.name,
            Lead.email,
            Lead.secret,
            Lead.created_at,
            last_step.label("step"),
            _last(SeriesMail.queued_at).label("at"),
        )
        .where(
            Lead.kind == "ebook",
            Lead.created_at <= now - timedelta(days=days[0]),
            Lead.created_at > now - timedelta(days=days[-1] + CATCH_UP_DAYS),
            # The next mail's day has come (cheap, so most leads never reach the stop rules);
            # the day after the previous mail is checked below.
            Lead.created_at
            <= case(
                {step: now - timedelta(days=day) for step, day in enumerate(days)},
                value=func.coalesce(last_step, 0),
                else_=None,
            ),
            _in_series(),
        )
        .order_by(Lead.id)
    ).all()
    db.session.rollback()
    found = []
    for row in rows:
        step = (row.step or 0) + 1
        if due_at(row.created_at, step, row.at) <= now:
            lead = Lead(id=row.id, kind="ebook", name=row.name, email=row.email, secret=row.secret)
            found.append(_Due(lead, step))
    return found


def queue_due(now: datetime) -> int:
    """The worker's schedule: withdraw mails of stopped series, queue what is due; how many."""
    withdraw_stopped(now)
    return sum(queue(item.lead, item.step, now) for item in due(now))


def queue(lead: Lead, step: int, now: datetime) -> bool:
    """Queue series mail `step` for `lead` in one transaction; False when it may not go.

    The row that claims the step is inserted only while the lead is still in the series (read
    in the same statement), and the database refuses a second row for the step or the day, so
    two workers, or a pass that repeats, queue it once.
    """
    draft = mails.draft(lead, step, _language(lead.id))  # rendered before the write lock
    claim = select(
        Lead.id,
        literal(step),
        literal(_local_day(now)),
        literal(now, UTCDateTime()),
    ).where(Lead.id == lead.id, _in_series())
    try:
        inserted = db.session.execute(
            insert(SeriesMail).from_select(["lead_id", "step", "day", "queued_at"], claim)
        ).rowcount
        if inserted:
            # Queued at the pass's moment and due from it: a pass run for a given `now` (the
            # tests' days; a worker's clock) sends what it queues, whatever the wall clock says.
            row = draft.row(lead.id) | {"created_at": now, "next_attempt_at": now}
            db.session.execute(insert(OutboxMail), [row])
        db.session.commit()
    except IntegrityError:  # another worker queued it, or a mail went to this lead today
        db.session.rollback()
        return False
    return bool(inserted)


def _language(lead_id: int) -> str:
    """The language the lead asked in: that of its last e-book mail (Dutch when unknown)."""
    begin_read()
    headers = db.session.execute(
        select(OutboxMail.headers)
        .where(OutboxMail.lead_id == lead_id, OutboxMail.template == "ebook_link")
        .order_by(OutboxMail.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    db.session.rollback()
    lang = (headers or {}).get("lang")
    return lang if lang in i18n.LANGUAGES else i18n.DEFAULT


def withdraw_stopped(now: datetime) -> int:
    """Mark series mails not yet sent as failed when their lead's series stopped meanwhile.

    A mail the server could not take waits in the outbox; the reader may unsubscribe before it
    goes. A mail a worker holds (its lease pushes the next attempt past `now`) is left alone.
    """
    waiting = (
        OutboxMail.status == "pending",
        OutboxMail.template.in_(mails.TEMPLATES),
        OutboxMail.next_attempt_at <= now,
        # From the few waiting mails to their leads, never through every lead.
        exists().where(Lead.id == OutboxMail.lead_id, or_(*stop_rules().values())),
    )
    begin_read()  # most passes find nothing: look before taking the write lock
    ids = db.session.execute(select(OutboxMail.id).where(*waiting)).scalars().all()
    db.session.rollback()
    if not ids:
        return 0
    withdrawn = db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.id.in_(ids), *waiting)
        .values(status="failed", last_error="Niet verstuurd: de opvolgreeks is gestopt.")
    ).rowcount
    db.session.commit()
    return withdrawn or 0


def stop(lead_id: int) -> bool:
    """Add staff's stop for this lead to the session (once); the caller audits and commits."""
    if db.session.get(SeriesStop, lead_id) is not None:
        return False
    db.session.add(SeriesStop(lead_id=lead_id))
    return True


@dataclass(frozen=True)
class Progress:
    """Where a lead is in the series, for its page."""

    sent: list[tuple[int, datetime]] = field(default_factory=list)  # (step, queued at)
    total: int = 0
    next_step: int | None = None
    next_at: datetime | None = None
    stopped: str | None = None  # a key of STOP_LABELS
    stopped_at: datetime | None = None
    can_stop: bool = False

    @property
    def stopped_label(self) -> str:
        return str(STOP_LABELS[self.stopped]) if self.stopped else ""


def progress(lead: Lead, now: datetime | None = None) -> Progress:
    """The lead's place in the series: mails sent with dates, the next and when, or why not."""
    now = now or utcnow()
    days = _days()
    rows = db.session.execute(
        select(SeriesMail.step, SeriesMail.queued_at)
        .where(SeriesMail.lead_id == lead.id)
        .order_by(SeriesMail.step)
    ).all()
    sent = [(row.step, row.queued_at) for row in rows]
    base = {"sent": sent, "total": len(days)}
    reason, when = _stop_reason(lead)
    if reason is not None:
        return Progress(**base, stopped=reason, stopped_at=when)
    if not days:
        return Progress(**base, stopped="off")
    if len(sent) >= len(days):
        return Progress(**base, stopped="done")
    step = len(sent) + 1
    at = due_at(lead.created_at, step, sent[-1][1] if sent else None)
    if lead.created_at <= now - timedelta(days=days[-1] + CATCH_UP_DAYS):
        return Progress(**base, stopped="too_late")
    return Progress(**base, next_step=step, next_at=at, can_stop=True)


def _stop_reason(lead: Lead) -> tuple[str | None, datetime | None]:
    """The first stop rule that holds for `lead`, refined for staff and consent, with its time."""
    holds = (
        name
        for name, rule in stop_rules().items()
        if db.session.execute(select(rule).where(Lead.id == lead.id)).scalar()
    )
    reason = next(holds, None)
    if reason == "staff":
        return reason, db.session.get(SeriesStop, lead.id).at
    if reason == "consent":
        withdrawn = [c.withdrawn_at for c in lead.consents if c.purpose == "newsletter"]
        if withdrawn and all(withdrawn):
            return "withdrawn", max(withdrawn)
        return "no_newsletter", None
    return reason, None
