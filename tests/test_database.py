"""SQLite's per-connection settings are sent only when they change; a one-statement read is one."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError

from leadgen import database, driver, idle_ping
from leadgen.extensions import db
from leadgen.leads import downloads, service


@pytest.fixture
def statements(app):
    """Every statement SQLite runs for the app from here on, as SQLite's trace reports it.

    Connections are made afresh, with the trace on after leadgen's own connect settings.
    """
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        pytest.skip("the PRAGMAs and BEGIN IMMEDIATE are SQLite's")
    sent: list[str] = []

    def trace(dbapi_connection, _record) -> None:
        dbapi_connection.set_trace_callback(lambda sql: sent.append(" ".join(sql.split())))

    engine.dispose()
    event.listen(engine, "connect", trace)
    yield sent
    event.remove(engine, "connect", trace)
    engine.dispose()


def test_busy_timeout_is_sent_when_it_changes_only(app, statements):
    reading = {"leadgen_read": True}  # no BEGIN IMMEDIATE, whose tries turn it off and on
    with app.app_context():
        for _ in range(3):
            with db.engine.connect().execution_options(**reading) as connection:
                connection.execute(text("SELECT 1"))
        request = app.test_request_context("/")
        with request, db.engine.connect().execution_options(**reading) as connection:
            connection.execute(text("SELECT 1"))
        busy = [s for s in statements if s.startswith("PRAGMA busy_timeout")]
    # Set to the commands' 15 s on connecting (through the driver, unseen here), then once to
    # the request's shorter wait; not again for the same value.
    assert busy == [f"PRAGMA busy_timeout={database.SQLITE_BUSY_MS_REQUEST}"]


def test_synchronous_is_sent_when_the_level_changes_only(app, statements):
    with app.app_context():
        for options in ({}, {}, {database.RELAXED: True}, {}):
            with db.engine.connect().execution_options(**options) as connection:
                connection.execute(text("SELECT 1"))
                connection.commit()
    levels = [s for s in statements if s.startswith("PRAGMA synchronous")]
    # FULL on connecting (through the driver, unseen here), NORMAL for the relaxed write only.
    assert levels == ["PRAGMA synchronous=NORMAL", "PRAGMA synchronous=FULL"]
    assert statements.count("BEGIN IMMEDIATE") == 4


def test_a_first_row_read_sends_its_statement_alone(app, create_lead, statements):
    lead = create_lead(kind="ebook")
    with app.app_context():
        params, name = {"id": lead.id, "secret": lead.secret}, lead.name
        driver.first_row(db.engine, downloads.LINK_OWNER, params)  # the pool's first use
        statements.clear()
        assert driver.first_row(db.engine, downloads.LINK_OWNER, params) == (name,)
        assert driver.first_row(db.engine, downloads.LINK_OWNER, params | {"id": -1}) is None
    assert len(statements) == 2
    assert all(s.startswith("SELECT lead.name FROM lead WHERE") for s in statements)


def test_a_download_link_is_checked_in_one_statement(app, create_lead, statements):
    lead = create_lead(kind="ebook")
    with app.app_context():
        token = service.download_token(lead)
    with app.test_request_context("/"):
        downloads.lead_for_download(token)  # the pooled connection takes a request's wait once
        statements.clear()
        found = downloads.lead_for_download(token)
    assert found.lead_id == lead.id
    assert len(statements) == 1 and statements[0].startswith("SELECT lead.name")


def test_the_write_gate_stays_shut_until_the_commit_is_done(app, statements):
    """The next writer of this process must not start while the commit (and its fsync) runs.

    Opened any earlier, it meets SQLite's lock still held and sleeps in SQLite's busy handler
    (1, 2, 5 ms ...) while the lock soon lies free: lost time under every burst of writes.
    """
    from leadgen import write_gate

    with app.app_context():
        gate = write_gate.gate_of(db.engine)
        seen: list[tuple[str, bool]] = []
        with db.engine.connect() as connection:
            connection.connection.dbapi_connection.set_trace_callback(
                lambda sql: seen.append((sql.split()[0], gate.locked()))
            )
            connection.execute(text("CREATE TABLE IF NOT EXISTS gate_probe (x INTEGER)"))
            connection.execute(text("INSERT INTO gate_probe VALUES (1)"))
            connection.commit()
            connection.connection.dbapi_connection.set_trace_callback(None)
        assert gate.locked() is False
    assert ("COMMIT", True) in seen, seen


def test_a_first_row_read_leaves_its_connection_as_the_pool_gave_it(app, create_lead):
    lead = create_lead(kind="ebook")
    with app.app_context():
        params = {"id": lead.id, "secret": lead.secret}
        for _ in range(3):
            assert driver.first_row(db.engine, downloads.LINK_OWNER, params) == (lead.name,)
        pooled = db.engine.raw_connection()
        try:
            dbapi = pooled.driver_connection
            if db.engine.dialect.name == "postgresql":
                assert dbapi.autocommit is False  # the pool's connections run transactions
                assert dbapi.info.transaction_status.name == "IDLE"
            else:
                assert dbapi.in_transaction is False
        finally:
            pooled.close()


def test_a_driver_insert_stores_what_sqlalchemy_stores(app, create_lead):
    """Defaults, dates and JSON reach the table as SQLAlchemy's own execute would send them."""
    from sqlalchemy import insert

    from leadgen.models import OutboxMail

    lead = create_lead(kind="ebook")
    outbox = OutboxMail.__table__
    row = {
        "lead_id": lead.id,
        "template": "ebook_link",
        "to_addr": "anna@example.nl",
        "subject": "Je gids",
        "body_text": "Hoi Anna",
        "body_html": "<p>Hoi Anna</p>",
        "headers": {"X-Leadgen-Language": "nl", "List-Id": "<gids>"},
    }
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(insert(outbox), row | {"message_id": "<a@x>"})
        driver.insert(connection, insert(outbox), [row | {"message_id": "<b@x>"}])
        # As stored: the driver's own values, no SQLAlchemy type reading them back.
        found = connection.exec_driver_sql(
            "SELECT * FROM outbox_mail WHERE message_id IN ('<a@x>', '<b@x>') ORDER BY id"
        )
        names = list(found.keys())
        by_sqlalchemy, by_driver = (dict(zip(names, one, strict=True)) for one in found)
    moments = {"created_at", "next_attempt_at"}
    for name in names:
        if name in {"id", "message_id"}:
            continue
        expected, got = by_sqlalchemy[name], by_driver[name]
        if name in moments:  # made a moment apart: the same type and, as text, the same form
            assert type(got) is type(expected), name
            if isinstance(got, str):
                assert len(got) == len(expected) and got[:10] == expected[:10], (got, expected)
        else:
            assert got == expected, name


