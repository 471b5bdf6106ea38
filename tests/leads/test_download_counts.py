"""Download counts waiting in memory (LEADGEN_COUNT_FLUSH_SECONDS) and written in the background."""

from __future__ import annotations

import sqlite3

import pytest

from leadgen import tally
from leadgen.admin import service as admin
from leadgen.extensions import db
from leadgen.models import DownloadEvent, Lead

# Long enough that the background writer never runs during a test: each test writes by hand.
LATER = 3600


@pytest.fixture
def app(make_app):
    return make_app(LEADGEN_COUNT_FLUSH_SECONDS=LATER)


def _download(client, submit, name: str) -> str:
    token = submit(name=name, email=f"{name.split()[0].lower()}@example.nl").location.split("t=")[1]
    response = client.get(f"/download/{token}")
    assert response.status_code == 200
    response.close()
    return token


def _downloads(app) -> dict[str, tuple[int, int]]:
    """{name: (download_count, download events)} of every lead."""
    with app.app_context():
        rows = db.session.execute(db.select(Lead.name, Lead.download_count, Lead.id)).all()
        return {
            name: (count, db.session.query(DownloadEvent).filter_by(lead_id=lead_id).count())
            for name, count, lead_id in rows
        }


def _tally(app) -> tally.Tally:
    return app.extensions["leadgen.tally.downloads"]


def test_a_download_waits_in_memory_and_is_written_with_the_others(app, client, submit):
    token = _download(client, submit, "Anna de Vries")
    client.get(f"/download/{token}").close()
    _download(client, submit, "Bert Visser")
    assert _downloads(app) == {"Anna de Vries": (0, 0), "Bert Visser": (0, 0)}
    assert _tally(app).pending() == 3

    assert tally.flush_all() >= 3
    assert _downloads(app) == {"Anna de Vries": (2, 2), "Bert Visser": (1, 1)}
    with app.app_context():
        last = db.session.execute(
            db.select(Lead.last_downloaded_at).where(Lead.name == "Anna de Vries")
        ).scalar_one()
        first_event, second_event = (
            db.session.execute(db.select(DownloadEvent.at).order_by(DownloadEvent.at))
            .scalars()
            .all()[:2]
        )
    assert last == second_event and first_event <= second_event
    assert _tally(app).pending() == 0


def test_a_lead_erased_before_the_write_is_passed_over(app, client, submit):
    _download(client, submit, "Anna de Vries")
    _download(client, submit, "Bert Visser")
    with app.app_context():
        anna = db.session.execute(db.select(Lead).where(Lead.name == "Anna de Vries")).scalar_one()
        admin.erase_lead(anna.id, None)
    assert _tally(app).flush() == 2
    assert _downloads(app) == {"Bert Visser": (1, 1)}


def test_counts_wait_while_the_database_is_locked(app, client, submit):
    _download(client, submit, "Anna de Vries")
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the write lock is SQLite's")
        path = db.engine.url.database
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    try:
        with app.test_request_context():  # a request's short busy wait (3 s), not the CLI's
            assert _tally(app).flush() == 0
        assert _tally(app).pending() == 1
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert _tally(app).flush() == 1
    assert _downloads(app) == {"Anna de Vries": (1, 1)}
