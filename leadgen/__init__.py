"""The leadgen application factory: create_app and the steps it takes, in order."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from leadgen import config as settings
from leadgen import database, i18n, idle_ping, request_path, vocab
from leadgen.extensions import babel, csrf, db, limiter, login_manager, migrate

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
DEFAULTS = {
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "MAX_FORM_MEMORY_SIZE": 64 * 1024,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": 8 * 3600,
    "WTF_CSRF_CHECK_DEFAULT": False,  # the staff pages check it themselves (admin/auth.py)
    "BABEL_DEFAULT_LOCALE": "nl",
    "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
    "BABEL_TRANSLATION_DIRECTORIES": str(TRANSLATIONS),
    "RATELIMIT_HEADERS_ENABLED": False,
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "RATELIMIT_SWALLOW_ERRORS": True,
    # A Redis that drops packets must not hang requests: fall back to memory within a second.
    "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
}


def create_app(test_config: dict | None = None) -> Flask:
    """Create the app: settings from the environment, or from `test_config` in tests."""
    overrides = dict(test_config or {})
    instance_path = overrides.pop("INSTANCE_PATH", None) or os.environ.get("LEADGEN_INSTANCE_PATH")
    app = request_path.LeadgenFlask(
        __name__,
        instance_path=str(Path(instance_path).resolve()) if instance_path else None,
        instance_relative_config=True,
        template_folder=str(TEMPLATES),
    )
    configure_settings(app, overrides, read_dotenv=test_config is None)
    configure_database(app)
    configure_extensions(app)
    configure_features(app)
    # WSGI layers around Flask, innermost first: each sees the request as the one outside left it.
    configure_download_lane(app)
    configure_request_limits(app)
    configure_proxy(app)
    return app


def configure_settings(app: Flask, overrides: dict, read_dotenv: bool) -> None:
    """Defaults, then the environment (and `.env`), then `overrides`; checked before any use."""
    if read_dotenv:
        from dotenv import load_dotenv

        load_dotenv(Path.cwd() / ".env", override=False)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(DEFAULTS)
    app.config.update(settings.from_environment(Path(app.instance_path), overrides))
    app.config.setdefault(
        "RATELIMIT_STORAGE_URI", app.config["LEADGEN_REDIS_URL"] or "leadgen-memory://"
    )
    if app.config["LEADGEN_BASE_URL"].startswith("https:"):
        # Secure, and the __Host- prefix pins the cookie to this host and path (no Domain).
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["SESSION_COOKIE_NAME"] = "__Host-leadgen"
    settings.check(app.config)


def configure_database(app: Flask) -> None:
    """Bind SQLAlchemy and Alembic; on SQLite, WAL, busy timeouts and the write queue."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", database.engine_options(url))
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    with app.app_context():
        database.tune_sqlite(db.engine)
        idle_ping.install(db.engine)


def configure_extensions(app: Flask) -> None:
    """CSRF, rate limits, logins, languages and the Jinja extensions the templates use."""
    app.session_interface = request_path.CookielessFirstSessions()
    csrf.init_app(app)
    hooks = [list(app.after_request_funcs[None]), list(app.teardown_request_funcs[None])]
    limiter.init_app(app)
    request_path.limiter_hooks_only_where_it_checked(app, hooks)
    request_path.check_limits_in_views_only(app)
    login_manager.init_app(app)
    request_path.current_user_read_when_used(app)
    request_path.remember_cookie_only_with_a_session(app)
    babel.init_app(app, locale_selector=i18n.selected_locale)
    i18n.init_app(app)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals["vocab"] = vocab  # the domain's words, for every template


def configure_download_lane(app: Flask) -> None:
    """Send made copies of the e-book without Flask's request machinery (leadgen/leads)."""
    from leadgen.leads.download_lane import DownloadLane

    app.wsgi_app = DownloadLane(app, app.wsgi_app)


def configure_proxy(app: Flask) -> None:
    """Trust X-Forwarded-* from exactly LEADGEN_PROXY_COUNT proxies, and from none by default."""
    hops = app.config["LEADGEN_PROXY_COUNT"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def configure_request_limits(app: Flask) -> None:
    """Hold a chunked body to MAX_CONTENT_LENGTH too (Flask checks only a stated length)."""
    app.wsgi_app = request_path.ChunkedBodyLimit(app.wsgi_app, app.config)


def configure_features(app: Flask) -> None:
    """Register each feature: its blueprint, template filters, CLI commands and hooks."""
    from leadgen import admin, appointments, ebook, followup
    from leadgen.ebook.cli import cli as ebook_cli
    from leadgen.embed.views import bp as embed_bp
    from leadgen.leads import mails as lead_mails
    from leadgen.leads.views import bp as leads_bp
    from leadgen.mail.cli import cli as mail_cli
    from leadgen.site import views as site

    site.init_app(app)
    admin.init_app(app)  # staff pages post with Flask-WTF session CSRF
    # Public forms carry a cookieless signed token instead of session CSRF (leadgen/tokens.py).
    csrf.exempt(leads_bp)
    app.register_blueprint(leads_bp)
    csrf.exempt(embed_bp)
    app.register_blueprint(embed_bp)
    appointments.init_app(app)
    app.cli.add_command(ebook_cli)
    app.cli.add_command(mail_cli)
    ebook.init_app(app)  # the mail worker prepares a personal copy before sending its link
    followup.init_app(app)  # ... and queues the series mails that are due
    lead_mails.init_app(app)  # ... and renders a submission's mails, stored without bodies


def warm_up(app: Flask) -> None:
    """Do once, before gunicorn forks its workers, what each would do on its first requests.

    With preload_app the workers are forked from the master after it loaded the app, and
    inherit what it prepared: SQLAlchemy's mappers configured, every template compiled, and
    the mails of each offer drafted in each language (their translations and Babel's date
    formats loaded). In a worker these cost its first visitors 40-90 ms each, several times
    that on a busy machine, and again after each restart (max_requests). No database is used.
    """
    from sqlalchemy.orm import configure_mappers

    from leadgen.leads import drafts

    configure_mappers()
    for name in app.jinja_env.list_templates():
        app.jinja_env.get_template(name)
    with app.test_request_context("/", base_url=app.config["LEADGEN_BASE_URL"]):
        drafts.draft_each_offer()
