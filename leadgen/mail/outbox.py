"""The outbox worker: claim due mails, send them outside any transaction, record the outcome."""

from __future__ import annotations

import smtplib
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import update

from leadgen.extensions import begin_read, db
from leadgen.mail import hooks
from leadgen.mail.messages import NotRendered, build_message
from leadgen.mail.transport import Transport, transport_for
from leadgen.models import OutboxMail, utcnow

# Wait before attempt 2, 3, … 6; a mail that fails its 6th attempt is marked failed (~8.5 h in).
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# A claimed row is hidden from other workers this long. One mail is a handful of SMTP commands
# of at most 10 s each, so a lease that runs out means the worker died, and the mail is retried.
LEASE = timedelta(minutes=5)


@dataclass
class Report:
    """What one pass did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    queued: int = 0  # put in the outbox by the schedules (mail.hooks.when_due) this pass

    def __bool__(self) -> bool:
        return bool(self.sent or self.retrying or self.failed or self.queued)


@dataclass(frozen=True)
class Claim:
    """A row this worker holds the lease on, with its message already built."""

    id: int
    attempts: int
    message: EmailMessage | None
    error: str | None = None  # set when the message could not be built
    retry: bool = False  # ... and building it may work on a later attempt
    # What the features asked for before this mail goes (mail.hooks), run outside the claim.
    prepare: tuple[Callable[[], object], ...] = ()


class Unreachable(Exception):
    """The mail server could not be reached; stop this pass, the rest waits for the next."""


def send_due(
    transport: Transport | None = None,
    now: datetime | None = None,
    stop: threading.Event | None = None,
    limit: int | None = None,
) -> Report:
    """Send every mail that is due, one claim at a time; `now` fixes the clock in tests."""
    clock: Callable[[], datetime] = (lambda: now) if now is not None else utcnow
    transport = transport or transport_for(current_app.config, current_app.instance_path)
    report = Report(queued=hooks.queue_due(clock()))
    handled = 0
    try:
        while not (stop and stop.is_set()) and (limit is None or handled < limit):
            handled += 1
            claim = claim_next(clock())
            if claim is None:
                break
            _prepare(claim)
            try:
                outcome = _deliver(transport, claim)
            except Unreachable as exc:
                _record(claim, str(exc), permanent=False, at=clock(), report=report)
                break
            permanent, error = outcome
            _record(claim, error, permanent=permanent, at=clock(), report=report)
    finally:
        transport.close()
    return report


def claim_next(at: datetime) -> Claim | None:
    """Take the lease on the next due mail, in a transaction of its own.

    PostgreSQL: `FOR UPDATE SKIP LOCKED` lets workers pass each other's rows; SQLite ignores
    it, but every transaction there starts with BEGIN IMMEDIATE, so claims run one by one.
    Pushing `next_attempt_at` past the lease is what keeps the row ours after the commit.
    """
    try:
        mail = db.session.execute(
            db.select(OutboxMail)
            .where(OutboxMail.status == "pending", OutboxMail.next_attempt_at <= at)
            .order_by(OutboxMail.next_attempt_at, OutboxMail.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).scalar_one_or_none()
        if mail is None:
            db.session.rollback()
            return None
        if mail.attempts >= MAX_ATTEMPTS:  # a worker died mid-send too often
            mail.status = "failed"
            mail.last_error = mail.last_error or "Te vaak geprobeerd zonder uitslag."
            db.session.commit()
            return claim_next(at)
        mail.attempts += 1
        mail.next_attempt_at = at + LEASE
        claim = Claim(mail.id, mail.attempts, None, prepare=hooks.work_for(mail))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return _built(claim, mail)


def _built(claim: Claim, mail: OutboxMail) -> Claim:
    """The claim with its message, built once the lease is committed.

    A mail stored without bodies is rendered here (mail/messages.py, `bodies`): in a plain read,
    so on SQLite no write lock is held through the template work.
    """
    begin_read()
    try:
        return replace(claim, message=build_message(mail, current_app.config))
    except NotRendered as exc:
        return replace(claim, error=f"Bericht kon niet worden opgesteld: {exc}", prepare=())
    except ValueError as exc:
        return replace(claim, error=f"Onveilige kopregel: {exc}", prepare=())
    except Exception as exc:  # e.g. a template error: a fix may come, so try again later
        current_app.logger.exception("mail %s: could not be built", claim.id)
        error = _describe("Bericht kon niet worden opgesteld", exc)
        return replace(claim, error=error, retry=True, prepare=())
    finally:
        db.session.rollback()  # end the read


def _prepare(claim: Claim) -> None:
    """Run the hooks' work for this mail; a failing one is logged, and the mail still goes."""
    for work in claim.prepare:
        try:
            work()
        except Exception:  # e.g. a personal copy the download will then make itself
            current_app.logger.exception("mail %s: a before-send hook failed", claim.id)


