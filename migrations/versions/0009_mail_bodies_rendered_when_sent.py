"""A mail may be stored without its bodies: the worker renders them when it sends the mail.

A submission's own mails (the e-book link, the request confirmation, the practice's notice) are
stored as their lead, language, address, subject and headers; the text and HTML, and the links
in them, are made by the mail worker (leadgen/mail/messages.py, `bodies`). That halves the
WAL a submission writes on PostgreSQL (docs/performance.md, twelfth round). Rows stored with
bodies are sent as they are.

Downgrading cannot render: a waiting mail without bodies is marked failed, with the reason for
staff, and gets empty bodies so the columns can be NOT NULL again.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BODIES = ("body_text", "body_html")
NOT_SENT = "Niet verstuurd: teruggezet naar een versie die deze mail niet kan opstellen."


def _nullable(nullable: bool) -> None:
    # SQLite copies the table: with AUTOINCREMENT, as 0002 made it (ids never come back).
    table_kwargs = {"sqlite_autoincrement": True}
    with op.batch_alter_table("outbox_mail", table_kwargs=table_kwargs) as batch:
        for column in BODIES:
            batch.alter_column(column, existing_type=sa.Text(), nullable=nullable)


def upgrade() -> None:
    _nullable(True)


def downgrade() -> None:
    mail = sa.table(
        "outbox_mail",
        *(sa.column(name) for name in ("status", "last_error", *BODIES)),
    )
    op.execute(
        mail.update()
        .where(mail.c.body_text.is_(None), mail.c.status == "pending")
        .values(status="failed", last_error=NOT_SENT)
    )
    for column in BODIES:
        op.execute(mail.update().where(mail.c[column].is_(None)).values({column: ""}))
    _nullable(False)
