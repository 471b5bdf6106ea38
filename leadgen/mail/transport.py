"""How a built message leaves: SMTP (plain, STARTTLS or SSL) or an .eml file in instance/mail/."""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from collections.abc import Collection, Iterable
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Protocol

from leadgen.config import SmtpSettings
from leadgen.files import write_atomic

SMTP_TIMEOUT = 10.0  # seconds per socket operation: a hanging server must not hang the worker


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None: ...

    def close(self) -> None: ...


class SmtpTransport:
    """One SMTP connection, opened at the first message and reused until `close()`."""

    def __init__(
        self,
        settings: SmtpSettings,
        timeout: float = SMTP_TIMEOUT,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.settings = settings
        self.timeout = timeout
        self.ssl_context = ssl_context
        self._smtp: smtplib.SMTP | None = None

    def connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.scheme == "smtps":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                s.host, s.port, timeout=self.timeout, context=self._context()
            )
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if s.scheme == "smtp+starttls":
                smtp.starttls(context=self._context())
                smtp.ehlo()
            if s.username:
                smtp.login(s.username, s.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _context(self) -> ssl.SSLContext:
        return self.ssl_context or ssl.create_default_context()

    def send(self, message: EmailMessage) -> None:
        if self._smtp is None:
            self._smtp = self.connect()
        try:
            self._smtp.send_message(message)
        except (smtplib.SMTPServerDisconnected, OSError):
            self.close()  # the connection is gone; the next message opens a new one
            raise
        except Exception:
            # A refused or unsendable message (SMTP error, encoding): the connection stays,
            # reset for the next one.
            self._reset()
            raise

    def _reset(self) -> None:
        # After a refused message the session must be reset before the next MAIL FROM.
        try:
            self._smtp.rset()  # type: ignore[union-attr]
        except (smtplib.SMTPException, OSError):
            self.close()

    def close(self) -> None:
        if self._smtp is None:
            return
        smtp, self._smtp = self._smtp, None
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


class FileTransport:
    """The embedded mailbox: each message as an .eml file, written atomically."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path_for(self, message: EmailMessage) -> Path:
        # Named by date and Message-ID, so a retried message overwrites itself, never doubles.
        return self.directory / file_name(message["Date"].datetime, str(message["Message-ID"]))

    def send(self, message: EmailMessage) -> None:
        write_atomic(self.path_for(message), message.as_bytes(), durable=True)

    def close(self) -> None:
        pass


def file_name(written: datetime, message_id: str) -> str:
    """The mailbox file of the message with this Date and Message-ID."""
    digest = hashlib.sha256(message_id.encode()).hexdigest()[:12]
    return f"{written.strftime('%Y%m%d-%H%M%S')}-{digest}.eml"


def mailbox_dir(instance_path: str) -> Path:
    """The embedded mailbox, where mails go without LEADGEN_SMTP_URL."""
    return Path(instance_path) / "mail"


def remove_mail_files(
    directory: Path, mails: Iterable[tuple[datetime, str]], addresses: Collection[str] = ()
) -> int:
    """Delete the mailbox files of these (written at, Message-ID) pairs and of every message
    addressed To one of `addresses` (lower case); return how many.
    """
    if not directory.is_dir():
        return 0
    doomed = {directory / file_name(written, message_id) for written, message_id in mails}
    if addresses:
        doomed |= {path for path in directory.glob("*.eml") if _addressed_to(path, addresses)}
    removed = 0
    for path in doomed:
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        removed += 1
    return removed


def _addressed_to(path: Path, addresses: Collection[str]) -> bool:
    try:
        with path.open("rb") as handle:
            headers = BytesHeaderParser(policy=policy.default).parse(handle)
    except OSError:
        return False
    return any(
        address.addr_spec.lower() in addresses
        for header in headers.get_all("To") or ()
        for address in getattr(header, "addresses", ())
    )


def transport_for(config: dict, instance_path: str) -> Transport:
    """SMTP when LEADGEN_SMTP_URL is set (parsed at start: LEADGEN_SMTP), the mailbox otherwise."""
    if config.get("LEADGEN_SMTP"):
        return SmtpTransport(
            config["LEADGEN_SMTP"],
            timeout=float(config.get("LEADGEN_SMTP_TIMEOUT", SMTP_TIMEOUT)),
        )
    return FileTransport(mailbox_dir(instance_path))
