"""What every request passes through stays lean, and loses nothing it guarded."""

from __future__ import annotations

import functools
import gc
import weakref

import pytest

from leadgen import tokens
from leadgen.extensions import limiter
from leadgen.leads import guard
from tests.conftest import EBOOK_FIELDS, form_token
from tests.factories import csrf_token


def test_the_limiter_checks_in_the_views_only(app):
    # The views' own limits still count: tests/leads/test_ebook_form.py, "...get_429".
    assert limiter._check_request_limit not in app.before_request_funcs[None]


def test_an_app_wide_default_limit_keeps_the_limiters_hook(make_app):
    try:
        app = make_app(RATELIMIT_DEFAULT="2 per minute")
        assert limiter._check_request_limit in app.before_request_funcs[None]
        client = app.test_client()
        assert [client.get("/privacy").status_code for _ in range(3)] == [200, 200, 429]
    finally:
        # The limiter is one object for every app of this process: the next app starts clean.
        limiter.limit_manager.set_default_limits([])


def test_a_request_without_a_session_cookie_opens_no_signed_session(app, monkeypatch):
    def refuse(_app):
        raise AssertionError("the signing serializer was made for a cookieless request")

    monkeypatch.setattr(app.session_interface, "get_signing_serializer", refuse)
    assert app.test_client().get("/privacy").status_code == 200


def test_a_visitors_request_leaves_the_session_untouched(client):
    """No hook looks into a cookieless visitor's session: Flask would then read the cookie
    settings to write nothing, and mark the answer `Vary: Cookie` as if it could differ."""
    fields = EBOOK_FIELDS | {
        "email": "sessie@example.nl",
        "form_token": form_token(client, "/ebook"),
    }
    pages = (client.get("/privacy"), client.get("/ebook"), client.get("/embed/advies"))
    for answer in (*pages, client.post("/ebook", data=fields)):
        assert answer.status_code in (200, 303)
        assert "Cookie" not in answer.vary
        assert "Set-Cookie" not in answer.headers


def test_flask_asks_once_per_function_whether_it_is_async(app, monkeypatch):
    from leadgen import request_path

    asked: list[object] = []

    def counted(func) -> bool:
        asked.append(func)
        return False

    monkeypatch.setattr(request_path, "iscoroutinefunction", counted)
    client = app.test_client()
    assert client.get("/privacy").status_code == 200
    assert asked  # the page's view and hooks, the first time
    asked.clear()
    assert client.get("/privacy").status_code == 200
    assert asked == []


def test_an_async_function_still_runs_through_flasks_async_wrapper(app, monkeypatch):
    async def view():
        return "async"

    def wrapped(func):
        return lambda *args, **kwargs: ("wrapped", func)

    monkeypatch.setattr(app, "async_to_sync", wrapped)
    for _ in range(2):  # asked, then from what was kept
        assert app.ensure_sync(view)() == ("wrapped", view)
        assert app.ensure_sync(_post_ebook) is _post_ebook


def test_callables_made_per_request_do_not_grow_the_kept_answers(app):
    class View:
        def get(self):
            return "page"

    kept = len(app._is_async)
    for _ in range(3):  # a class-based view: a new instance, so a new bound method, each time
        assert app.ensure_sync(View().get)() == "page"
    assert len(app._is_async) == kept + 1
    for n in range(app.KEPT + 10):  # partials made per request: kept up to the bound only
        app.ensure_sync(functools.partial(_post_ebook, n))
    assert len(app._is_async) == app.KEPT


def test_warm_up_prepares_the_first_requests_without_the_database(app):
    """What gunicorn's master does before forking: no connection may exist to cross the fork."""
    from sqlalchemy import event

    from leadgen import warm_up
    from leadgen.extensions import db

    with app.app_context():
        engine = db.engine
    engine.dispose()
    connected: list[object] = []

    def count(*_args) -> None:
        connected.append(1)

    event.listen(engine, "connect", count)
    try:
        warm_up(app)
    finally:
        event.remove(engine, "connect", count)
    assert connected == []
    looks = app.extensions["leadgen.mail_looks"]
    assert {(key[0], key[1]) for key in looks} == {
        ("ebook", "nl"),
        ("ebook", "en"),
        ("advies", "nl"),
        ("advies", "en"),
    }
    assert "mail/ebook_link.txt" in {name for _, name in app.jinja_env.cache}  # compiled


@pytest.mark.parametrize("form_name", ["ebook", "advies", "resend"])
def test_a_public_form_is_freed_without_the_cyclic_collector(app, form_name):
    """Fields refer to their form weakly: a form and its fields make no reference cycle, so a
    request's form is freed when the view is done, not in a collection that pauses every
    thread of the worker (docs/performance.md, eleventh round)."""
    from leadgen.leads.forms import ResendForm
    from leadgen.leads.views import FORMS, POSTED

    classes = [ResendForm] if form_name == "resend" else [FORMS[form_name], POSTED[form_name]]
    data = {"name": "Anna de Vries", "email": "anna@example.nl", "privacy": "y", "kind": "bel"}
    with app.test_request_context("/ebook", method="POST", data=data):
        for form_class in classes:
            gc.disable()
            try:
                form = form_class()
                form.validate()
                assert form.email.data == "anna@example.nl"  # the fields still reach their form
                freed = weakref.ref(form)
                del form
                assert freed() is None, f"{form_class.__name__} waits for the cyclic collector"
            finally:
                gc.enable()


def _post_ebook(client, email: str) -> int:
    fields = EBOOK_FIELDS | {"email": email, "form_token": form_token(client, "/ebook")}
    return client.post("/ebook", data=fields).status_code


