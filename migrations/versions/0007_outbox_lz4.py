"""PostgreSQL: a mail's bodies are compressed with LZ4 instead of pglz, where the server has it.

A submission's mail row (HTML and text, about 2.5 kB) is over PostgreSQL's TOAST threshold
(about 2 kB), so every INSERT compresses it. With pglz that cost the server 0.59-0.61 ms per new
lead's statement, with LZ4 0.53-0.54 ms (docs/performance.md, "Sixth round"); LZ4 also
decompresses faster when the mail worker reads the row. Column compression exists since
PostgreSQL 14, for servers built with LZ4 (https://www.postgresql.org/docs/current/storage-toast.html);
elsewhere, and on SQLite, this step does nothing. Rows already stored keep their compression.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BODIES = ("body_text", "body_html")


def _set_compression(method: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    offered = bind.exec_driver_sql(
        "SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'"
    ).scalar()
    if not offered or method not in offered:
        return  # before PostgreSQL 14, or built without LZ4
    columns = ", ".join(f"ALTER COLUMN {column} SET COMPRESSION {method}" for column in BODIES)
    op.execute(f"ALTER TABLE outbox_mail {columns}")


def upgrade() -> None:
    _set_compression("lz4")


def downgrade() -> None:
    _set_compression("pglz")
