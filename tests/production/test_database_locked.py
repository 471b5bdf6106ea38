"""SQLite locked by another writer: pages answer, a request gets the Dutch 503 soon, downloads work.

A migration, a large purge or a stuck process can hold SQLite's write lock. Each request used to
wait 15 s for it, so a few submissions filled every worker; now a request waits briefly, answers
503 with Retry-After and stores nothing, while the mail worker and CLI still wait patiently.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from sqlalchemy import false, text, update

from leadgen.extensions import db
from leadgen.models import Counter, DownloadEvent
from tests.conftest import ADVIES_FIELDS, EBOOK_FIELDS, form_token
from tests.production.conftest import totals

FRIENDLY = "Tijdelijk niet beschikbaar"


@pytest.fixture
def sqlite_app(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("the write lock of a database file is SQLite's")
    return app


@contextmanager
def locked(app) -> Iterator[None]:
    """Hold the database's write lock from another connection, as a long transaction would."""
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@pytest.fixture
def write_lock(sqlite_app) -> Iterator[None]:
    with locked(sqlite_app):
        yield


def test_form_pages_need_no_database(sqlite_app, write_lock):
    client = sqlite_app.test_client()
    for path in ("/", "/ebook", "/advies", "/embed/ebook", "/embed/advies", "/privacy"):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize(
    ("path", "fields"),
    [("/ebook", EBOOK_FIELDS), ("/advies", ADVIES_FIELDS), ("/embed/ebook", EBOOK_FIELDS)],
)
def test_a_submission_gets_503_with_retry_after_and_nothing_is_stored(sqlite_app, path, fields):
    client = sqlite_app.test_client()
    token = form_token(client, path)
    with locked(sqlite_app):
        response = client.post(path, data=fields | {"form_token": token})
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert FRIENDLY in response.get_data(as_text=True)
    assert totals(sqlite_app) == (0, 0, 0)


def test_a_download_is_served_when_its_count_cannot_be_written(sqlite_app, submit, leads):
    token = submit().headers["Location"].split("t=", 1)[1]
    with locked(sqlite_app):
        response = sqlite_app.test_client().get(f"/download/{token}")
        body = response.get_data()
        response.close()
    assert response.status_code == 200
    assert body.startswith(b"%PDF")
    [lead] = leads()
    assert lead.download_count == 0  # the count is lost, the visitor is not
    with sqlite_app.app_context():
        assert db.session.query(DownloadEvent).count() == 0


def test_requests_wait_briefly_and_the_worker_patiently(sqlite_app):
    """A request gives up on the lock within seconds; CLI commands (the mail worker) wait longer."""
    with sqlite_app.test_request_context("/ebook"):
        in_request = db.session.execute(text("PRAGMA busy_timeout")).scalar_one()
        db.session.remove()
    with sqlite_app.app_context():
        outside = db.session.execute(text("PRAGMA busy_timeout")).scalar_one()
        db.session.remove()
    assert in_request <= 3000 < outside


def test_the_health_check_reports_a_locked_database(sqlite_app, write_lock):
    response = sqlite_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["db"] == "error"


def test_a_request_behind_a_long_write_of_its_own_process_gets_503_then_the_next_one_goes(
    sqlite_app, submit, leads
):
    """Threads of one process queue for writing in turn; a wait past the limit is a 503 too."""
    client = sqlite_app.test_client()
    data = EBOOK_FIELDS | {"form_token": form_token(client, "/ebook")}
    with sqlite_app.test_request_context("/admin/"):  # another thread, in a write transaction
        db.session.execute(update(Counter).where(false()).values(value=Counter.value))
        with ThreadPoolExecutor(1) as pool:
            response = pool.submit(client.post, "/ebook", data=data).result()
        db.session.rollback()
    assert response.status_code == 503
    assert "Retry-After" in response.headers
    assert leads() == []
    assert submit().status_code == 303  # the failed turns left the queue open
    assert len(leads()) == 1
