"""The leadgen application factory."""

from __future__ import annotations

import io
import os
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path

from flask import Flask, has_request_context
from sqlalchemy import event

from leadgen import config as settings
from leadgen import i18n, vocab, write_gate
from leadgen.extensions import babel, csrf, db, limiter, login_manager, migrate

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def create_app(test_config: dict | None = None) -> Flask:
    """Create the app: settings from the environment, or from `test_config` in tests."""
    overrides = dict(test_config or {})
    instance_path = overrides.pop("INSTANCE_PATH", None) or os.environ.get("LEADGEN_INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=str(Path(instance_path).resolve()) if instance_path else None,
        instance_relative_config=True,
        template_folder=str(TEMPLATES),
    )
    if test_config is None:
        from dotenv import load_dotenv

        load_dotenv(Path.cwd() / ".env", override=False)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(
        MAX_CONTENT_LENGTH=64 * 1024,
        MAX_FORM_MEMORY_SIZE=64 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=8 * 3600,
        BABEL_DEFAULT_LOCALE="nl",
        BABEL_DEFAULT_TIMEZONE="Europe/Amsterdam",
        BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS),
        RATELIMIT_HEADERS_ENABLED=False,
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_SWALLOW_ERRORS=True,
        # A Redis that drops packets must not hang requests: fall back to memory within a second.
        RATELIMIT_STORAGE_OPTIONS={"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    )
    app.config.update(settings.from_environment(Path(app.instance_path), overrides))
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["LEADGEN_REDIS_URL"] or "memory://")
    if app.config["LEADGEN_BASE_URL"].startswith("https:"):
        # Secure, and the __Host- prefix pins the cookie to this host and path (no Domain).
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["SESSION_COOKIE_NAME"] = "__Host-leadgen"
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", _engine_options(app.config))
    settings.check(app.config)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    with app.app_context():
        _tune_sqlite(db.engine)

    if app.config["LEADGEN_PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["LEADGEN_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    app.wsgi_app = _ChunkedBodyLimit(app.wsgi_app, app.config)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals["vocab"] = vocab  # the domain's words, for every template
    _register_features(app)
    return app


class _ChunkedBodyLimit:
    """Give a chunked body (no Content-Length) the MAX_CONTENT_LENGTH check others get.

    Werkzeug limits such a body by silently cutting it off at the limit; this reads it up to
    one byte past the limit and states its length, so an oversize one meets the usual 413.
    """

    def __init__(self, wsgi_app: Callable, config: dict) -> None:
        self.wsgi_app = wsgi_app
        self.config = config

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        limit = self.config.get("MAX_CONTENT_LENGTH")
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if limit and chunked and not environ.get("CONTENT_LENGTH"):
            body = environ["wsgi.input"].read(limit + 1)
            # From here on the body is a plain one of known length (Werkzeug ignores the
            # length of a body that still says it is chunked).
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            del environ["HTTP_TRANSFER_ENCODING"]
        return self.wsgi_app(environ, start_response)


def _register_features(app: Flask) -> None:
    from leadgen import admin, ebook
    from leadgen.ebook.cli import cli as ebook_cli
    from leadgen.embed.views import bp as embed_bp
    from leadgen.leads.views import bp as leads_bp
    from leadgen.mail.cli import cli as mail_cli
    from leadgen.site import views as site

    site.init_app(app)
    ebook.init_app(app)  # the mail worker prepares a personal copy before sending its link
    admin.init_app(app)  # staff pages post with Flask-WTF session CSRF
    # Public forms carry a cookieless signed token instead of session CSRF (leadgen/tokens.py).
    csrf.exempt(leads_bp)
    app.register_blueprint(leads_bp)
    csrf.exempt(embed_bp)
    app.register_blueprint(embed_bp)
    app.cli.add_command(ebook_cli)
    app.cli.add_command(mail_cli)


# How long to wait for SQLite's write lock. A visitor's request gives up soon and gets the 503
# page with Retry-After (a burst of submissions queues for milliseconds, not seconds), so a
# lock held by a migration or a purge cannot tie up every worker thread; the mail worker and
# the CLI, whom nobody waits for, wait longer rather than fail.
SQLITE_BUSY_MS_REQUEST = 3000
SQLITE_BUSY_MS_COMMAND = 15000


def _busy_ms() -> int:
    """How long this thread may wait for the write lock: briefly in a request, long elsewhere."""
    return SQLITE_BUSY_MS_REQUEST if has_request_context() else SQLITE_BUSY_MS_COMMAND


def _engine_options(config: dict) -> dict:
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return {"connect_args": {"timeout": SQLITE_BUSY_MS_COMMAND / 1000}}
    return {"pool_pre_ping": True}


def _tune_sqlite(engine) -> None:
    """WAL, busy timeouts, foreign keys, secure delete, and BEGIN IMMEDIATE so writers queue.

    See research/reliability_perf.md §5: a deferred transaction that later writes fails at once
    with SQLITE_BUSY in WAL mode; taking the write lock up front makes it wait instead.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS_COMMAND}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        # Deleted rows are overwritten with zeros, not left in free space (erasure, AVG art. 17).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: sqlite3.Connection, _record, _proxy) -> None:
        dbapi_connection.execute(f"PRAGMA busy_timeout={_busy_ms()}")

    write_gate.install(engine, lambda: _busy_ms() / 1000)

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        read = connection.get_execution_options().get("leadgen_read")
        connection.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")
