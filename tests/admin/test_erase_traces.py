"""Erasure and purge leave nothing of the person on disk: database, WAL, mailbox, e-book copies."""

from __future__ import annotations

import random
import re
import string
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import sqlalchemy as sa

from leadgen.ebook import service as ebook
from leadgen.extensions import db
from leadgen.mail.transport import mailbox_dir
from leadgen.models import Appointment, AppointmentCell, Lead, OutboxMail, utcnow
from tests.conftest import ADVIES_FIELDS, EBOOK_FIELDS
from tests.factories import deliver, plain_mail


@pytest.fixture
def person() -> dict[str, str]:
    """A name and address no other test uses, so finding them anywhere means they are ours."""
    word = "".join(random.choice(string.ascii_lowercase) for _ in range(10))
    return {"name": f"Wietske Spoor{word}", "email": f"spoor.{word}@example.nl", "word": word}


def _readable(path: Path) -> bytes:
    """A file's bytes; for a mail also its decoded bodies (they may be base64 or QP)."""
    raw = path.read_bytes()
    if path.suffix != ".eml":
        return raw
    message = message_from_bytes(raw, policy=policy.default)
    parts = [part.get_content() for part in message.walk() if not part.is_multipart()]
    return raw + "".join(str(part) for part in parts).encode()


def _files(folder: Path) -> set[Path]:
    return {path for path in folder.rglob("*") if path.is_file()}


def _traces(app, person: dict[str, str], before: set[Path]) -> list[str]:
    """Every file made since `before`, and the database with its WAL, that holds the person."""
    instance = Path(app.instance_path)
    suspects = _files(instance) - before
    if db.engine.dialect.name == "sqlite":
        database = Path(db.engine.url.database)
        suspects |= {database, Path(f"{database}-wal")}
    found = []
    for path in sorted(suspects):
        if not path.exists():
            continue
        content = _readable(path)
        if person["word"].encode() in content.lower():
            found.append(str(path.relative_to(path.parents[1])))
    return found


def _copies(app) -> set[Path]:
    with app.app_context():
        return _files(ebook.cache_dir() / "copies")


def _make_traces(app, client, submit, person) -> None:
    """Ask for the e-book (with the newsletter) and a call, download the book, send the mail."""
    fields = {"name": person["name"], "email": person["email"]}
    thanks = submit("/ebook", defaults=EBOOK_FIELDS, newsletter="y", **fields)
    download = client.get("/download/" + thanks.headers["Location"].split("t=", 1)[1])
    download.get_data()
    download.close()
    assert download.status_code == 200
    thanks = submit("/advies", defaults=ADVIES_FIELDS, **fields)
    assert thanks.status_code == 303
    # and a moment booked from the thank-you page: an invitation (.ics) and the practice's notice
    page = client.get(thanks.headers["Location"]).get_data(as_text=True)
    booking = re.search(r'href="(/afspraak/[^"]+)"', page).group(1)
    slot = re.search(r'name="slot" id="[^"]+" value="([^"]+)"', client.get(booking).text).group(1)
    assert client.post(booking, data={"slot": slot}).status_code == 303
    # e-book link, request confirmation, staff notification, booking confirmation, its notice
    assert deliver(app).sent == 5


def test_erase_leaves_no_trace_of_the_person_in_any_file(app, client, submit, runner, person):
    with app.app_context():
        before = _files(Path(app.instance_path))
        copies = _copies(app)
        _make_traces(app, client, submit, person)
        assert _copies(app) - copies, "the download made no personal copy"
        assert _traces(app, person, before), "the test would find the person"

        result = runner.invoke(args=["leads", "erase", person["email"], "--yes"])
        assert result.exit_code == 0, result.output
        assert _traces(app, person, before) == []
        assert _copies(app) - copies == set()


def test_erase_from_the_admin_removes_the_files_too(app, client, submit, person):
    from leadgen.admin import service

    with app.app_context():
        before = _files(Path(app.instance_path))
        _make_traces(app, client, submit, person)
        lead_id = db.session.execute(
            db.select(Lead.id).filter_by(email=person["email"], kind="ebook")
        ).scalar_one()
        db.session.rollback()
        service.erase_lead(lead_id, None)
        assert _traces(app, person, before) == []
        for model in (Appointment, AppointmentCell):
            assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0


def test_purge_removes_the_files_of_purged_leads(app, client, submit, runner, person):
    with app.app_context():
        before = _files(Path(app.instance_path))
        _make_traces(app, client, submit, person)
        db.session.execute(
            db.update(Lead)
            .where(Lead.email == person["email"])
            .values(last_requested_at=utcnow() - timedelta(days=400))
        )
        db.session.commit()
        result = runner.invoke(args=["leads", "purge"])
        assert "Verwijderd: 2 aanvragen" in result.output
        assert _traces(app, person, before) == []


def _mentions(files, person) -> bool:
    return any(person["word"].encode() in _readable(path) for path in files)


def test_erasing_again_removes_mails_left_behind_by_an_older_erasure(app, runner, person):
    """Before erasure removed files it left the .eml files behind, and their rows are gone."""
    with app.app_context():
        mailbox = mailbox_dir(app.instance_path)
        db.session.add(plain_mail(to_addr=person["email"], message_id=f"<{person['word']}@x>"))
        db.session.commit()
        assert deliver(app).sent == 1
        db.session.execute(sa.delete(OutboxMail))  # as the erasure of old did
        db.session.commit()
        assert _mentions(mailbox.glob("*.eml"), person)
        result = runner.invoke(args=["leads", "erase", person["email"].upper(), "--yes"])
        assert "Geen aanvragen gevonden" in result.output
        assert not _mentions(mailbox.glob("*.eml"), person)
