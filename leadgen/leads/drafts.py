"""A request's mails, rendered once per look and filled in per request.

A submission's mails (the e-book link; or the request confirmation and the practice's notice)
cost more template work than the rest of the request. Two requests whose mails look alike (same
offer, language, newsletter step, call moment, whether a first name and a phone number show, and
the day the link stops working) differ only in a few values in known places: the first name, the
address, the phone number, the lead's id and its tokens. So each *look* is rendered once with a
random mark in each of those places (app.extensions, bounded), and each request puts its values
in, in one pass: escaped as Jinja escapes them in the HTML part, as they are in the text part,
the subject and the headers (a phone number shows twice: as stored, in a tel: link, and as
staff dial it). The marks are letters and digits, which neither URL quoting nor HTML escaping
changes, drawn at random per look, so no visitor's value can contain one.
tests/leads/test_drafts.py holds a filled look equal to a fresh render for any name and phone.

The values go in inside the write transaction, where the lead's id and tokens first exist:
`rows` costs one regular-expression pass per part, no template work.
"""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from markupsafe import escape

from leadgen import phone
from leadgen.leads import mails
from leadgen.mail import messages
from leadgen.models import Lead, utcnow

QUARTER = 15 * 60  # seconds
MAX_LOOKS = 256  # offers x languages x a few yes/no and moments, with room for the day changing
ROLES = (
    "id",
    "name",
    "email",
    "phone",
    "phone_raw",
    "download",
    "confirm",
    "unsubscribe",
    "appointment",
)


@dataclass(frozen=True)
class Shape:
    """What a request's mails show of the lead: equal shapes render equal mails."""

    kind: str
    name: str
    email: str
    phone: str | None
    moment: str | None
    confirm: bool  # the mail carries a newsletter confirmation link


def shape_of(lead: Lead, confirm: bool) -> Shape:
    """The shape of the mails `lead` gets, as it stands in the transaction."""
    return Shape(lead.kind, lead.name, lead.email, lead.phone, lead.preferred_moment, confirm)


@dataclass(frozen=True)
class Look:
    """A look's mails rendered with a mark for each personal value."""

    drafts: tuple[messages.Draft, ...]
    roles: dict[str, str]  # mark -> role
    pattern: re.Pattern[str]

    def fill(self, text: str, values: dict[str, str]) -> str:
        # One pass, so a value that happens to contain a mark is never read again.
        return self.pattern.sub(lambda found: values[self.roles[found[0]]], text)


@dataclass(frozen=True)
class Drafts:
    """One request's mails: a look and the request's own values for it."""

    shape: Shape
    look: Look
    personal: dict[str, dict[str, str]]  # a mail's language -> "name", "email", "phone" shown

    def rows(self, lead_id: int, values: dict[str, str]) -> list[dict]:
        """The outbox rows for lead `lead_id`; `values` holds its tokens by role."""
        config = current_app.config
        rows = []
        for draft in self.look.drafts:
            personal = self.personal[draft.headers[messages.LANGUAGE]]
            plain = {role: "" for role in ROLES} | personal | values | {"id": str(lead_id)}
            html = {role: str(escape(value)) for role, value in plain.items()}
            row = draft.row(lead_id)
            for key in ("to_addr", "subject", "body_text"):
                row[key] = self.look.fill(row[key], plain)
            row["body_html"] = self.look.fill(row["body_html"], html)
            row["headers"] = {
                key: self.look.fill(value, plain) if isinstance(value, str) else value
                for key, value in row["headers"].items()
            }
            row["message_id"] = messages.new_message_id(config)
            rows.append(row)
        return rows


def draft(shape: Shape, lang: str) -> Drafts:
    """The mails for a lead of `shape` in `lang`, from the cached look (rendered when new)."""
    config = current_app.config
    name = messages.greeting_name(shape.name)
    shown_phone = phone.for_display(shape.phone)
    valid_until = utcnow() + timedelta(days=config["LEADGEN_DOWNLOAD_TTL_DAYS"])
    key = (
        shape.kind,
        lang,
        shape.confirm,
        shape.moment,
        name is not None,
        bool(shown_phone),
        # The day the link stops working, as the mail writes it, is one day in any time zone
        # all through a quarter of an hour of UTC: every zone's offset is whole quarters.
        int(valid_until.timestamp()) // QUARTER,
        shape.email == config["LEADGEN_STAFF_EMAIL"],  # the practice's own notice greets by name
    )
    looks = current_app.extensions.setdefault("leadgen.mail_looks", {})
    look = looks.get(key)
    if look is None:
        if len(looks) >= MAX_LOOKS:
            looks.clear()
        look = looks[key] = _render(shape, lang, name is not None, bool(shown_phone))
    personal = {}
    for language in {draft.headers[messages.LANGUAGE] for draft in look.drafts}:
        with force_locale(language):  # "toestel" before an extension, in the mail's language
            shown = phone.for_display(shape.phone)
        personal[language] = {
            "name": name or "",
            "email": shape.email,
            "phone": shown,
            "phone_raw": shape.phone or "",
        }
    return Drafts(shape, look, personal)


def _mark(role: str) -> str:
    if role == "id":  # built into a URL by an int converter: 18 digits, more than a phone holds
        return str(10**17 + secrets.randbelow(9 * 10**17))
    # Letters only, so the name's mark passes as a first name and the phone's parses as none.
    return "".join(secrets.choice(string.ascii_letters) for _ in range(24))


def _render(shape: Shape, lang: str, named: bool, phoned: bool) -> Look:
    marks = {role: _mark(role) for role in ROLES}
    email = shape.email if shape.email == current_app.config["LEADGEN_STAFF_EMAIL"] else None
    stand_in = Lead(
        id=int(marks["id"]),
        kind=shape.kind,
        name=marks["name"] if named else "",
        email=email or marks["email"],
        phone=marks["phone_raw"] if phoned else None,
        preferred_moment=shape.moment,
    )
    if shape.kind == "ebook":
        confirm = marks["confirm"] if shape.confirm else None
        rendered: tuple[messages.Draft, ...] = (
            mails.draft_ebook_link(
                stand_in, lang, marks["download"], confirm, marks["unsubscribe"]
            ),
        )
    else:
        shown = marks["phone"] if phoned else None
        rendered = (
            mails.draft_request_confirmation(stand_in, lang, marks["appointment"], shown),
            mails.draft_staff_notification(stand_in, shown),
        )
    roles = {mark: role for role, mark in marks.items()}
    return Look(rendered, roles, re.compile("|".join(map(re.escape, roles))))
