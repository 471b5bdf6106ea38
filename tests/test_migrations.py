"""Alembic revisions build, from empty, exactly the schema the models describe."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from leadgen import create_app
from leadgen.extensions import db
from tests.conftest import BACKENDS, PG_URL, base_config


@pytest.fixture(params=BACKENDS)
def empty_database_url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    name = f"leadgen_migrate_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def test_migrations_from_empty_match_the_models(empty_database_url, instance_dir):
    app = create_app(base_config(empty_database_url, instance_dir))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": False})
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        downgrade(revision="base")
        with db.engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


COMPRESSION = (
    "SELECT attname, attcompression FROM pg_attribute"
    " WHERE attrelid = 'outbox_mail'::regclass AND attname IN ('body_text', 'body_html')"
)


def test_0007_compresses_mail_bodies_with_lz4_where_postgresql_has_it(
    empty_database_url, instance_dir
):
    if not empty_database_url.startswith("postgresql"):
        pytest.skip("column compression is PostgreSQL's")
    app = create_app(base_config(empty_database_url, instance_dir))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            offered = conn.exec_driver_sql(
                "SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'"
            ).scalar()
            found = dict(conn.exec_driver_sql(COMPRESSION).all())
        downgrade(revision="0006")
        with db.engine.connect() as conn:
            after = dict(conn.exec_driver_sql(COMPRESSION).all())
        db.engine.dispose()
    # "l": LZ4, "p": pglz, "": the server's default (pglz unless configured otherwise)
    expected, restored = ("l", "p") if "lz4" in offered else ("", "")
    assert found == {"body_text": expected, "body_html": expected}
    assert after == {"body_text": restored, "body_html": restored}


LEAD_ROW = {
    "kind": "ebook",
    "name": "Anna de Vries",
    "email": "anna@example.nl",
    "phone": None,
    "status": "nieuw",
    "no_answer_count": 0,
    "request_count": 1,
    "download_count": 0,
    "token_version": 1,
}
# Every table whose ids appear in links, mails or the audit log.
NUMBERED = ("lead", "consent", "download_event", "outbox_mail", "staff", "note", "audit_entry")


def _seed_0001(conn) -> None:
    """Rows as revision 0001 stored them: two leads with children, a staff member, an audit."""
    now = sa.func.now() if conn.dialect.name == "postgresql" else sa.text("CURRENT_TIMESTAMP")
    meta = sa.MetaData()
    meta.reflect(conn)
    t = meta.tables
    conn.execute(
        t["staff"]
        .insert()
        .values(
            id=1,
            email="lisa@praktijk.nl",
            password_hash="x",
            active=True,
            session_token="s" * 43,
            created_at=now,
        )
    )
    for lead_id, email in ((1, "anna@example.nl"), (2, "bert@example.nl")):
        conn.execute(
            t["lead"]
            .insert()
            .values(
                LEAD_ROW
                | {"id": lead_id, "email": email, "created_at": now, "last_requested_at": now}
            )
        )
        conn.execute(
            t["consent"]
            .insert()
            .values(
                lead_id=lead_id,
                purpose="privacy",
                text_version="v1",
                text="t",
                form="ebook",
                granted_at=now,
            )
        )
        conn.execute(t["download_event"].insert().values(lead_id=lead_id, at=now))
        conn.execute(
            t["note"].insert().values(lead_id=lead_id, author_id=1, body="b", created_at=now)
        )
        conn.execute(
            t["outbox_mail"]
            .insert()
            .values(
                lead_id=lead_id,
                template="ebook_link",
                to_addr=email,
                subject="s",
                body_text="b",
                body_html="b",
                headers={},
                message_id=f"<{lead_id}@x>",
                status="sent",
                attempts=1,
                next_attempt_at=now,
                created_at=now,
            )
        )
    conn.execute(t["audit_entry"].insert().values(staff_id=1, action="login", detail={}, at=now))


def _counts(conn) -> dict[str, int]:
    return {
        table: conn.execute(sa.select(sa.func.count()).select_from(sa.table(table))).scalar_one()
        for table in NUMBERED
    }


def test_0002_keeps_every_row_and_binds_links_to_a_secret(empty_database_url, instance_dir):
    app = create_app(base_config(empty_database_url, instance_dir))
    with app.app_context():
        upgrade(revision="0001")
        with db.engine.begin() as conn:
            _seed_0001(conn)
            before = _counts(conn)
        upgrade()
        with db.engine.begin() as conn:
            assert _counts(conn) == before
            secrets = conn.execute(sa.text("SELECT secret FROM lead")).scalars().all()
            assert len(set(secrets)) == 2 and all(len(s) == 32 for s in secrets)
            columns = {c["name"]: c for c in sa.inspect(conn).get_columns("lead")}
            assert columns["phone"]["type"].length == 40
            assert "token_version" not in columns
            assert "session_token" not in {c["name"] for c in sa.inspect(conn).get_columns("staff")}
            if conn.dialect.name == "sqlite":
                schema = dict(conn.execute(sa.text("SELECT name, sql FROM sqlite_master")).all())
                for table in NUMBERED:
                    assert "AUTOINCREMENT" in schema[table], table
                assert "CHECK (kind IN" in schema["lead"]
                assert "ON DELETE CASCADE" in schema["consent"]
                assert conn.execute(sa.text("PRAGMA foreign_key_check")).all() == []
            extension = {"p": "+31 6 1234 5678 toestel 12345"}  # 29 characters
            conn.execute(sa.text("UPDATE lead SET phone = :p WHERE id = 1"), extension)
            # Going back to 20 characters would cut it short: 0001 cannot hold it.
            conn.execute(sa.text("UPDATE lead SET phone = NULL WHERE id = 1"))
        downgrade(revision="0001")
        with db.engine.begin() as conn:
            assert _counts(conn) == before
        db.engine.dispose()


def test_0009_downgrade_marks_a_waiting_mail_without_bodies_failed(
    empty_database_url, instance_dir
):
    app = create_app(base_config(empty_database_url, instance_dir))
    with app.app_context():
        upgrade()
        mail = sa.table(
            "outbox_mail",
            *(sa.column(c) for c in ("template", "to_addr", "subject", "headers", "message_id")),
            *(sa.column(c) for c in ("status", "last_error", "body_text", "body_html")),
            *(sa.column(c) for c in ("attempts", "next_attempt_at", "created_at")),
        )
        now = datetime(2026, 12, 3, 8, 0)
        with db.engine.begin() as conn:
            for status in ("pending", "sent"):
                conn.execute(
                    mail.insert().values(
                        template="ebook_link",
                        to_addr="anna@example.nl",
                        subject="s",
                        headers="{}",
                        message_id=f"<{status}@x>",
                        status=status,
                        attempts=0,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
        downgrade(revision="0008")
        with db.engine.connect() as conn:
            rows = conn.execute(
                sa.select(
                    mail.c.status, mail.c.last_error, mail.c.body_text, mail.c.body_html
                ).order_by(mail.c.message_id)
            ).all()
        db.engine.dispose()
    pending, sent = rows
    assert pending.status == "failed" and pending.last_error.startswith("Niet verstuurd")
    assert sent.status == "sent" and sent.last_error is None
    assert {pending.body_text, pending.body_html, sent.body_text, sent.body_html} == {""}
