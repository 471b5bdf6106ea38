"""A new lead on PostgreSQL is one statement: the same rows as the session's path, or none."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from leadgen.extensions import db
from tests.conftest import ADVIES_FIELDS, EBOOK_FIELDS, statements_sent

TOKEN = re.compile(r"[\w-]{8,}\.[\w-]{4,}\.[\w-]{16,}")  # a signed link's token
MOMENTS = {"created_at", "last_requested_at", "granted_at", "confirmed_at", "next_attempt_at"}
PER_LEAD = {"id", "lead_id", "secret", "message_id", *MOMENTS}


@pytest.fixture
def pg_app(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip(
                "the one-statement write is PostgreSQL's (SQLite has no data-modifying CTE)"
            )
    return app


def _stored(app, email: str) -> dict[str, list[dict]]:
    """The lead at `email`, its consents and its mails as stored (the driver's own values),
    with what differs per lead made equal: ids, secrets, moments, the address and the links."""
    with app.app_context(), db.engine.connect() as connection:

        def rows(sql: str, **params) -> list[dict]:
            found = connection.execute(text(sql), params)
            return [dict(row._mapping) for row in found]

        (lead,) = rows("SELECT * FROM lead WHERE email = :email", email=email)
        consents = rows("SELECT * FROM consent WHERE lead_id = :id ORDER BY id", id=lead["id"])
        mails = rows("SELECT * FROM outbox_mail WHERE lead_id = :id ORDER BY id", id=lead["id"])

    def plain(value, lead_id: int):
        if isinstance(value, dict):
            return {key: plain(item, lead_id) for key, item in value.items()}
        if not isinstance(value, str):
            return value
        value = TOKEN.sub("<link>", value.replace(email, "<address>"))
        return re.sub(rf"(?<=[/#]){lead_id}\b", "<id>", value)  # its page's link, "(#12)"

    out = {}
    for table, found in (("lead", [lead]), ("consent", consents), ("outbox_mail", mails)):
        out[table] = [
            {key: plain(value, lead["id"]) for key, value in row.items() if key not in PER_LEAD}
            | {"moments set": sorted(key for key in MOMENTS if row.get(key) is not None)}
            for row in found
        ]
    return out


@pytest.fixture
def session_first(pg_app) -> list[bool]:
    """Append True to open the session's transaction before each form is recorded, as a
    signed-in member of staff's request does; the lead then goes the session's way."""
    switch: list[bool] = []

    @pg_app.before_request
    def touch_the_session() -> None:
        if switch:
            db.session.execute(text("SELECT 1"))

    return switch


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/ebook", EBOOK_FIELDS | {"newsletter": "y", "utm_source": "nieuwsbrief"}),
        ("/advies", ADVIES_FIELDS | {"complaint": "Pijn in de heup", "health_consent": "y"}),
    ],
)
def test_both_ways_store_the_same_lead_consents_and_mails(
    pg_app, session_first, submit, path, fields
):
    one = statements_sent(pg_app, lambda: submit(path, **fields | {"email": "een@example.nl"}))
    assert [statement.split()[0] for statement in one] == ["WITH"]  # one round trip
    session_first.append(True)
    other = statements_sent(pg_app, lambda: submit(path, **fields | {"email": "twee@example.nl"}))
    assert any(statement.startswith("INSERT INTO lead") for statement in other)
    by_statement, by_session = _stored(pg_app, "een@example.nl"), _stored(pg_app, "twee@example.nl")
    assert len(by_statement["consent"]) == 2
    assert len(by_statement["outbox_mail"]) == (1 if path == "/ebook" else 2)
    assert by_statement == by_session


def test_a_known_address_inserts_nothing_and_is_recorded_on_its_lead(pg_app, submit, leads):
    assert submit().status_code == 303
    again = statements_sent(pg_app, lambda: submit(name="Anna Jansen"))
    assert again[0].startswith("WITH")  # tried, inserted nothing, then the session's update
    assert any(statement.startswith("UPDATE lead") for statement in again)
    (lead,) = leads()
    assert (lead.name, lead.request_count) == ("Anna Jansen", 2)


def test_the_connection_goes_back_to_the_pool_running_transactions(pg_app, submit):
    """Autocommit is for the one statement only: the pool's next user gets a transaction."""
    assert submit().status_code == 303
    with pg_app.app_context():
        pooled = db.engine.raw_connection()
        try:
            assert pooled.driver_connection.autocommit is False
        finally:
            pooled.close()


def test_the_ids_are_drawn_in_the_order_of_the_rows(pg_app, submit):
    fields = {"complaint": "Pijn in de heup", "health_consent": "y"}
    for n in range(5):
        assert submit("/advies", **fields | {"email": f"volgorde{n}@example.nl"}).status_code == 303
    with pg_app.app_context(), db.engine.connect() as connection:
        mails = connection.execute(text("SELECT template FROM outbox_mail ORDER BY id")).all()
        consents = connection.execute(text("SELECT purpose FROM consent ORDER BY id")).all()
    assert [row.template for row in mails] == ["request_confirmation", "staff_notification"] * 5
    assert len(consents) == 10
    assert len({tuple(consents[i : i + 2]) for i in range(0, 10, 2)}) == 1  # the same order
