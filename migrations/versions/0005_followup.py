"""The follow-up series and the staff's morning digest.

- series_mail: one row per series mail queued for a lead; its key (lead, step) queues a mail
  once, and a unique (lead, day) keeps it to one a day.
- series_stop: staff stopped a lead's series (when; who is in the audit log).
- staff_digest: one row per date the morning digest went out for, so one a day.

Revision ID: 0005
Revises: 0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "series_mail",
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["lead.id"], name=op.f("fk_series_mail_lead_id_lead"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("lead_id", "step", name=op.f("pk_series_mail")),
        sa.UniqueConstraint("lead_id", "day", name="uq_series_mail_lead_id_day"),
    )
    op.create_table(
        "series_stop",
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["lead.id"], name=op.f("fk_series_stop_lead_id_lead"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("lead_id", name=op.f("pk_series_stop")),
    )
    op.create_table(
        "staff_digest",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_staff_digest")),
    )


def downgrade():
    op.drop_table("staff_digest")
    op.drop_table("series_stop")
    op.drop_table("series_mail")
