"""Appointments: booked moments, the agenda cells that forbid double booking, hours, blocked days.

- appointment: one booked moment of a lead (UTC start and end, status, calendar UID and
  SEQUENCE); at most one "geboekt" per lead (a partial unique index, on both databases).
- appointment_cell: the 5-minute cells an appointment holds, one seat each; the primary key
  (cell_start, seat) is what makes a double booking fail in the database.
- appointment_reminder: the key that lets a reminder be queued once per appointment and start.
- booking_hours: weekly hours per call kind set by staff, over LEADGEN_HOURS_*.
- blocked_day: days without bookable moments.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BOOKED = sa.text("status = 'geboekt'")


def _timestamp(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade():
    op.create_table(
        "appointment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        _timestamp("starts_at"),
        _timestamp("ends_at"),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("uid", sa.String(length=100), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=5), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.CheckConstraint(
            "kind IN ('adviesgesprek', 'pijncheck')", name=op.f("ck_appointment_kind")
        ),
        sa.CheckConstraint(
            "status IN ('geboekt', 'geannuleerd', 'geweest', 'niet verschenen')",
            name=op.f("ck_appointment_status"),
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_appointment_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["lead.id"], name=op.f("fk_appointment_lead_id_lead"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment")),
        sa.UniqueConstraint("uid", name=op.f("uq_appointment_uid")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appointment_lead_id"), ["lead_id"], unique=False)
        batch_op.create_index("ix_appointment_starts_at", ["starts_at"], unique=False)
        batch_op.create_index(
            "uq_appointment_lead_booked",
            ["lead_id"],
            unique=True,
            sqlite_where=BOOKED,
            postgresql_where=BOOKED,
        )

    op.create_table(
        "appointment_cell",
        _timestamp("cell_start"),
        sa.Column("seat", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("seat >= 1", name=op.f("ck_appointment_cell_seat")),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointment.id"],
            name=op.f("fk_appointment_cell_appointment_id_appointment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("cell_start", "seat", name=op.f("pk_appointment_cell")),
    )
    with op.batch_alter_table("appointment_cell", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appointment_cell_appointment_id"), ["appointment_id"], unique=False
        )

    op.create_table(
        "appointment_reminder",
        sa.Column("appointment_id", sa.Integer(), nullable=False),
        _timestamp("starts_at"),
        _timestamp("queued_at"),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointment.id"],
            name=op.f("fk_appointment_reminder_appointment_id_appointment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "appointment_id", "starts_at", name=op.f("pk_appointment_reminder")
        ),
    )
    op.create_table(
        "booking_hours",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("spec", sa.String(length=500), nullable=False),
        _timestamp("updated_at"),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('adviesgesprek', 'pijncheck')", name=op.f("ck_booking_hours_kind")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["staff.id"],
            name=op.f("fk_booking_hours_updated_by_id_staff"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_booking_hours")),
    )
    op.create_table(
        "blocked_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        _timestamp("created_at"),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff.id"],
            name=op.f("fk_blocked_day_created_by_id_staff"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_blocked_day")),
    )


def downgrade():
    op.drop_table("blocked_day")
    op.drop_table("booking_hours")
    op.drop_table("appointment_reminder")
    with op.batch_alter_table("appointment_cell", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appointment_cell_appointment_id"))
    op.drop_table("appointment_cell")
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.drop_index("uq_appointment_lead_booked")
        batch_op.drop_index("ix_appointment_starts_at")
        batch_op.drop_index(batch_op.f("ix_appointment_lead_id"))
    op.drop_table("appointment")
