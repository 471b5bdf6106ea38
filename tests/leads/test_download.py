"""The personal download link: PDF, caching headers, counting, and refused tokens."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from leadgen import tokens
from leadgen.extensions import db
from leadgen.models import DownloadEvent, Lead, new_secret


@pytest.fixture
def download_path(submit) -> str:
    response = submit(name="Anna de Vries")
    token = response.headers["Location"].split("t=", 1)[1]
    return f"/download/{token}"


def _get(client, path, **kwargs):
    """GET a download and read it whole, closing the file it streams from."""
    response = client.get(path, **kwargs)
    response.get_data()
    response.close()
    return response


def test_download_serves_the_personal_pdf(client, download_path):
    response = _get(client, download_path)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "Trainingsgids" in response.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.data))
    assert "Anna de Vries" in reader.pages[0].extract_text()


def test_download_is_counted_on_the_lead(client, download_path, app, leads):
    _get(client, download_path)
    _get(client, download_path)
    [lead] = leads()
    assert lead.download_count == 2
    assert lead.last_downloaded_at is not None
    with app.app_context():
        assert db.session.query(DownloadEvent).count() == 2


def test_conditional_get_answers_304_and_is_not_counted(client, download_path, leads):
    first = _get(client, download_path)
    etag = first.headers["ETag"]
    again = _get(client, download_path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert leads()[0].download_count == 1


def test_download_page_sends_no_referrer(client, download_path):
    response = _get(client, download_path)
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "private, no-cache"


@pytest.mark.parametrize(
    "token",
    ["nonsense", "WzEsMV0.forged.signature", "..%2f..%2fetc%2fpasswd", "%00", "a" * 2000],
)
def test_unknown_or_forged_token_gets_404_with_resend_form(client, token):
    response = client.get(f"/download/{token}")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Nieuwe downloadlink" in page or "nieuwe aan" in page
    assert 'action="/ebook/opnieuw"' in page


def test_expired_token_gets_410_with_resend_form(make_app, submit, monkeypatch):
    app = make_app(LEADGEN_DOWNLOAD_TTL_DAYS=1)
    client = app.test_client()
    response = client.post(
        "/ebook",
        data={
            "name": "Anna",
            "email": "anna@example.nl",
            "privacy": "y",
            "form_token": _token(client),
        },
    )
    path = "/download/" + response.headers["Location"].split("t=", 1)[1]
    monkeypatch.setattr(tokens, "download_max_age", lambda: -1)
    expired = client.get(path)
    assert expired.status_code == 410
    assert "verlopen" in expired.get_data(as_text=True)


def test_token_of_a_lead_with_a_new_secret_is_refused(client, download_path, app):
    with app.app_context():
        lead = db.session.execute(db.select(Lead)).scalar_one()
        lead.secret = new_secret()
        db.session.commit()
    assert client.get(download_path).status_code == 404


def test_a_link_signed_before_leads_had_a_secret_is_refused(client, download_path, app):
    with app.app_context():
        old_style = tokens.issue_lead_token("download", 1, 1)  # [id, token version]
    assert client.get(f"/download/{old_style}").status_code == 404


def test_download_refuses_post(client, download_path):
    assert client.post(download_path).status_code == 405


def _token(client) -> str:
    from tests.conftest import form_token

    return form_token(client, "/ebook")


def test_checking_a_link_takes_no_write_lock(app, download_path):
    """A download must not queue behind a submission that holds SQLite's write lock."""
    import sqlite3

    from leadgen.leads import downloads

    with app.app_context():
        from leadgen.extensions import db

        if db.engine.dialect.name != "sqlite":
            pytest.skip("the write lock is SQLite's")
        writer = sqlite3.connect(db.engine.url.database, isolation_level=None, timeout=0)
        try:
            writer.execute("BEGIN IMMEDIATE")
            found = downloads.lead_for_download(download_path.rsplit("/", 1)[1])
        finally:
            writer.execute("ROLLBACK")
            writer.close()
    assert found.name == "Anna de Vries"


def _durability_at_inserts(app, client, action) -> dict[str, str]:
    """Run `action`; return the commit durability in force at each table's first INSERT."""
    from tests.conftest import listening

    with app.app_context():
        engine = db.engine
    sqlite = engine.dialect.name == "sqlite"
    seen: dict[str, str] = {}

    def after(_conn, cursor, statement, *_args) -> None:
        # One INSERT a statement, or on PostgreSQL a new lead's one statement with several.
        for table in re.findall(r'INSERT INTO "?(\w+)', statement):
            ask = "PRAGMA synchronous" if sqlite else "SHOW synchronous_commit"
            seen.setdefault(table, str(cursor.connection.execute(ask).fetchone()[0]))

    with listening(app, "after_cursor_execute", after):
        action()
    return seen


def test_a_download_count_is_committed_relaxed_and_a_lead_durably(app, client, submit):
    """A count may wait for the disk's next sync; a lead and its mail never do."""
    paths: list[str] = []

    def request_book() -> None:
        response = submit(name="Anna de Vries", email=f"anna{len(paths)}@example.nl")
        paths.append(f"/download/{response.headers['Location'].split('t=', 1)[1]}")

    on_submit = _durability_at_inserts(app, client, request_book)
    on_download = _durability_at_inserts(app, client, lambda: _get(client, paths[0]))
    durable, relaxed = ("2", "1") if on_submit["lead"].isdigit() else ("on", "off")
    assert on_submit["lead"] == durable
    assert on_submit["outbox_mail"] == durable
    assert on_download["download_event"] == relaxed
    # The next submission is durable again, on the same pooled connection.
    assert _durability_at_inserts(app, client, request_book)["lead"] == durable
