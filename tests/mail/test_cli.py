"""`flask mail send [--loop]` through the test runner, and the loop as `make run` starts it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from leadgen.config import ConfigError
from leadgen.extensions import db
from leadgen.mail import hooks, outbox
from leadgen.models import OutboxMail
from tests.factories import deliver, outbox_rows

ROOT = Path(__file__).resolve().parents[2]


def test_send_delivers_what_is_due_and_says_so(app, runner, smtp_server, submit):
    submit("/advies")
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert f"via smtp://127.0.0.1:{smtp_server.port}" in result.output
    assert "Verstuurd: 2, later opnieuw: 0, mislukt: 0." in result.output
    assert len(smtp_server.received) == 2


def test_send_without_smtp_names_the_mailbox(make_app, tmp_path):
    app = make_app(LEADGEN_SMTP_URL="", INSTANCE_PATH=str(tmp_path))
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert f"als .eml-bestand naar {tmp_path}/mail/" in result.output
    assert "Verstuurd: 0" in result.output


def test_a_wrong_smtp_url_stops_the_app_and_worker_at_start_with_one_line(make_app):
    with pytest.raises(ConfigError) as caught:
        make_app(LEADGEN_SMTP_URL="smtp://")
    assert str(caught.value) == (
        "LEADGEN_SMTP_URL names no host, e.g. smtp+starttls://mail.example.nl"
    )


def test_the_loop_reports_and_stops_when_asked(app, smtp_server, submit):
    submit()
    stop = threading.Event()
    reports: list[outbox.Report] = []

    def seen(report: outbox.Report) -> None:
        reports.append(report)
        stop.set()

    with app.app_context():
        outbox.run(0.05, stop, seen)
    assert [report.sent for report in reports] == [1]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_the_loop_as_make_run_starts_it(app, smtp_server, submit, database_url, tmp_path, sig):
    """`flask --app wsgi mail send --loop` delivers within seconds and stops cleanly."""
    env = os.environ | {
        "LEADGEN_DATABASE_URL": database_url,
        "LEADGEN_INSTANCE_PATH": str(tmp_path),
        "LEADGEN_SECRET_KEY": app.config["SECRET_KEY"],
        "LEADGEN_BASE_URL": app.config["LEADGEN_BASE_URL"],
        "LEADGEN_SMTP_URL": smtp_server.url,
        "LEADGEN_DIGEST_TIME": "",  # by the real clock it would join the count
    }
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "mail", "send", "--loop"]
    worker = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
        [*command, "--interval", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        submit("/advies")
        deadline = time.monotonic() + 20
        while len(smtp_server.received) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(smtp_server.received) == 2
        worker.send_signal(sig)
        output, _ = worker.communicate(timeout=15)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
    assert worker.returncode == 0, output
    assert "Verstuurd: 2, later opnieuw: 0, mislukt: 0." in output
    assert output.rstrip().endswith("Mailworker gestopt.")
    assert [row.status for row in outbox_rows(app)] == ["sent", "sent"]
    assert not deliver(app)


def _schedule_once_due_at(due: datetime):
    """A schedule that queues one mail once the clock reaches `due`, and only once."""
    queued: list[datetime] = []

    def schedule(now: datetime) -> int:
        if now < due or queued:
            return 0
        db.session.add(
            OutboxMail(
                template="test_due",
                to_addr="herinnering@example.nl",
                subject="Herinnering",
                body_text="Tot morgen.",
                body_html="<p>Tot morgen.</p>",
                headers={},
                message_id=f"<due-{len(queued)}@example.nl>",
                next_attempt_at=now,
            )
        )
        db.session.commit()
        queued.append(now)
        return 1

    return schedule, queued


def test_send_now_decides_what_is_due_as_if_it_were_that_moment(app, runner, smtp_server):
    schedule, queued = _schedule_once_due_at(datetime(2030, 1, 2, 8, tzinfo=UTC))
    hooks.when_due(app, "test", schedule)

    early = runner.invoke(args=["mail", "send", "--now", "2030-01-02T07:59:00+01:00"])
    assert early.exit_code == 0, early.output
    assert queued == [] and smtp_server.received == []

    due = runner.invoke(args=["mail", "send", "--now", "2030-01-02T09:00:00+01:00"])
    assert due.exit_code == 0, due.output
    assert queued == [datetime(2030, 1, 2, 8, tzinfo=UTC)]  # +01:00 read as such, kept in UTC
    assert "Klaargezet: 1. Verstuurd: 1" in due.output
    assert [mail.message["Subject"] for mail in smtp_server.received] == ["Herinnering"]


def test_send_now_refuses_what_is_not_a_moment_and_the_loop(app, runner):
    wrong = runner.invoke(args=["mail", "send", "--now", "morgen"])
    assert wrong.exit_code == 2 and "--now" in wrong.output
    both = runner.invoke(args=["mail", "send", "--loop", "--now", "2030-01-02"])
    assert both.exit_code == 2 and "--now en --loop gaan niet samen" in both.output


def test_a_failing_schedule_does_not_hold_up_the_mail(app, smtp_server, submit, caplog):
    def broken(now: datetime) -> int:
        raise RuntimeError("kapot")

    hooks.when_due(app, "broken", broken)
    submit()
    report = deliver(app)
    assert report.sent == 1 and report.queued == 0
    assert "schedule broken failed" in caplog.text
