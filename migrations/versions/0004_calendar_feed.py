"""Calendar feeds: a staff member's private iCal subscription to the agenda.

- calendar_feed: one row per staff member who has a feed; only the SHA-256 of the secret in
  the feed's URL is kept (like staff_session), so the database alone opens no feed.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "calendar_feed",
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_calendar_feed_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("pk_calendar_feed")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_calendar_feed_secret_hash")),
    )


def downgrade():
    op.drop_table("calendar_feed")
