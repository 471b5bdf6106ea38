"""A download link checked, and the download counted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import case, insert, update

from leadgen import database, tokens
from leadgen.extensions import begin_read, db
from leadgen.models import DownloadEvent, Lead, utcnow
from leadgen.tally import tally_for

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
    begin_read()
    row = db.session.execute(
        db.select(Lead.name).where(Lead.id == lead_id, Lead.secret == owner, Lead.kind == "ebook")
    ).one_or_none()
    db.session.rollback()
    if row is None:
        raise tokens.TokenError(expired=False)
    return Download(lead_id=lead_id, name=row.name, owner=owner)


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
