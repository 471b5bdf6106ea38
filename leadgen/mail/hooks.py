"""Work other features ask the outbox worker to do before it sends a mail of a given template."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app

from leadgen.models import OutboxMail

# Called with the claimed row while its claim is open (read what you need from it, quickly);
# returns the work to do once the claim is committed and before the mail goes, or None.
Prepare = Callable[[OutboxMail], Callable[[], object] | None]

_KEY = "leadgen.mail.before_send"


def before_send(app: Flask, template: str, prepare: Prepare) -> None:
    """Have the worker run `prepare` for every mail of `template`, before sending it."""
    app.extensions.setdefault(_KEY, {}).setdefault(template, []).append(prepare)


def work_for(mail: OutboxMail) -> tuple[Callable[[], object], ...]:
    """What to do before sending `mail`, gathered from the hooks of its template."""
    hooks = current_app.extensions.get(_KEY, {}).get(mail.template, [])
    return tuple(work for work in (hook(mail) for hook in hooks) if work is not None)
