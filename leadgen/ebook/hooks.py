"""The e-book's part in sending mail: a visitor's personal copy is ready before their link goes."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from leadgen.ebook import service
from leadgen.mail import hooks
from leadgen.models import OutboxMail


def init_app(app: Flask) -> None:
    """Ask the mail worker to lay out the copy before it sends an e-book link."""
    hooks.before_send(app, "ebook_link", prepare_copy)


def prepare_copy(mail: OutboxMail) -> Callable[[], object] | None:
    """The work of laying out the copy this mail links to, so the click only reads a file."""
    if mail.lead is None:
        return None
    owner, name = mail.lead.secret, mail.lead.name  # read now, while the claim holds the row
    return lambda: service.copy_for(owner, name)