def test_the_public_limits_count_without_flask_limiters_per_request_resolving(
    make_app, monkeypatch
):
    app = make_app(LEADGEN_RATE_LIMIT_EMAIL="2 per minute")

    def refuse(*_args, **_kwargs):
        raise AssertionError("Flask-Limiter resolved the limits of a plain submission")

    monkeypatch.setattr(limiter, "_check_request_limit", refuse)
    client = app.test_client()
    assert [_post_ebook(client, "twee@example.nl") for _ in range(3)] == [303, 303, 429]
    fields = EBOOK_FIELDS | {"email": "twee@example.nl", "form_token": form_token(client, "/ebook")}
    refused = client.post("/ebook", data=fields)
    assert refused.status_code == 429
    assert "Even rustig aan" in refused.get_data(as_text=True)  # the Dutch page, as before
    assert _post_ebook(client, "ander@example.nl") == 303  # the address limit is far off


@pytest.mark.parametrize("prefix", ["", "praktijk"])
def test_the_short_path_and_flask_limiters_own_count_the_same_counters(
    make_app, monkeypatch, prefix
):
    """Whatever the short path hands over (a failing storage) is counted on the same keys."""
    # Flask-Limiter keeps a prefix once set, over apps: the next app of this process starts clean.
    monkeypatch.setattr(limiter, "_key_prefix", limiter._key_prefix)
    app = make_app(LEADGEN_RATE_LIMIT_EMAIL="3 per minute", RATELIMIT_KEY_PREFIX=prefix)
    client = app.test_client()
    assert _post_ebook(client, "samen@example.nl") == 303  # the short path
    counts = dict(limiter.storage._counts)
    assert any("samen@example.nl" in key and "public-post-email" in key for key in counts)
    assert all(prefix in key for key in counts)

    def storage_away(_email):
        raise ConnectionError("the storage did not answer")

    monkeypatch.setattr(guard, "_hit", storage_away)
    assert _post_ebook(client, "samen@example.nl") == 303  # Flask-Limiter's own path
    assert {key: limiter.storage._counts[key][0] for key in counts} == {
        key: count + 1 for key, (count, _ends) in counts.items()
    }
    assert _post_ebook(client, "samen@example.nl") == 303
    assert _post_ebook(client, "samen@example.nl") == 429  # the fourth, on either path


def test_flask_limiters_own_hooks_run_only_where_it_checked_limits(make_app):
    app = make_app()
    wrapped = [
        hook
        for hooks in (app.after_request_funcs[None], app.teardown_request_funcs[None])
        for hook in hooks
        if hasattr(hook, "__wrapped__") and "flask_limiter" in repr(hook.__wrapped__)
    ]
    assert len(wrapped) == 2  # its after-request and its teardown hook
    ran = []
    for hook in wrapped:
        hook.__wrapped__ = lambda value, hook=hook.__wrapped__: (ran.append(hook), hook(value))[1]
    client = app.test_client()
    assert client.get("/privacy").status_code == 200
    assert _post_ebook(client, "kort@example.nl") == 303  # the short path of leads/guard.py
    assert ran == []
    token = csrf_token(client, "/admin/login")  # its GET is checked too (a POST-only limit)
    ran.clear()
    login = {"email": "x@example.nl", "password": "fout", "csrf_token": token}
    assert client.post("/admin/login", data=login).status_code == 200  # refused, shown again
    assert len(ran) == 2  # the login's limits are Flask-Limiter's own: its hooks ran


def test_rate_limit_headers_switched_on_are_written_for_a_public_post(make_app, monkeypatch):
    # Flask-Limiter reads the setting once per process: this app reads it afresh.
    monkeypatch.setattr(limiter, "_headers_enabled", None)
    app = make_app(RATELIMIT_HEADERS_ENABLED=True, LEADGEN_RATE_LIMIT_EMAIL="5 per minute")
    client = app.test_client()
    fields = EBOOK_FIELDS | {"email": "kop@example.nl", "form_token": form_token(client, "/ebook")}
    response = client.post("/ebook", data=fields)
    assert response.status_code == 303
    assert response.headers["X-RateLimit-Limit"]


@pytest.mark.parametrize(
    ("path", "fields", "signed"),
    [
        ("/ebook", {}, ["download"]),
        ("/ebook", {"newsletter": "y"}, ["download"]),
        ("/advies", {"phone": "0612345678", "kind": "pijncheck"}, ["appointment"]),
    ],
)
def test_a_submission_signs_only_the_thank_you_pages_link(
    app, submit, monkeypatch, path, fields, signed
):
    # The mails' links are signed by the worker when it sends them (leads/mails.py).
    purposes: list[str] = []
    issue = tokens.issue_lead_token

    def counted(purpose, *args, **kwargs):
        purposes.append(purpose)
        return issue(purpose, *args, **kwargs)

    monkeypatch.setattr(tokens, "issue_lead_token", counted)
    answer = submit(path, **fields)
    assert answer.status_code == 303
    assert sorted(purposes) == sorted(signed)


def test_a_redirects_body_is_dutch_and_escapes_its_location(app, submit):
    # No browser shows a 303's body, but curl and a careless client do: Dutch, like every page.
    answer = submit("/ebook")
    assert answer.status_code == 303
    body = answer.get_data(as_text=True)
    assert '<html lang="nl">' in body
    assert "Doorverwijzing" in body
    assert f'<a href="{answer.location.replace("&", "&amp;")}">' in body
    made = app.redirect('/x?a=1&b="<script>', 303)
    assert made.headers["Location"] == '/x?a=1&b="<script>'
    assert "<script>" not in made.get_data(as_text=True)
    assert "&#34;&lt;script&gt;" in made.get_data(as_text=True)
