"""Factories for the whole suite: staff accounts, leads, outbox mails, and logging in as staff.

Registered as a pytest plugin by `tests/conftest.py`, so every folder sees the same fixtures;
each factory fixture returns a `create_x(**overrides)` callable.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import date
from email.message import EmailMessage
from types import SimpleNamespace

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from flask import Flask, has_app_context
from flask.testing import FlaskClient

from leadgen.admin import auth
from leadgen.extensions import db
from leadgen.mail import outbox
from leadgen.mail.messages import Bodies, bodies, build_message
from leadgen.models import Consent, DownloadEvent, Lead, OutboxMail, PageView

PASSWORD = "lang-genoeg-wachtwoord"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch) -> PasswordHasher:
    """Hash with argon2's cheapest parameters: the real ones cost ~50 ms a login."""
    hasher = PasswordHasher.from_parameters(CHEAPEST)
    monkeypatch.setattr(auth, "HASHER", hasher)
    return hasher


def csrf_token(client: FlaskClient, path: str) -> str:
    """Fetch `path` and read the CSRF token from the page, as a browser would submit it."""
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    match = CSRF.search(page.get_data(as_text=True))
    assert match, f"no csrf_token on {path}"
    return match.group(1)


def post_form(client: FlaskClient, page: str, action: str | None = None, **data):
    """Submit the form on `page` (to `action`, default the page itself) with its CSRF token."""
    data = {"csrf_token": csrf_token(client, page)} | data
    return client.post(action or page, data=data)


def login(client: FlaskClient, email: str, password: str = PASSWORD):
    return post_form(client, "/admin/login", email=email, password=password)


@pytest.fixture
def create_staff(app: Flask) -> Callable[..., SimpleNamespace]:
    """Return `create_staff(email=…, password=…, active=True)`: an account, as plain values."""

    def make(email: str = "lisa@praktijk.nl", password: str = PASSWORD, active: bool = True):
        with app.app_context():
            staff = auth.create_staff(email, password)
            if not active:
                staff = auth.deactivate_staff(email)
            return SimpleNamespace(id=staff.id, email=staff.email, password=password)

    return make


@pytest.fixture
def create_lead(app: Flask) -> Callable[..., Lead]:
    """Return `create_lead(**overrides)`: a stored lead (detached, columns loaded)."""
    counter = iter(range(1, 1_000_000))

    def make(**overrides) -> Lead:
        n = next(counter)
        values = {
            "kind": "ebook",
            "name": f"Anna de Vries {n}",
            "email": f"anna{n}@example.nl",
        } | overrides
        consents = values.pop("consents", ["privacy"])
        downloads = values.pop("downloads", [])
        with app.app_context():
            lead = Lead(**values)
            for purpose in consents:
                lead.consents.append(
                    Consent(
                        purpose=purpose, text_version="v1", text=f"Tekst {purpose}", form="ebook"
                    )
                )
            for moment in downloads:
                lead.downloads.append(DownloadEvent(at=moment))
            db.session.add(lead)
            db.session.commit()
            db.session.refresh(lead)
            db.session.expunge(lead)
            return lead

    return make


@pytest.fixture
def add_views(app: Flask) -> Callable[..., None]:
    """Return `add_views(day, source, views, campaign="")`: rows as the view counter writes."""

    def add(day: date, source: str, views: int, campaign: str = "") -> None:
        with app.app_context():
            db.session.add(PageView(day=day, source=source, utm_campaign=campaign, views=views))
            db.session.commit()

    return add


@pytest.fixture
def staff(create_staff) -> SimpleNamespace:
    return create_staff()


@pytest.fixture
def staff_client(client: FlaskClient, staff) -> FlaskClient:
    """A client logged in as `staff`."""
    response = login(client, staff.email)
    assert response.status_code == 303, response.get_data(as_text=True)
    return client


@pytest.fixture
def read(app: Flask) -> Callable:
    """Return `read(Model, **filters)`: the matching rows, detached."""

    def query(model, **filters):
        with app.app_context():
            rows = list(db.session.execute(db.select(model).filter_by(**filters)).scalars())
            db.session.expunge_all()
            return rows

    return query


def plain_mail(number: int = 0, **fields) -> OutboxMail:
    """An outbox row with short bodies, for tests about delivery rather than content."""
    values = {
        "template": "request_confirmation",
        "to_addr": f"lezer{number}@example.nl",
        "subject": "Je aanvraag",
        "body_text": "tekst",
        "body_html": "<p>tekst</p>",
        "headers": {},
        "message_id": f"<test.{number}@example.nl>",
    }
    return OutboxMail(**(values | fields))


def add_mails(app: Flask, count: int = 1, **fields) -> list[str]:
    """Put `count` plain mails in the outbox; return their Message-IDs."""
    with app.app_context():
        mails = [plain_mail(number, **fields) for number in range(count)]
        db.session.add_all(mails)
        db.session.commit()
        return [mail.message_id for mail in mails]


def deliver(app: Flask, **options) -> outbox.Report:
    """Run one pass of the mail worker, as `flask mail send` does."""
    with app.app_context():
        try:
            return outbox.send_due(**options)
        finally:
            db.session.remove()


def said(app: Flask, mail: OutboxMail) -> Bodies:
    """What `mail` says, text and HTML, as the worker sends it: rendered now when it was
    stored without bodies. `mail` may be detached, or from the app's session."""
    if has_app_context():  # the caller's session, which may hold the write lock
        return bodies(mail)
    with app.app_context():
        return bodies(db.session.merge(mail, load=False))


def built(app: Flask, mail: OutboxMail) -> EmailMessage:
    """The message the worker builds for `mail`; `mail` may be detached, as `said` takes it."""
    if has_app_context():
        return build_message(mail, app.config)
    with app.app_context():
        return build_message(db.session.merge(mail, load=False), app.config)


def outbox_rows(app: Flask) -> list[OutboxMail]:
    """Every outbox row, oldest first, detached."""
    with app.app_context():
        rows = db.session.execute(db.select(OutboxMail).order_by(OutboxMail.id)).scalars().all()
        db.session.expunge_all()
        return list(rows)


def together(app, work: Callable[[], object], workers: int = 2) -> list[object]:
    """Run `work` in `workers` threads, each in its own app context, started at one moment."""
    start = threading.Barrier(workers)
    results: list[object] = [None] * workers
    errors: list[BaseException] = []

    def run(index: int) -> None:
        with app.app_context():
            try:
                start.wait(10)
                results[index] = work()
            except BaseException as error:  # the caller sees it in the assertion below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    return results
