"""The lead export: CSV that Dutch Excel opens cleanly, streamed in batches, formula-safe."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import exists, select

from leadgen.admin import audit, formats
from leadgen.admin.queries import KIND_LABELS, STATUS_LABELS, LeadFilter
from leadgen.extensions import db
from leadgen.models import Consent, Lead

BATCH = 1000
# A spreadsheet runs a cell starting with one of these as a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")
MOMENT_LABELS = {"ochtend": "’s ochtends", "middag": "’s middags", "avond": "’s avonds"}

_newsletter = (
    exists()
    .where(
        Consent.lead_id == Lead.id,
        Consent.purpose == "newsletter",
        Consent.confirmed_at.is_not(None),
        Consent.withdrawn_at.is_(None),
    )
    .label("newsletter")
)
COLUMNS: list[tuple[str, Any]] = [
    ("Nummer", Lead.id),
    ("Aangevraagd op", Lead.created_at),
    ("Aanbod", Lead.kind),
    ("Naam", Lead.name),
    ("E-mail", Lead.email),
    ("Telefoon", Lead.phone),
    ("Status", Lead.status),
    ("Terugbellen op", Lead.follow_up_on),
    ("Geen gehoor", Lead.no_answer_count),
    ("Downloads", Lead.download_count),
    ("Voorkeursmoment", Lead.preferred_moment),
    ("Nieuwsbrief bevestigd", _newsletter),
    ("Bron", Lead.source),
    ("utm_source", Lead.utm_source),
    ("utm_medium", Lead.utm_medium),
    ("utm_campaign", Lead.utm_campaign),
    ("utm_content", Lead.utm_content),
]
HEALTH_COLUMN = ("Klacht (gezondheidsgegevens)", Lead.complaint)


def safe_cell(value: Any) -> str:
    """The value as text a spreadsheet shows as text: a formula trigger gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, datetime):
        return formats.nl_datetime(value)
    if isinstance(value, date):
        return formats.nl_date(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _display(header: str, value: Any) -> Any:
    if header == "Aanbod":
        return KIND_LABELS.get(value, value)
    if header == "Status":
        return STATUS_LABELS.get(value, value)
    if header == "Telefoon":
        return formats.nl_phone(value)
    if header == "Voorkeursmoment":
        return MOMENT_LABELS.get(value, value)
    return value


def start_export(
    lead_filter: LeadFilter, include_health: bool, staff_id: int | None, via: str
) -> Iterator[str]:
    """Write the export to the audit log (commit), then return the CSV as a stream of text."""
    audit.record(
        "export_health" if include_health else "export",
        staff_id,
        filter=lead_filter.for_audit(),
        via=via,
    )
    db.session.commit()
    return csv_chunks(lead_filter, include_health)


def csv_chunks(lead_filter: LeadFilter, include_health: bool = False) -> Iterator[str]:
    """Yield the CSV in pieces: a BOM, the header, then one piece per batch of leads.

    Each batch is its own short read (keyset on id), so memory stays flat and no transaction
    (on SQLite: the write lock) is held while the client downloads.
    """
    columns = [*COLUMNS, HEALTH_COLUMN] if include_health else list(COLUMNS)
    headers = [header for header, _ in columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(headers)
    yield "\ufeff" + _drain(buffer)
    where = lead_filter.conditions()
    last_id = 0
    while True:
        rows = db.session.execute(
            select(*(column for _, column in columns))
            .where(*where, Lead.id > last_id)
            .order_by(Lead.id)
            .limit(BATCH)
        ).all()
        db.session.rollback()
        if not rows:
            return
        for row in rows:
            writer.writerow([safe_cell(_display(h, v)) for h, v in zip(headers, row, strict=True)])
        last_id = rows[-1][0]
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def filename(today: date) -> str:
    return f"leads-{today:%Y%m%d}.csv"
