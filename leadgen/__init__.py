"""The leadgen application factory: create_app and the steps it takes, in order."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from flask import Flask, Request, Response, g
from flask.globals import request_ctx
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask_login import current_user

from leadgen import config as settings
from leadgen import database, i18n, idle_ping, vocab
from leadgen.extensions import LIMITER_RAN, babel, csrf, db, limiter, login_manager, migrate

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
    app = Flask(
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
    app.session_interface = CookielessFirstSessions()
    csrf.init_app(app)
    hooks = [list(app.after_request_funcs[None]), list(app.teardown_request_funcs[None])]
    limiter.init_app(app)
    _limiter_hooks_only_where_it_checked(app, hooks)
    _check_limits_in_views_only(app)
    login_manager.init_app(app)
    _current_user_read_when_used(app)
    _remember_cookie_only_with_a_session(app)
    babel.init_app(app, locale_selector=i18n.selected_locale)
    i18n.init_app(app)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals["vocab"] = vocab  # the domain's words, for every template


class CookielessFirstSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, opened without any signing work when no cookie came.

    Visitors' requests carry no session cookie (their forms use signed tokens); making the
    signing serializer to read nothing, and reading six cookie settings to write nothing, cost
    every such request as much as a header or two.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not (session or session.modified or session.accessed):
            return  # what Flask would conclude too, after reading six cookie settings
        super().save_session(app, session, response)


def _limiter_hooks_only_where_it_checked(app: Flask, before: list[list[Callable]]) -> None:
    """Run the after-request and teardown hooks Flask-Limiter added only where it checked limits.

    The first writes the rate-limit headers (off here) and makes the deductions of limits that
    count some answers only (the login's failed attempts); the second clears Flask-Limiter's
    state of the request. Everywhere else (every page, every public form counted by
    leads/guard.py's short path) both made that state only to clear it again: 40 microseconds a
    request (docs/performance.md, eleventh round). With the headers on they run for every answer.
    """
    if app.config.get("RATELIMIT_HEADERS_ENABLED"):
        return
    now = [app.after_request_funcs[None], app.teardown_request_funcs[None]]
    for hooks, earlier in zip(now, before, strict=True):
        for i, hook in enumerate(hooks):
            if hook not in earlier:
                hooks[i] = _only_when(lambda: g.get(LIMITER_RAN), hook)


def _only_when(needed: Callable[[], object], hook: Callable) -> Callable:
    """`hook` (after-request or teardown) run only when `needed()` is true for this request."""

    def run(value):  # a response (after-request) or an exception (teardown)
        return run.__wrapped__(value) if needed() else value

    run.__wrapped__ = hook
    return run


def _check_limits_in_views_only(app: Flask) -> None:
    """Drop Flask-Limiter's before-request check when it has nothing to check.

    Every limit of leadgen decorates its view, and the decorator checks it when the view runs.
    The app-wide hook only evaluates application, default and meta limits (none are set) and
    per-process fallback limits (none either), yet resolves and filters for every request: a
    tenth of a cached download. Should any of them be configured, the hook stays.
    """
    manager = limiter.limit_manager
    if (
        manager.application_limits
        or manager.default_limits
        or limiter._meta_limits  # these two have no public accessor
        or limiter._in_memory_fallback
    ):
        return
    app.before_request_funcs[None].remove(limiter._check_request_limit)


def _remember_cookie_only_with_a_session(app: Flask) -> None:
    """Run Flask-Login's after-request hook only for a request that has a session.

    The hook sets or clears the remember cookie when the session holds Flask-Login's mark of a
    log-in or log-out. A visitor's request has an empty session (no cookie came, nothing was
    put in), so for nearly every request the hook looked up the session and the settings to
    conclude there was nothing to do. Should every request refresh the cookie, it stays as is.
    """
    hooks = app.after_request_funcs[None]
    update = login_manager._update_remember_cookie  # the hook init_app registered
    if app.config.get("REMEMBER_COOKIE_REFRESH_EACH_REQUEST") or update not in hooks:
        return
    hooks[hooks.index(update)] = _only_when(_session_holds_something, update)


def _session_holds_something() -> bool:
    # Looked at as Flask itself does after a request (the context's own session), because the
    # `session` proxy marks the session as read: the answer would then get `Vary: Cookie` and
    # Flask would read the cookie settings, only to write nothing.
    return bool(request_ctx._session)


def _current_user_read_when_used(app: Flask) -> None:
    """Give templates Flask-Login's `current_user` proxy instead of the user it loads up front.

    Flask-Login's context processor loads the user, reading the session, for every template:
    visitors' pages got `Vary: Cookie`. Staff pages, the only ones showing it, load it on use.
    """
    processors = app.template_context_processors[None]
    for i, processor in enumerate(processors):
        if processor.__module__ == "flask_login.utils":
            processors[i] = _lazy_user


def _lazy_user() -> dict:
    return {"current_user": current_user}


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
    app.wsgi_app = _ChunkedBodyLimit(app.wsgi_app, app.config)


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
