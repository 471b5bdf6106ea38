"""The funnel per blog post: page_view counts how often the embedded form was shown.

One row per (day in the practice's time zone, source page, utm_campaign) with a number: no
cookie, address or other identifier. A page or campaign not given is "" (part of the key).

Revision ID: 0006
Revises: 0005 (re-chained after the follow-up series, 0005, at the merge)
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "page_view",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("utm_campaign", sa.String(length=100), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "source", "utm_campaign", name=op.f("pk_page_view")),
    )


def downgrade() -> None:
    op.drop_table("page_view")
