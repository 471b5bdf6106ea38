"""What other features ask of the outbox worker.

- `before_send`: work to do before a mail of a given template goes (e.g. render the e-book copy).
- `when_due`: a schedule that puts mails in the outbox once their moment has come (a reminder,
  a series mail, a digest). The worker asks every schedule at the start of each pass, with the
  pass's clock, so `flask mail send --now ISO-TIME` decides what is due as if it were that moment.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Flask, current_app

from leadgen.extensions import db
from leadgen.models import OutboxMail

# Called with the claimed row while its claim is open (read what you need from it, quickly);
# returns the work to do once the claim is committed and before the mail goes, or None.
Prepare = Callable[[OutboxMail], Callable[[], object] | None]

_KEY = "leadgen.mail.before_send"

# Called with the pass's clock (UTC); queues what is due in its own transaction(s) and returns
# how many mails it queued. It must be safe to run from several workers at once (a unique key
# per mail, not a check in Python) and must never queue the same mail twice.
Schedule = Callable[[datetime], int]

_DUE = "leadgen.mail.when_due"


def before_send(app: Flask, template: str, prepare: Prepare) -> None:
    """Have the worker run `prepare` for every mail of `template`, before sending it."""
    app.extensions.setdefault(_KEY, {}).setdefault(template, []).append(prepare)


def work_for(mail: OutboxMail) -> tuple[Callable[[], object], ...]:
    """What to do before sending `mail`, gathered from the hooks of its template."""
    hooks = current_app.extensions.get(_KEY, {}).get(mail.template, [])
    return tuple(work for work in (hook(mail) for hook in hooks) if work is not None)


def when_due(app: Flask, name: str, schedule: Schedule) -> None:
    """Have the worker run `schedule` before each pass; `name` says whose it is in the logs."""
    app.extensions.setdefault(_DUE, {})[name] = schedule


def queue_due(now: datetime) -> int:
    """Run every schedule for `now`; one that fails is logged and the others still run."""
    queued = 0
    for name, schedule in current_app.extensions.get(_DUE, {}).items():
        try:
            queued += schedule(now)
        except Exception:
            current_app.logger.exception("mail: schedule %s failed", name)
            db.session.rollback()  # the session may be mid-transaction: end it
    return queued
