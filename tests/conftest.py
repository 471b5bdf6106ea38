"""Fixtures: an app per test on a fresh database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from leadgen import create_app
from leadgen.extensions import db
from leadgen.models import Lead

PG_URL = os.environ.get("LEADGEN_TEST_DATABASE_URL", "")
IN_CI = os.environ.get("CI", "").lower() == "true"
# Fixtures for every folder of tests: factories (staff, leads, mails) and the browser tests'
# live servers, Chromium and axe-core.
pytest_plugins = ["tests.factories", "tests.browser"]
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


def pytest_report_header(config):
    missing = "" if PG_URL else " (PostgreSQL skipped: set LEADGEN_TEST_DATABASE_URL to include it)"
    return f"leadgen databases: {', '.join(BACKENDS)}{missing}"


def pytest_sessionstart(session):
    if IN_CI and not PG_URL:
        pytest.exit("CI=true but LEADGEN_TEST_DATABASE_URL is not set: PostgreSQL is required", 2)


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory) -> str:
    """One instance folder for the session, so the e-book body is rendered once."""
    return str(tmp_path_factory.mktemp("instance"))


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A database of our own on the PostgreSQL server, so parallel runs never meet."""
    name = f"leadgen_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


SECRET_KEY = "test-secret-key-that-is-long-enough"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def base_config(database_url: str, instance_dir: str) -> dict:
    return {
        "TESTING": True,
        "INSTANCE_PATH": instance_dir,
        "SECRET_KEY": SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "LEADGEN_BASE_URL": "http://localhost",
        "LEADGEN_MIN_FILL_SECONDS": 0,
        "LEADGEN_RATE_LIMIT_FORM": "1000 per minute",
        "LEADGEN_RATE_LIMIT_EMAIL": "1000 per minute",
        "RATELIMIT_STORAGE_URI": "leadgen-memory://",
        # Counts written in the request, so a test reads them at once; tests/test_tally.py and
        # tests/leads/test_download_counts.py cover the background writer.
        "LEADGEN_COUNT_FLUSH_SECONDS": 0,
        # The morning digest would join any pass after 08:00 by the real clock; its tests ask
        # for it (tests/admin/test_digest.py).
        "LEADGEN_DIGEST_TIME": "",
    }


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return request.getfixturevalue("pg_database")


@pytest.fixture(scope="session")
def sqlite_schema(tmp_path_factory, instance_dir) -> Path:
    """An SQLite file with the empty schema, made once: a copy is quicker than `create_all`."""
    path = tmp_path_factory.mktemp("schema") / "schema.db"
    app = create_app(base_config(f"sqlite:///{path}", instance_dir))
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return path


@pytest.fixture
def make_app(request, database_url, instance_dir) -> Iterator[Callable[..., Flask]]:
    """Return `make_app(**overrides)`: an app on this test's fresh database."""
    made: list[Flask] = []

    def make(**overrides) -> Flask:
        config = base_config(database_url, instance_dir) | overrides
        file = Path(database_url.removeprefix("sqlite:///"))
        if config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{file}" and not file.exists():
            shutil.copyfile(request.getfixturevalue("sqlite_schema"), file)
        app = create_app(config)
        with app.app_context():
            db.create_all()  # only checks, on a copy of the schema
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            if db.engine.dialect.name == "postgresql":
                db.drop_all()
            db.engine.dispose()


@pytest.fixture
def app(make_app) -> Flask:
    return make_app()


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


TOKEN = re.compile(r'name="form_token" type="hidden" value="([^"]+)"')


def form_token(client: FlaskClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    match = TOKEN.search(page.get_data(as_text=True))
    assert match, "form_token missing from the form"
    return match.group(1)


EBOOK_FIELDS = {"name": "Anna de Vries", "email": "anna@example.nl", "privacy": "y"}
ADVIES_FIELDS = {
    "name": "Piet Jansen",
    "email": "piet@example.nl",
    "phone": "06 12345678",
    "kind": "adviesgesprek",
    "privacy": "y",
}


@pytest.fixture
def submit(client) -> Callable:
    """Return `submit(path, **fields)`: fetch the form, then post it with a fresh token."""

    def post(path: str = "/ebook", defaults: dict | None = None, headers=None, **fields):
        base = (
            defaults
            if defaults is not None
            else (ADVIES_FIELDS if path.endswith("advies") else EBOOK_FIELDS)
        )
        data = base | {"form_token": form_token(client, path)} | fields
        data = {key: value for key, value in data.items() if value is not None}
        return client.post(path, data=data, headers=headers or {})

    return post


@pytest.fixture
def leads(app) -> Callable[[], list[Lead]]:
    def read() -> list[Lead]:
        with app.app_context():
            return list(db.session.execute(db.select(Lead).order_by(Lead.id)).scalars())

    return read


@contextmanager
def listening(app: Flask, name: str, listener: Callable) -> Iterator[None]:
    """`listener` on the app's engine for SQLAlchemy's event `name`, while the block runs."""
    with app.app_context():
        engine = db.engine
    event.listen(engine, name, listener)
    try:
        yield
    finally:
        event.remove(engine, name, listener)


def statements_sent(app: Flask, action: Callable[[], object]) -> list[str]:
    """The SQL that `action` sends through the app's engine, in order, whitespace folded."""
    sent: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        sent.append(" ".join(statement.split()))

    with listening(app, "before_cursor_execute", record):
        action()
    return sent
