"""A download link checked, the copy sent (or handed to nginx), and the download counted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from flask import Response, current_app, request, send_file
from sqlalchemy import bindparam, case, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from leadgen import database, driver, tokens
from leadgen.ebook import service as ebook
from leadgen.extensions import db
from leadgen.models import DownloadEvent, Lead, utcnow
from leadgen.tally import tally_for

# Built once: the name of the e-book lead a link names, if the lead's secret matches.
LINK_OWNER = select(Lead.name).where(
    Lead.id == bindparam("id"), Lead.secret == bindparam("secret"), Lead.kind == "ebook"
)
DOWNLOAD_NAME = "Trainingsgids gluteus medius.pdf"  # what the visitor's browser saves it as
# Different (lead, moment) keys one process holds before it writes; past it, counts go at once.
MAX_WAITING = 10_000


@dataclass(frozen=True)
class Download:
    """The lead a valid download link belongs to."""

    lead_id: int
    name: str
    owner: str  # the lead's secret, which keys its personal copies


def lead_for_download(token: str) -> Download:
    """The lead a download token belongs to, or TokenError; a read that takes no write lock."""
    lead_id, owner = tokens.read_lead_token("download", token, tokens.download_max_age())
    # One plain read on a pooled connection of its own, outside any transaction: no session,
    # and on SQLite no write lock, so a download never queues behind a submission.
    row = driver.first_row(db.engine, LINK_OWNER, {"id": lead_id, "secret": owner})
    if row is None:
        raise tokens.TokenError(expired=False)
    return Download(lead_id=lead_id, name=row[0], owner=owner)


def respond(path: Path, download_name: str) -> Response:
    """The answer that sends the copy at `path`: from Python, or through nginx when configured."""
    prefix = current_app.config["LEADGEN_X_ACCEL_PREFIX"]
    if prefix:
        # Hand the bytes to nginx: an empty answer naming the file under its `internal` location.
        response = Response(mimetype="application/pdf")
        response.headers["X-Accel-Redirect"] = accel_location(path, prefix)
        response.headers.set("Content-Disposition", "attachment", filename=download_name)
    else:
        response = send_file(
            path,
            mimetype="application/pdf",
            as_attachment=True,
            download_name=download_name,
            conditional=True,
            etag=True,
            max_age=0,
        )
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def accel_location(path: Path, prefix: str) -> str:
    """The address of the copy at `path` under nginx's `internal` location `prefix`."""
    relative = path.relative_to(ebook.cache_dir()).as_posix()
    return f"{prefix.rstrip('/')}/{quote(relative)}"


def is_revalidation() -> bool:
    """nginx answers If-None-Match / If-Modified-Since / Range itself: only a whole one counts."""
    return bool(current_app.config["LEADGEN_X_ACCEL_PREFIX"]) and any(
        header in request.headers for header in ("If-None-Match", "If-Modified-Since", "Range")
    )


def count_download(lead_id: int) -> None:
    """Count a download that was sent; a database that refuses is logged, the visitor not kept."""
    try:
        record_download(lead_id)
    except SQLAlchemyError:  # e.g. the database locked: the visitor gets the book anyway
        db.session.rollback()
        current_app.logger.warning("download of lead %s not counted", lead_id, exc_info=True)


def record_download(lead_id: int) -> None:
    """Count one download of lead `lead_id`.

    With LEADGEN_COUNT_FLUSH_SECONDS (5 by default) the count waits in memory and is written
    with others in the background (leadgen/tally.py: a crash loses at most those seconds'
    counts, a locked database none); with 0 it is written at once.
    """
    at = utcnow()
    interval = current_app.config["LEADGEN_COUNT_FLUSH_SECONDS"]
    if interval:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        if tally_for(app, "downloads", write, interval, MAX_WAITING).add((lead_id, at)):
            return
    write({(lead_id, at): 1})


def write(batch: dict[tuple[int, datetime], int]) -> None:
    """Add the downloads in `batch` ({(lead id, moment): downloads}) in one short transaction.

    Committed relaxed: a power cut may lose them, a crash of the app never, and never half of
    them (docs/performance.md). A lead erased in the meantime is passed over.
    """
    db.session.connection(execution_options={database.RELAXED: True})
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(db.text("SET LOCAL synchronous_commit = off"))
    try:
        wanted = sorted({lead_id for lead_id, _at in batch})
        alive = set(db.session.execute(db.select(Lead.id).where(Lead.id.in_(wanted))).scalars())
        moments: dict[int, list[datetime]] = {}
        for (lead_id, at), downloads in sorted(batch.items()):
            if lead_id in alive:
                moments.setdefault(lead_id, []).extend([at] * downloads)
        for lead_id, ats in moments.items():
            last = max(ats)
            db.session.execute(
                update(Lead)
                .where(Lead.id == lead_id)
                .values(
                    download_count=Lead.download_count + len(ats),
                    last_downloaded_at=case(
                        (Lead.last_downloaded_at > last, Lead.last_downloaded_at), else_=last
                    ),
                )
            )
        events = [{"lead_id": i, "at": at} for i, ats in moments.items() for at in ats]
        if events:
            db.session.execute(insert(DownloadEvent), events)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
