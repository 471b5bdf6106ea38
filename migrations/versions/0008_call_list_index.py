"""The call list's index: new call requests read in the order they came in, without a sort.

"Vandaag bellen" asks for open leads by status with no follow-up date, oldest first, 200 at a
time. The index on (status, follow_up_on) found them but left them to be sorted: over 100 000
leads, 55 000 rows sorted to keep 200. With created_at next, the rows come in order and the walk
stops at 200; kind last lets the call kinds be told apart in the index, before a row is read.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_lead_call_list", "lead", ["status", "follow_up_on", "created_at", "kind"], unique=False
    )
    op.drop_index("ix_lead_status_follow_up_on", table_name="lead")


def downgrade() -> None:
    op.create_index("ix_lead_status_follow_up_on", "lead", ["status", "follow_up_on"], unique=False)
    op.drop_index("ix_lead_call_list", table_name="lead")
