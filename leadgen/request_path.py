"""What every request passes through, kept lean, and what each trim keeps.

Each piece here does what Flask or an extension would do for a request, minus work that, for
nearly every request, ends in nothing: a session opened and saved for a visitor who has none,
hooks run to clear state that was never made, a user loaded for a page that never shows it.
The figures behind them are in docs/performance.md; tests/test_request_path.py holds each to
its promise.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from inspect import iscoroutinefunction

import flask_login.utils
from flask import Flask, Request, Response, g
from flask.globals import request_ctx
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask_login import current_user
from markupsafe import escape

from leadgen.extensions import LIMITER_RAN, limiter, login_manager


def given(values, key: str):
    """`values.get(key)` of a request's MultiDict (form, args), without an exception for an
    absent key: Werkzeug's `get` raises and catches a BadRequestKeyError then, a microsecond or
    two each, and most keys we ask of most requests (the honeypot, the tracking fields, the
    language) are absent."""
    return values.get(key) if key in values else None


class LeadgenFlask(Flask):
    """Flask, asking once per function whether a view or hook is a coroutine function.

    Flask asks `inspect.iscoroutinefunction` again for every view, hook and handler on every
    request (`ensure_sync`, which Flask's documentation names as the method to override): ten
    times for a page, a tenth of an empty route's time. The answer of a function never changes.
    """

    # Answers kept at most. A bound method is kept by its function (a class-based view makes a
    # new instance, so a new bound method, per request); other callables made per request (a
    # partial) must not grow the dict without end.
    KEPT = 512

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._is_async: dict[Callable, bool] = {}

    def ensure_sync(self, func: Callable) -> Callable:
        key = getattr(func, "__func__", func)  # a bound method is async when its function is
        try:
            is_async = self._is_async[key]
        except KeyError:
            is_async = iscoroutinefunction(func)
            if len(self._is_async) < self.KEPT:
                self._is_async[key] = is_async
        except TypeError:  # unhashable: asked every time, as Flask does
            is_async = iscoroutinefunction(func)
        return self.async_to_sync(func) if is_async else func

    def redirect(self, location: str, code: int = 302) -> Response:
        """A redirect whose body, for the client that shows it (curl, a bot), is Dutch.

        Flask's default is Werkzeug's English "Redirecting..." page; browsers never show it.
        """
        href = escape(location)
        body = (
            '<!doctype html>\n<html lang="nl">\n<title>Doorverwijzing</title>\n'
            f'<p>Ga verder naar <a href="{href}">{href}</a>.\n'
        )
        response = self.response_class(body, code, mimetype="text/html")
        response.headers["Location"] = location
        return response


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


def limiter_hooks_only_where_it_checked(app: Flask, before: list[list[Callable]]) -> None:
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


def check_limits_in_views_only(app: Flask) -> None:
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


def remember_cookie_only_with_a_session(app: Flask) -> None:
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


def current_user_read_when_used(app: Flask) -> None:
    """Give templates Flask-Login's `current_user` proxy instead of the user it loads up front.

    Flask-Login's context processor loads the user, reading the session, for every template:
    visitors' pages got `Vary: Cookie`. Staff pages, the only ones showing it, load it on use.
    """
    processors = app.template_context_processors[None]
    for i, processor in enumerate(processors):
        if processor is flask_login.utils._user_context_processor:  # what init_app added
            processors[i] = _lazy_user


def _lazy_user() -> dict:
    return {"current_user": current_user}


class ChunkedBodyLimit:
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