def _deliver(transport: Transport, claim: Claim) -> tuple[bool, str | None]:
    """Send one message; return (permanent, error). No transaction is open while this runs.

    Only trouble with the server itself raises Unreachable and ends the pass; whatever concerns
    this one message (its recipient, its content, an extension it needs) is recorded on it, so
    the other mails still go.
    """
    if claim.message is None:
        return not claim.retry, claim.error
    try:
        transport.send(claim.message)
    except smtplib.SMTPRecipientsRefused as exc:
        permanent = all(code >= 500 for code, _ in exc.recipients.values())
        return permanent, _describe("Ontvanger geweigerd door de mailserver", exc)
    except smtplib.SMTPDataError as exc:
        return exc.smtp_code >= 500, _describe("Bericht geweigerd door de mailserver", exc)
    except smtplib.SMTPNotSupportedError as exc:
        # e.g. an address in Unicode to a server without SMTPUTF8: it will not learn it by retrying.
        return True, _describe("De mailserver kan dit bericht niet aannemen", exc)
    except (OSError, smtplib.SMTPException) as exc:
        # Connection, TLS, login or a refused sender: nothing to do with this one mail.
        raise Unreachable(_describe("Mailserver onbereikbaar of weigert ons", exc)) from exc
    except (UnicodeError, ValueError) as exc:
        return True, _describe("Bericht kon niet worden verstuurd", exc)
    except Exception as exc:  # unforeseen, and this message's: retry it, let the rest go
        current_app.logger.exception("mail %s: unexpected error while sending", claim.id)
        return False, _describe("Onverwachte fout bij het versturen", exc)
    return False, None


def _describe(reason: str, exc: BaseException) -> str:
    return f"{reason}: {type(exc).__name__}: {exc}"[:1000]


def _record(claim: Claim, error: str | None, permanent: bool, at: datetime, report: Report) -> None:
    if error is None:
        values = {"status": "sent", "sent_at": at, "last_error": None, "next_attempt_at": at}
        report.sent += 1
    elif permanent or claim.attempts >= MAX_ATTEMPTS:
        values = {"status": "failed", "last_error": error, "next_attempt_at": at}
        report.failed += 1
        current_app.logger.warning("mail %s failed for good: %s", claim.id, error)
    else:
        values = {"last_error": error, "next_attempt_at": at + BACKOFF[claim.attempts - 1]}
        report.retrying += 1
        current_app.logger.warning("mail %s will be retried: %s", claim.id, error)
    try:
        db.session.execute(
            update(OutboxMail)
            .where(OutboxMail.id == claim.id, OutboxMail.status == "pending")
            .values(**values)
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def run(interval: float, stop: threading.Event, on_report: Callable[[Report], None]) -> None:
    """Send what is due every `interval` seconds until `stop` is set; survive a failing pass."""
    while not stop.is_set():
        try:
            report = send_due(stop=stop)
        except Exception:  # e.g. the database restarting: log it and try again next pass
            current_app.logger.exception("mail: pass failed")
            db.session.rollback()
        else:
            if report:
                on_report(report)
        finally:
            db.session.remove()
        stop.wait(interval)
