"""SMTP settings and connections (plain, STARTTLS, SSL, login), and the .eml mailbox fallback."""

from __future__ import annotations

import shutil
import ssl
import stat
import subprocess
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult

from leadgen.config import ConfigError, SmtpSettings, parse_smtp_url
from leadgen.extensions import db
from leadgen.models import OutboxMail, utcnow
from tests.factories import add_mails, deliver, outbox_rows


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://127.0.0.1:1025", SmtpSettings("smtp", "127.0.0.1", 1025)),
        ("smtp://mail.example.nl", SmtpSettings("smtp", "mail.example.nl", 25)),
        ("smtp+starttls://mail.example.nl", SmtpSettings("smtp+starttls", "mail.example.nl", 587)),
        ("smtps://mail.example.nl", SmtpSettings("smtps", "mail.example.nl", 465)),
        (
            "smtp+starttls://praktijk%40example.nl:ge%3Aheim%2F@mail.example.nl:2525",
            SmtpSettings(
                "smtp+starttls", "mail.example.nl", 2525, "praktijk@example.nl", "ge:heim/"
            ),
        ),
        (
            "smtps://alleen-naam@mail.example.nl",
            SmtpSettings("smtps", "mail.example.nl", 465, "alleen-naam"),
        ),
    ],
)
def test_smtp_url_is_taken_apart(url, expected):
    assert parse_smtp_url(url) == expected


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://mail.example.nl", "must start with"),
        ("smtp://", "names no host"),
        ("smtp://mail.example.nl:poort", "not a number"),
    ],
)
def test_a_wrong_smtp_url_is_refused_in_one_line(url, says):
    with pytest.raises(ConfigError, match=says):
        parse_smtp_url(url)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    openssl = shutil.which("openssl")
    if not openssl:
        pytest.skip("the TLS tests need the openssl command (apt-get install openssl)")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(  # noqa: S603 - fixed arguments, nothing from outside the test
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert),
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def server_tls(certificate) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


@pytest.fixture
def trust_certificate(certificate, monkeypatch) -> None:
    """Make the certificate trusted the way an operator would: the default CA file."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))


class Logins:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def __call__(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.seen.append((login, password))
        ok = (login, password) == ("praktijk@example.nl", "ge:heim")
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535


def test_starttls_with_login(make_app, start_smtp, server_tls, trust_certificate):
    logins = Logins()
    server = start_smtp(
        scheme="smtp+starttls",
        userinfo="praktijk%40example.nl:ge%3Aheim@",
        tls_context=server_tls,
        require_starttls=True,  # the server refuses everything before STARTTLS
        authenticator=logins,
        auth_require_tls=True,
    )
    app = make_app(LEADGEN_SMTP_URL=server.url)
    add_mails(app)
    assert deliver(app).sent == 1
    assert logins.seen == [("praktijk@example.nl", "ge:heim")]
    assert [r.message["Message-ID"] for r in server.received] == ["<test.0@example.nl>"]


def test_a_wrong_password_waits_for_the_operator(
    make_app, start_smtp, server_tls, trust_certificate
):
    server = start_smtp(
        scheme="smtp+starttls",
        userinfo="praktijk%40example.nl:fout@",
        tls_context=server_tls,
        require_starttls=True,
        authenticator=Logins(),
        auth_require_tls=True,
    )
    app = make_app(LEADGEN_SMTP_URL=server.url)
    add_mails(app)
    assert deliver(app).retrying == 1
    [row] = outbox_rows(app)
    assert "SMTPAuthenticationError" in row.last_error
    assert server.received == []


def test_smtps(make_app, start_smtp, server_tls, trust_certificate):
    server = start_smtp(scheme="smtps", ssl_context=server_tls)
    app = make_app(LEADGEN_SMTP_URL=server.url)
    add_mails(app)
    assert deliver(app).sent == 1
    assert len(server.received) == 1


@pytest.mark.parametrize("scheme", ["smtps", "smtp+starttls"])
def test_an_untrusted_certificate_is_refused(make_app, start_smtp, server_tls, scheme):
    options = {"ssl_context": server_tls} if scheme == "smtps" else {"tls_context": server_tls}
    server = start_smtp(scheme=scheme, **options)
    app = make_app(LEADGEN_SMTP_URL=server.url)
    add_mails(app)
    assert deliver(app).retrying == 1
    [row] = outbox_rows(app)
    assert "CERTIFICATE_VERIFY_FAILED" in row.last_error
    assert server.received == []


# --- without LEADGEN_SMTP_URL: the instance mailbox ----------------------------------------------


@pytest.fixture
def mailbox_app(make_app, tmp_path):
    return make_app(LEADGEN_SMTP_URL="", INSTANCE_PATH=str(tmp_path / "instance"))


def test_without_smtp_each_mail_becomes_an_eml_file(mailbox_app, tmp_path):
    client = mailbox_app.test_client()
    from tests.conftest import ADVIES_FIELDS, form_token

    token = form_token(client, "/advies")
    assert client.post("/advies", data=ADVIES_FIELDS | {"form_token": token}).status_code == 303
    assert deliver(mailbox_app).sent == 2
    folder = tmp_path / "instance" / "mail"
    files = sorted(folder.iterdir())
    assert [path.suffix for path in files] == [".eml", ".eml"]  # no temporary files left behind
    messages = [message_from_bytes(path.read_bytes(), policy=policy.default) for path in files]
    assert {m["Message-ID"] for m in messages} == {
        row.message_id for row in outbox_rows(mailbox_app)
    }
    assert {m["To"] for m in messages} == {"Piet <piet@example.nl>", "praktijk@example.nl"}
    assert all(m.get_body(("html",)) is not None for m in messages)
    assert all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in files)  # personal data


def test_a_retried_eml_overwrites_itself(mailbox_app, tmp_path):
    add_mails(mailbox_app)
    assert deliver(mailbox_app).sent == 1
    with mailbox_app.app_context():  # as if the worker died before recording the send
        row = db.session.execute(db.select(OutboxMail)).scalar_one()
        row.status, row.next_attempt_at = "pending", utcnow()
        db.session.commit()
    assert deliver(mailbox_app).sent == 1
    assert len(list((tmp_path / "instance" / "mail").iterdir())) == 1


def test_mailbox_files_are_found_by_their_row_or_their_address(mailbox_app, tmp_path):
    from leadgen.mail.transport import remove_mail_files

    add_mails(mailbox_app, 3)  # to lezer0, lezer1 and lezer2
    assert deliver(mailbox_app).sent == 3
    first = outbox_rows(mailbox_app)[0]
    folder = tmp_path / "instance" / "mail"
    removed = remove_mail_files(
        folder, [(first.created_at, first.message_id)], {"lezer1@example.nl"}
    )
    assert removed == 2
    left = [
        message_from_bytes(path.read_bytes(), policy=policy.default) for path in folder.iterdir()
    ]
    assert [message["To"] for message in left] == ["lezer2@example.nl"]
