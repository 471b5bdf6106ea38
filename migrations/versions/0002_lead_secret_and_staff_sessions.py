"""Links bound to a per-lead secret, ids never reused, a record per staff session, longer phones.

- lead.secret: 32 random URL-safe characters, unique, in every link of the lead (existing rows
  get one each); lead.token_version goes (it was never bumped).
- SQLite: every numbered table gets AUTOINCREMENT, so a deleted row's id is never handed out
  again (an erased person's old link must not name the next person). PostgreSQL sequences never
  reuse ids, so there this step does nothing.
- staff_session: one row per logged-in browser, deleted at logout; staff.session_token goes.
- lead.phone: 20 -> 40 characters, room for an extension.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NUMBERED = ("consent", "download_event", "note", "outbox_mail", "staff", "audit_entry")


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _recreate(autoincrement: bool) -> dict:
    """Batch options that copy a SQLite table with or without AUTOINCREMENT; nothing elsewhere.

    Batch mode copies the table (CREATE new, INSERT … SELECT, DROP old, RENAME) with the ids as
    they are; migrations/env.py turns foreign keys off meanwhile, or the DROP of `lead` would
    cascade into its children.
    """
    if not _sqlite():
        return {}
    return {"recreate": "always", "table_kwargs": {"sqlite_autoincrement": autoincrement}}


def _fill_random(table: str, column: str) -> None:
    """Give every row of `table` its own random value in `column`."""
    bind = op.get_bind()
    rows = sa.table(table, sa.column("id", sa.Integer), sa.column(column, sa.String))
    ids = bind.execute(sa.select(rows.c.id)).scalars().all()
    if ids:
        bind.execute(
            rows.update().where(rows.c.id == sa.bindparam("row_id")),
            [{"row_id": row_id, column: secrets.token_urlsafe(24)} for row_id in ids],
        )


def _check_foreign_keys() -> None:
    # With enforcement off during the copies, make sure every reference still holds.
    if _sqlite() and op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").first():
        raise RuntimeError("a foreign key no longer holds after copying the tables")


def upgrade():
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.add_column(sa.Column("secret", sa.String(length=32), nullable=True))
    _fill_random("lead", "secret")
    with op.batch_alter_table("lead", schema=None, **_recreate(True)) as batch_op:
        batch_op.alter_column("secret", existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_lead_secret"), ["secret"])
        batch_op.alter_column(
            "phone",
            existing_type=sa.String(length=20),
            type_=sa.String(length=40),
            existing_nullable=True,
        )
        batch_op.drop_column("token_version")

    with op.batch_alter_table("staff", schema=None, **_recreate(True)) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_staff_session_token"), type_="unique")
        batch_op.drop_column("session_token")
    for table in NUMBERED:
        if table != "staff" and _sqlite():
            with op.batch_alter_table(table, schema=None, **_recreate(True)):
                pass

    op.create_table(
        "staff_session",
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_staff_session_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key_hash", name=op.f("pk_staff_session")),
    )
    with op.batch_alter_table("staff_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_session_staff_id"), ["staff_id"], unique=False)
    _check_foreign_keys()


def downgrade():
    with op.batch_alter_table("staff_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_session_staff_id"))
    op.drop_table("staff_session")

    # Every staff member is logged out: 0001 kept one session token per account.
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_token", sa.String(length=64), nullable=True))
    _fill_random("staff", "session_token")
    with op.batch_alter_table("staff", schema=None, **_recreate(False)) as batch_op:
        batch_op.alter_column("session_token", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_staff_session_token"), ["session_token"])
    for table in NUMBERED:
        if table != "staff" and _sqlite():
            with op.batch_alter_table(table, schema=None, **_recreate(False)):
                pass

    # Links signed since 0002 carry the secret and stop working; a phone over 20 characters
    # makes this step fail rather than be cut short.
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("token_version", sa.Integer(), nullable=False, server_default="1")
        )
    with op.batch_alter_table("lead", schema=None, **_recreate(False)) as batch_op:
        batch_op.alter_column("token_version", existing_type=sa.Integer(), server_default=None)
        batch_op.alter_column(
            "phone",
            existing_type=sa.String(length=40),
            type_=sa.String(length=20),
            existing_nullable=True,
        )
        batch_op.drop_constraint(batch_op.f("uq_lead_secret"), type_="unique")
        batch_op.drop_column("secret")
    _check_foreign_keys()
