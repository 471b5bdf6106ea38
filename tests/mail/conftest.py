"""Fixtures: a real SMTP server (aiosmtpd) on a free local port, and apps that send to it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from leadgen.extensions import db
from leadgen.mail import outbox
from leadgen.models import OutboxMail
from tests.conftest import free_port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes


@dataclass
class Recorder:
    """An aiosmtpd handler that keeps what it receives; it can refuse addresses or hold DATA."""

    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)  # address -> SMTP reply
    in_data: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    delay: float = 0.0  # seconds to spend on each message, so parallel workers interleave

    def __post_init__(self) -> None:
        self.release.set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.in_data.set()
        # A slow server: hold the reply to DATA until the test lets go.
        await asyncio.to_thread(self.release.wait, 10)
        await asyncio.sleep(self.delay)
        raw = envelope.original_content or envelope.content
        self.received.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                message_from_bytes(raw, policy=policy.default),
                raw,
            )
        )
        return "250 Message accepted for delivery"


class CountingController(Controller):
    """A Controller that counts the connections made to it."""

    connections = 0

    def factory(self):
        self.connections += 1
        return super().factory()


@dataclass
class SmtpServer:
    controller: CountingController
    handler: Recorder
    scheme: str = "smtp"
    userinfo: str = ""
    running: bool = True

    def stop(self) -> None:
        """Take the server down (the port then refuses connections)."""
        if self.running:
            self.handler.release.set()
            self.controller.stop()
            self.running = False

    @property
    def port(self) -> int:
        return self.controller.port

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.userinfo}127.0.0.1:{self.port}"

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    @property
    def connections(self) -> int:
        return self.controller.connections


@pytest.fixture
def start_smtp() -> Iterator[Callable[..., SmtpServer]]:
    """Return `start_smtp(port=None, scheme="smtp", **smtp_options)`; stopped after the test."""
    started: list[SmtpServer] = []

    def start(
        port: int | None = None, scheme: str = "smtp", userinfo: str = "", **options
    ) -> SmtpServer:
        handler = Recorder()
        controller = CountingController(
            handler, hostname="127.0.0.1", port=port or free_port(), **options
        )
        controller.start()
        server = SmtpServer(controller, handler, scheme, userinfo)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def smtp_server(start_smtp) -> SmtpServer:
    return start_smtp()


@pytest.fixture
def app(make_app, smtp_server) -> Flask:
    """The app of these tests sends to the test's SMTP server."""
    return make_app(LEADGEN_SMTP_URL=smtp_server.url)


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
    """Run one pass of the worker, as `flask mail send` does."""
    with app.app_context():
        try:
            return outbox.send_due(**options)
        finally:
            db.session.remove()


def outbox_rows(app: Flask) -> list[OutboxMail]:
    with app.app_context():
        rows = db.session.execute(db.select(OutboxMail).order_by(OutboxMail.id)).scalars().all()
        db.session.expunge_all()
        return list(rows)
