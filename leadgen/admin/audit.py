"""The audit log: who did what, when. Entries hold lead ids and filters, never personal data."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from leadgen.extensions import db
from leadgen.models import AuditEntry
from leadgen.vocab import KIND_LABELS

# What staff read in the log, per action.
ACTIONS = {
    "login": _l("Ingelogd"),
    "login_failed": _l("Inloggen mislukt"),
    "logout": _l("Uitgelogd"),
    "status": _l("Status gewijzigd"),
    "no_answer": _l("Gebeld, geen gehoor"),
    "note": _l("Notitie toegevoegd"),
    "export": _l("Export"),
    "export_health": _l("Export mét gezondheidsgegevens"),
    "export_funnel": _l("Export funnel per blogpost"),
    "erase": _l("Gewist"),
    "series_stop": _l("Opvolgreeks gestopt"),
    "purge": _l("Bewaartermijn opgeschoond"),
    "staff_created": _l("Account aangemaakt"),
    "staff_deactivated": _l("Account gedeactiveerd"),
    "hours": _l("Openingstijden gewijzigd"),
    "hours_reset": _l("Openingstijden terug naar standaard"),
    "day_blocked": _l("Dag geblokkeerd"),
    "day_unblocked": _l("Dag weer te boeken"),
    "appointment_mark": _l("Afspraak gemarkeerd"),
    "appointment_cancel": _l("Afspraak afgezegd door de praktijk"),
    "feed_made": _l("Agenda-abonnement gemaakt"),
    "feed_revoked": _l("Agenda-abonnement ingetrokken"),
}


def record(action: str, staff_id: int | None, **detail: Any) -> AuditEntry:
    """Add an audit entry to the session; the caller commits it with the change it describes."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = AuditEntry(action=action, staff_id=staff_id, detail=detail)
    db.session.add(entry)
    return entry


FILTER_LABELS = {
    "kind": _l("aanbod"),
    "status": _l("status"),
    "date_from": _l("vanaf"),
    "date_to": _l("tot en met"),
    "source": _l("bron"),
}


def describe(entry: AuditEntry) -> str:
    """The entry's detail as one line for the log page, in the reader's language."""
    detail = entry.detail or {}
    parts = []
    if "lead_id" in detail:
        parts.append(_("aanvraag %(id)s", id=detail["lead_id"]))
    if "old" in detail and "new" in detail:
        parts.append(f"{detail['old']} → {detail['new']}")
    if "count" in detail:
        parts.append(_("%(count)s× geen gehoor", count=detail["count"]))
    if "filter" in detail:
        chosen = detail["filter"] or {}
        shown = [f"{label}: {chosen[key]}" for key, label in FILTER_LABELS.items() if key in chosen]
        if chosen.get("search"):
            shown.append(_("met zoekterm"))
        parts.append(_("filter: %(what)s", what=", ".join(shown) if shown else _("alle aanvragen")))
    if "via" in detail:
        parts.append(_("via de opdrachtregel") if detail["via"] == "cli" else _("via de website"))
    if "leads" in detail:
        parts.append(
            _(
                "%(leads)s aanvragen, %(consents)s onbevestigde nieuwsbrieftoestemmingen",
                leads=detail["leads"],
                consents=detail.get("newsletter_consents", 0),
            )
        )
    if "kind" in detail:
        parts.append(str(KIND_LABELS.get(detail["kind"], detail["kind"])))
    if "spec" in detail:
        parts.append(detail["spec"])
    if "day" in detail:
        parts.append(detail["day"])
    if "account_id" in detail:
        parts.append(_("account %(id)s", id=detail["account_id"]))
    return "; ".join(parts)
