"""The audit log: who did what, when. Entries hold lead ids and filters, never personal data."""

from __future__ import annotations

from typing import Any

from leadgen.extensions import db
from leadgen.models import AuditEntry

# What staff read in the log, per action.
ACTIONS = {
    "login": "Ingelogd",
    "login_failed": "Inloggen mislukt",
    "logout": "Uitgelogd",
    "status": "Status gewijzigd",
    "no_answer": "Gebeld, geen gehoor",
    "note": "Notitie toegevoegd",
    "export": "Export",
    "export_health": "Export mét gezondheidsgegevens",
    "erase": "Gewist",
    "purge": "Bewaartermijn opgeschoond",
    "staff_created": "Account aangemaakt",
    "staff_deactivated": "Account gedeactiveerd",
}


def record(action: str, staff_id: int | None, **detail: Any) -> AuditEntry:
    """Add an audit entry to the session; the caller commits it with the change it describes."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = AuditEntry(action=action, staff_id=staff_id, detail=detail)
    db.session.add(entry)
    return entry


FILTER_LABELS = {
    "kind": "aanbod",
    "status": "status",
    "date_from": "vanaf",
    "date_to": "tot en met",
    "source": "bron",
}


def describe(entry: AuditEntry) -> str:
    """The entry's detail as one Dutch line for the log page."""
    detail = entry.detail or {}
    parts = []
    if "lead_id" in detail:
        parts.append(f"aanvraag {detail['lead_id']}")
    if "old" in detail and "new" in detail:
        parts.append(f"{detail['old']} → {detail['new']}")
    if "count" in detail:
        parts.append(f"{detail['count']}× geen gehoor")
    if "filter" in detail:
        chosen = detail["filter"] or {}
        shown = [f"{label}: {chosen[key]}" for key, label in FILTER_LABELS.items() if key in chosen]
        if chosen.get("search"):
            shown.append("met zoekterm")
        parts.append("filter: " + (", ".join(shown) if shown else "alle aanvragen"))
    if "via" in detail:
        parts.append("via " + ("de opdrachtregel" if detail["via"] == "cli" else "de website"))
    if "leads" in detail:
        parts.append(
            f"{detail['leads']} aanvragen, {detail.get('newsletter_consents', 0)}"
            " onbevestigde nieuwsbrieftoestemmingen"
        )
    if "account_id" in detail:
        parts.append(f"account {detail['account_id']}")
    return "; ".join(parts)
