"""`flask mail ...`: deliver the outbox once, or keep delivering beside the web server."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import AppGroup

from leadgen.mail import outbox

cli = AppGroup("mail", help="De uitgaande mail versturen.")


@cli.command("send")
@click.option("--loop", is_flag=True, help="Blijf draaien tot SIGTERM of Ctrl+C.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=2.0,
    show_default=True,
    help="Seconden tussen twee rondes (met --loop).",
)
@click.option(
    "--now",
    "now",
    type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M%z", "%Y-%m-%d"]),
    default=None,
    help="Beslis wat klaarstaat alsof het nu dit moment is (ISO 8601, bv. 2026-12-03T08:00:00Z).",
)
def send_command(loop: bool, interval: float, now: datetime | None) -> None:
    """Verstuur de mail die klaarstaat en stop, of blijf met --loop versturen."""
    if loop and now is not None:
        raise click.UsageError("--now en --loop gaan niet samen: de lus volgt de echte klok.")
    click.echo(f"Mail gaat {_destination()}.")
    if not loop:
        click.echo(_summary(outbox.send_due(now=_as_utc(now) if now else None)))
        return
    click.echo(f"Mailworker draait; kijkt elke {interval:g} s of er mail klaarstaat.")
    with _stop_on_signals() as stop:
        outbox.run(interval, stop, lambda report: click.echo(_summary(report, stamp=True)))
    click.echo("Mailworker gestopt.")


def _destination() -> str:
    smtp = current_app.config["LEADGEN_SMTP"]  # parsed and checked at start (leadgen/config.py)
    if smtp is None:
        return f"als .eml-bestand naar {current_app.instance_path}/mail/"
    return f"via {smtp.scheme}://{smtp.host}:{smtp.port}"


def _as_utc(moment: datetime) -> datetime:
    """A moment without an offset is UTC (a date alone is its midnight, UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _summary(report: outbox.Report, stamp: bool = False) -> str:
    line = f"Verstuurd: {report.sent}, later opnieuw: {report.retrying}, mislukt: {report.failed}."
    if report.queued:
        line = f"Klaargezet: {report.queued}. {line}"
    return f"{datetime.now():%H:%M:%S} {line}" if stamp else line


@contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGTERM or SIGINT, so the current mail is finished before we stop."""
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
