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
