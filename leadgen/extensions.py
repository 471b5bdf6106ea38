"""Flask extensions, created unbound; `create_app` binds them."""

from __future__ import annotations

from flask import g, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase
from werkzeug.exceptions import HTTPException

from leadgen import database, local_limits  # noqa: F401 -- registers leadgen-memory:// with `limits`

# Stable constraint names, so Alembic revisions can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True)  # SQLite alters tables by copying them
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
LIMITER_RAN = "leadgen_limiter_ran"  # in flask.g: Flask-Limiter checked limits in this request


@limiter.request_filter
def _note_that_the_limiter_ran() -> bool:
    """Flask-Limiter asks its request filters each time it checks a request's limits: note that it
    did, so that its own after-request and teardown hooks run for this request (create_app)."""
    setattr(g, LIMITER_RAN, True)
    return False  # exempts nothing


def form_value(name: str) -> str:
    """A field of the current POST for a rate-limit key; "" when the body cannot be read.

    Never raises: Flask-Limiter takes any error in a key function for a dead storage and switches
    to per-process memory, so an oversize body (413 on reading the form) would switch off the
    shared limits. The view meets that error itself and answers it.
    """
    try:
        return request.form.get(name, "")
    except HTTPException:
        return ""


login_manager = LoginManager()
babel = Babel()


#: The execution option that starts a transaction as a plain read (on SQLite: no write lock).
READ = {"leadgen_read": True}


def begin_read() -> None:
    """Start the session's next transaction as a plain read.

    On SQLite every transaction otherwise begins IMMEDIATE (taking the write lock up front, see
    `create_app`); a read that takes it makes every other request wait. Call this first, and end
    the transaction before writing: a read that turns into a write can fail with SQLITE_BUSY.
    Inside a transaction already begun it changes nothing, so the safe default stays.
    """
    db.session.connection(execution_options=READ)
