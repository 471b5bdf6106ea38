"""Appointments: the visitor picks a free moment, moves or cancels it; mails and reminders."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the booking pages (cookieless, like every public form) and the reminders."""
    from leadgen.appointments import reminders, views
    from leadgen.extensions import csrf
    from leadgen.mail import hooks

    # The signed link in the address, the Origin check and the rate limit stand in for CSRF.
    csrf.exempt(views.bp)
    app.register_blueprint(views.bp)
    hooks.when_due(app, "appointments", reminders.queue_due)
