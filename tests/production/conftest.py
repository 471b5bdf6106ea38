"""Fixtures for production tests: leadgen under a real gunicorn on loopback, and plain HTTP."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask import Flask

from leadgen import tokens
from leadgen.extensions import db
from leadgen.models import Consent, Lead, OutboxMail
from tests.conftest import IN_CI, SECRET_KEY, free_port

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
REDIS_URL = os.environ.get("LEADGEN_TEST_REDIS_URL", "")


@dataclass
class Server:
    port: int
    proc: subprocess.Popen
    log: Path

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        """The pids of the gunicorn workers (children of the master we started)."""
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:
                pids.append(int(stat.parent.name))
        return pids


def server_env(database_url: str, instance_dir: str, port: int, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADGEN_")}
    env.update(
        PYTHONPATH=str(ROOT),
        LEADGEN_DATABASE_URL=database_url,
        LEADGEN_SECRET_KEY=SECRET_KEY,
        LEADGEN_INSTANCE_PATH=instance_dir,
        LEADGEN_BASE_URL=f"http://127.0.0.1:{port}",
        LEADGEN_MIN_FILL_SECONDS="0",
        LEADGEN_RATE_LIMIT_FORM="100000 per minute",
        LEADGEN_RATE_LIMIT_EMAIL="100000 per minute",
        LEADGEN_BIND=f"127.0.0.1:{port}",
        LEADGEN_WORKERS="2",
        LEADGEN_ACCESS_LOG="",
        LEADGEN_LOG_LEVEL="warning",
    )
    env.update(extra)
    return env


@pytest.fixture
def serve(tmp_path, database_url, instance_dir) -> Iterator[Callable[..., Server]]:
    """Return `serve(**env)`: leadgen under gunicorn (deploy/gunicorn.conf.py) on this database.

    The schema comes from the test app (`make_app`), so call that first. The server runs in
    tmp_path, so no `.env` of the developer's is read.
    """
    started: list[Server] = []

    def start(port: int | None = None, **extra: str) -> Server:
        port = port or free_port()
        env = server_env(database_url, instance_dir, port, **extra)
        log = tmp_path / f"gunicorn-{port}.log"
        with log.open("wb") as output:
            proc = subprocess.Popen(  # noqa: S603 -- fixed arguments
                [str(GUNICORN), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "wsgi:app"],
                cwd=tmp_path,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = Server(port, proc, log)
        started.append(server)
        deadline = time.monotonic() + 60
        while request(server.port, "GET", "/healthz")[0] != 200:
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.1)
        return server

    yield start
    for server in started:
        if server.proc.poll() is None:
            os.killpg(server.proc.pid, signal.SIGTERM)
        try:
            server.proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.proc.pid, signal.SIGKILL)
            server.proc.wait()


def request(
    port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None
) -> tuple[int | None, dict[str, str], bytes]:
    """One request on a fresh connection; status None when the connection broke."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        answer = conn.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    except (OSError, http.client.HTTPException):
        return None, {}, b""
    finally:
        conn.close()


def post_form(port: int, path: str, fields: dict, origin: str | None = None):
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    headers["Origin"] = origin or f"http://127.0.0.1:{port}"
    return request(port, "POST", path, urlencode(fields).encode(), headers)


def issue_tokens(app: Flask, form_name: str, count: int) -> list[str]:
    with app.app_context():
        return [tokens.issue_form_token(form_name) for _ in range(count)]


def download_token(location: str) -> str:
    return parse_qs(urlsplit(location).query).get("t", [""])[0]


def stored(app: Flask) -> dict[str, dict]:
    """Every lead by e-mail, with its request count, consent purposes and number of mails."""
    with app.app_context():
        leads = db.session.execute(db.select(Lead)).scalars().all()
        out = {}
        for lead in leads:
            out[lead.email] = {
                "requests": lead.request_count,
                "consents": {c.purpose for c in lead.consents},
                "mails": len(lead.mails),
            }
        db.session.remove()
        return out


def totals(app: Flask) -> tuple[int, int, int]:
    """(leads, consents, outbox mails) in the database."""
    with app.app_context():
        count = db.func.count
        result = tuple(
            db.session.execute(db.select(count()).select_from(model)).scalar_one()
            for model in (Lead, Consent, OutboxMail)
        )
        db.session.remove()
        return result


def require_redis() -> str:
    if not REDIS_URL:
        if IN_CI:
            pytest.fail("CI=true but LEADGEN_TEST_REDIS_URL is not set: Redis is required")
        pytest.skip("set LEADGEN_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15) to test Redis")
    return REDIS_URL