def test_a_writer_tries_again_for_the_lock_while_another_process_holds_it(app, statements):
    """Not asleep in SQLite's busy handler (1, 2, 5 ... 100 ms between tries), which misses a
    lock held for milliseconds: BEGIN IMMEDIATE is tried again every half millisecond."""
    import sqlite3
    import threading

    with app.app_context():
        path = db.engine.url.database
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        threading.Timer(0.2, other.execute, ["ROLLBACK"]).start()
        with app.test_request_context("/"), db.engine.connect() as connection:
            busy_inside = connection.execute(text("PRAGMA busy_timeout")).scalar_one()
            connection.execute(text("CREATE TABLE IF NOT EXISTS tries (x INTEGER)"))
            connection.commit()
        other.close()
    tries = statements.count("BEGIN IMMEDIATE")
    assert tries > 10, statements  # SQLite's handler: one statement, retried inside it
    # Off for the tries only: the transaction itself has the request's wait back.
    assert busy_inside == database.SQLITE_BUSY_MS_REQUEST
    assert statements[-1] == "COMMIT"


def test_a_writer_gives_up_when_its_patience_is_over(app, statements):
    import sqlite3

    from sqlalchemy.exc import OperationalError

    with app.app_context():
        other = sqlite3.connect(db.engine.url.database, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            with db.engine.connect() as connection:
                database._begin_immediate(connection, patience=0.05)
        except OperationalError as error:
            refused = error
        finally:
            other.execute("ROLLBACK")
            other.close()
    assert "locked" in str(refused)
    assert statements[-1] == f"PRAGMA busy_timeout={database.SQLITE_BUSY_MS_COMMAND}"


@pytest.fixture
def pg_engine(app):
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("the connection check is PostgreSQL's (SQLite has no server to lose)")
    return engine


def _cut_connections(engine) -> int:
    """What a server restart does to the pool: every connection of the app's database ends."""
    from sqlalchemy import create_engine

    admin = create_engine(engine.url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            return connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
    finally:
        admin.dispose()


def _age_pool(engine) -> None:
    """Make every pooled connection look as if it lay idle past IDLE_BEFORE_PING."""
    for record in list(engine.pool._pool.queue):
        record.info[idle_ping.RETURNED_AT] -= idle_ping.IDLE_BEFORE_PING + 1


def _pings(engine, monkeypatch) -> list[int]:
    count: list[int] = []
    ping = engine.dialect.do_ping

    def counted(dbapi_connection):
        count.append(1)
        return ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return count


def test_a_connection_used_a_moment_ago_is_not_pinged(app, pg_engine, create_lead, monkeypatch):
    lead = create_lead(kind="ebook")
    params = {"id": lead.id, "secret": lead.secret}
    pings = _pings(pg_engine, monkeypatch)
    for _ in range(3):
        assert driver.first_row(pg_engine, downloads.LINK_OWNER, params) == (lead.name,)
    assert pings == []
    _age_pool(pg_engine)
    assert driver.first_row(pg_engine, downloads.LINK_OWNER, params) == (lead.name,)
    assert pings == [1]


def test_a_connection_cut_while_idle_is_replaced_before_it_is_used(app, pg_engine, submit):
    """After a database restart, the first visitor gets the book, not the 503 page."""
    client = app.test_client()
    response = submit(name="Anna de Vries")
    link = f"/download/{response.headers['Location'].split('t=', 1)[1]}"
    first = client.get(link)
    assert first.status_code == 200
    first.close()
    assert _cut_connections(pg_engine) >= 1
    _age_pool(pg_engine)
    again = client.get(link)
    assert again.status_code == 200
    again.close()
    assert submit(name="Bert", email="bert@example.nl").status_code == 303


def test_a_lent_connection_whose_statement_failed_is_not_lent_again(app):
    with app.app_context():
        engine = db.engine
        in_autocommit = engine.dialect.name == "postgresql"
        with pytest.raises(DBAPIError), driver.lent(engine, autocommit=in_autocommit) as pooled:
            failed = pooled.connection.driver_connection
            driver.fetch_one(pooled, "SELECT * FROM no_such_table", ())
        with pytest.raises(engine.dialect.loaded_dbapi.Error):  # closed by the pool
            failed.cursor().execute("SELECT 1")
        with driver.lent(engine, autocommit=in_autocommit) as pooled:
            assert pooled.connection.driver_connection is not failed
            assert driver.fetch_one(pooled, "SELECT 1", ()) == (1,)
