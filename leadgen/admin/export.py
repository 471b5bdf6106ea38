"""The lead export: CSV that Dutch Excel opens cleanly, streamed in batches, formula-safe."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, exists, select

from leadgen.admin import audit, formats
from leadgen.admin.queries import LeadFilter
from leadgen.extensions import db
from leadgen.models import Consent, Lead
from leadgen.vocab import KIND_LABELS, MOMENT_PHRASES, STATUS_LABELS

BATCH = 1000
# A spreadsheet runs a cell starting with one of these as a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")

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


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _label(labels: dict) -> Callable[[Any], str]:
    return lambda value: str(labels.get(value, _text(value)))


def _phone(value: str | None) -> str:
    # Dutch mobile numbers are most of them; spare phonenumbers the work for those.
    if value and len(value) == 12 and value.startswith("+316"):
        return "06 " + value[4:]
    return formats.nl_phone(value)


# (header, column, how to write it); every value still goes through safe_cell.
COLUMNS: list[tuple[str, Any, Callable[[Any], str]]] = [
    ("Nummer", Lead.id, _text),
    ("Aangevraagd op", Lead.created_at, formats.nl_datetime),
    ("Aanbod", Lead.kind, _label(KIND_LABELS)),
    ("Naam", Lead.name, _text),
    ("E-mail", Lead.email, _text),
    ("Telefoon", Lead.phone, _phone),
    ("Status", Lead.status, _label(STATUS_LABELS)),
    ("Terugbellen op", Lead.follow_up_on, formats.nl_date),
    ("Geen gehoor", Lead.no_answer_count, _text),
    ("Downloads", Lead.download_count, _text),
    ("Voorkeursmoment", Lead.preferred_moment, _label(MOMENT_PHRASES)),
    ("Nieuwsbrief bevestigd", _newsletter, lambda value: "ja" if value else "nee"),
    ("Bron", Lead.source, _text),
    ("utm_source", Lead.utm_source, _text),
    ("utm_medium", Lead.utm_medium, _text),
    ("utm_campaign", Lead.utm_campaign, _text),
    ("utm_content", Lead.utm_content, _text),
]
HEALTH_COLUMN = ("Klacht (gezondheidsgegevens)", Lead.complaint, _text)


def safe_cell(text: str) -> str:
    """The text as a spreadsheet shows it as text: a formula trigger gets a leading quote."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def start_export(
    lead_filter: LeadFilter, include_health: bool, staff_id: int | None, via: str
) -> Iterator[str]:
    """Write the export to the audit log (commit), then return the CSV as a stream of text.

    The query is built first: a filter that cannot be one fails here, before the audit entry
    and before a response has begun.
    """
    chunks = csv_chunks(lead_filter, include_health)
    audit.record(
        "export_health" if include_health else "export",
        staff_id,
        filter=lead_filter.for_audit(),
        via=via,
    )
    db.session.commit()
    return chunks


def csv_chunks(lead_filter: LeadFilter, include_health: bool = False) -> Iterator[str]:
    """The CSV in pieces: a BOM, the header, then one piece per batch of leads.

    The filter's conditions are built now, the rows read as the pieces are taken.
    """
    columns = [*COLUMNS, HEALTH_COLUMN] if include_health else list(COLUMNS)
    return _chunks(lead_filter.conditions(), columns)


def _chunks(where: list[ColumnElement[bool]], columns: list[tuple]) -> Iterator[str]:
    writers = [write for _, _, write in columns]

    def batches() -> Iterator[list[list[str]]]:
        # Each batch is its own short read (keyset on id), so memory stays flat and no
        # transaction (on SQLite: the write lock) is held while the client downloads.
        last_id = 0
        while True:
            rows = db.session.execute(
                select(*(column for _, column, _ in columns))
                .where(*where, Lead.id > last_id)
                .order_by(Lead.id)
                .limit(BATCH)
            ).all()
            db.session.rollback()
            if not rows:
                return
            yield [[write(v) for write, v in zip(writers, row, strict=True)] for row in rows]
            last_id = rows[-1][0]

    return csv_document([header for header, _, _ in columns], batches())


def csv_document(headers: list[str], batches: Iterable[Iterable[list[str]]]) -> Iterator[str]:
    """CSV for Dutch Excel in pieces: a BOM and the header, then one piece per batch of rows.

    UTF-8 with BOM, `;` between quoted cells, CRLF; every cell through `safe_cell`. The lead
    export and the funnel's export both write through here.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([safe_cell(header) for header in headers])
    yield "\ufeff" + _drain(buffer)
    for batch in batches:
        writer.writerows([safe_cell(cell) for cell in row] for row in batch)
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def filename(today: date) -> str:
    return f"leads-{today:%Y%m%d}.csv"
