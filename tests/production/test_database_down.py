"""The database out of reach: a friendly 503 in Dutch, an honest health check, no half writes."""

from __future__ import annotations

import socket
import threading

import pytest
from sqlalchemy.exc import OperationalError

from leadgen import create_app, tokens
from leadgen.extensions import db
from tests.conftest import ADVIES_FIELDS, EBOOK_FIELDS, base_config, form_token, listening
from tests.production.conftest import totals

UNREACHABLE = {
    # Its folder is there (a missing one stops start-up), but the file cannot be opened.
    "sqlite": "sqlite:///{tmp}/leadgen.db",
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:1/leadgen",  # nothing listens on 1
}
FRIENDLY = "Tijdelijk niet beschikbaar"


@pytest.fixture(params=sorted(UNREACHABLE))
def offline_client(request, tmp_path):
    (tmp_path / "leadgen.db").mkdir()  # a folder where the database file should be
    app = create_app(base_config(UNREACHABLE[request.param].format(tmp=tmp_path), str(tmp_path)))
    yield app.test_client()
    with app.app_context():
        db.engine.dispose()


def test_health_check_says_the_database_is_down(offline_client):
    response = offline_client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "db": "error"}


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/ebook", EBOOK_FIELDS),
        ("/advies", ADVIES_FIELDS),
        ("/embed/ebook", EBOOK_FIELDS),
        ("/embed/advies", ADVIES_FIELDS),
    ],
)
def test_forms_answer_503_with_a_friendly_page(offline_client, path, fields):
    data = fields | {"form_token": form_token(offline_client, path)}
    response = offline_client.post(path, data=data)
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert FRIENDLY in page
    assert "niets bewaard" in page


def test_download_answers_503_too(offline_client):
    with offline_client.application.app_context():
        token = tokens.issue_lead_token(
            "download", 1, "x" * 32
        )  # genuine, so the lead is looked up
    response = offline_client.get(f"/download/{token}")
    assert response.status_code == 503
    assert FRIENDLY in response.get_data(as_text=True)


def test_a_postgresql_host_that_never_answers_gives_up_with_503(tmp_path):
    """A server that takes the connection and then says nothing must not hang the request."""
    answers = []
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # the kernel completes the handshake; nobody ever speaks
        host, port = silent.getsockname()
        url = f"postgresql+psycopg://postgres@{host}:{port}/leadgen"
        app = create_app(base_config(url, str(tmp_path)))
        ask = threading.Thread(
            target=lambda: answers.append(app.test_client().get("/healthz")), daemon=True
        )
        ask.start()
        ask.join(60)  # a generous bound, not a timing target: without a timeout it never ends
        hung = ask.is_alive()
    ask.join()  # closing the socket ends a hung connection attempt
    with app.app_context():
        db.engine.dispose()
    assert not hung
    assert [answer.status_code for answer in answers] == [503]


@pytest.mark.parametrize(("path", "fields"), [("/ebook", EBOOK_FIELDS), ("/advies", ADVIES_FIELDS)])
def test_a_failure_halfway_leaves_nothing_behind(app, client, path, fields):
    """The database goes away between the lead and its mail: the lead must not stay alone."""

    def fail_on_outbox(conn, cursor, statement, *args):
        # Its own statement, or a part of a new lead's one statement on PostgreSQL.
        if "INSERT INTO OUTBOX_MAIL" in statement.upper():
            raise OperationalError(statement, None, ConnectionError("server closed the connection"))

    token = form_token(client, path)
    with listening(app, "before_cursor_execute", fail_on_outbox):
        response = client.post(path, data=fields | {"form_token": token})
    assert response.status_code == 503
    assert FRIENDLY in response.get_data(as_text=True)
    assert totals(app) == (0, 0, 0)
