"""The follow-up series for e-book readers who confirmed the newsletter: rules, mails, schedule."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Have the mail worker queue the series mails that are due before each pass."""
    from leadgen.followup import series
    from leadgen.mail import hooks

    hooks.when_due(app, "followup", series.queue_due)
