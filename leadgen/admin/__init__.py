"""Staff admin: login, lead follow-up, dashboard, export, erasure, retention and the audit log."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the admin blueprint (agenda included), the calendar feed, its template filters,
    the `users` and `leads` commands and the morning digest's schedule in the mail worker."""
    from leadgen.admin import (
        agenda,
        agenda_views,  # noqa: F401 -- its routes join views.bp before it is registered
        auth,
        cli,
        digest,
        feed,
        formats,
        funnel,  # noqa: F401 -- its routes join views.bp before it is registered
        views,
    )
    from leadgen.mail import hooks

    auth.init_login(app)
    app.register_blueprint(views.bp)
    # The calendar feed is outside /admin: a calendar app has no login, the secret is the key.
    app.register_blueprint(feed.bp)
    app.add_template_filter(formats.nl_date, "nl_date")
    app.add_template_filter(formats.nl_datetime, "nl_datetime")
    app.add_template_filter(formats.nl_phone, "nl_phone")
    app.add_template_filter(formats.short_page, "short_page")
    app.add_template_filter(formats.percent, "percent")
    app.add_template_filter(agenda.time_of_day, "time_of_day")
    app.add_template_filter(agenda.weekday, "weekday")
    app.add_template_filter(agenda.day_param, "agenda_day")
    app.cli.add_command(cli.users_cli)
    app.cli.add_command(cli.leads_cli)
    hooks.when_due(app, "digest", digest.queue_due)
