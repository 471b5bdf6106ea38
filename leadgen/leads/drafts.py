"""A request's mails, drafted once per look and filled in per request.

A submission's mails (the e-book link; or the request confirmation and the practice's notice)
are stored without bodies and links: the worker renders and signs those when it sends them
(leads/mails.py). What is stored is the address, the subject and the headers, and these still
take template and translation work. Two requests whose mails look alike (same offer, language,
newsletter step, whether a first name shows) differ there only in a few values in known places:
the first name, the address and the lead's id. So each *look* is drafted once with a random
mark in each of those places (app.extensions, bounded), cut at the marks once, and each request
puts its values between the pieces. The marks are letters and digits drawn at random per look,
so no visitor's value can contain one.
tests/leads/test_drafts.py holds a filled look equal to a fresh draft for any name and phone.

The visitor's own values go in before the write transaction (`draft`); the lead's id, which
first exists inside it, goes in there (`rows`), or is joined in by the insert itself
(leads/one_statement.py). A value put in is never cut again, so one that contains a mark stays
as it is.
"""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass

from flask import current_app

from leadgen import i18n
from leadgen.leads import mails
from leadgen.mail import messages
from leadgen.models import Lead

MAX_LOOKS = 64  # offers x languages x whether a first name shows, with room to spare
ROLES = ("id", "name", "email")
# The links a look's mails are rendered with: stand-ins, as the stored parts never show them.
LINKS = ("download", "confirm", "unsubscribe", "appointment")


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


# A text in pieces: literal, role, literal, role, ..., literal (always an odd count).
Pieces = tuple[str, ...]


@dataclass(frozen=True)
class Look:
    """A look's mails, each part cut at its marks once, when the look is rendered."""

    drafts: tuple[messages.Draft, ...]
    roles: dict[str, str]  # mark -> role
    pieces: tuple[dict[str, Pieces], ...]  # per draft: part (or "header:" + name) -> pieces


def _cut(text: str, pattern: re.Pattern[str], roles: dict[str, str]) -> Pieces:
    # The pattern has one group, so split keeps each mark between the literals around it.
    return tuple(roles[part] if i % 2 else part for i, part in enumerate(pattern.split(text)))


def _put(pieces: Pieces, values: dict[str, str]) -> Pieces:
    """Put in the roles `values` has; the others stay. Values are never cut again, so one that
    happens to contain a mark stays as it is."""
    out = [pieces[0]]
    for i in range(1, len(pieces), 2):
        role, literal = pieces[i], pieces[i + 1]
        if role in values:
            out[-1] += values[role] + literal
        else:
            out += [role, literal]
    return tuple(out)


@dataclass(frozen=True)
class Drafts:
    """One request's mails: its look with the visitor's own values already in."""

    shape: Shape
    look: Look
    filled: tuple[tuple[dict[str, Pieces], str], ...]  # per draft: pieces left, Message-ID

    def rows(self, lead_id: int | None) -> list[dict]:
        """The outbox rows for lead `lead_id`: a few joins per part, no pattern and no template
        work. Without an id (the one-statement insert draws it there), a part that shows it is
        left in pieces: literal, "id", literal, ... (leads/one_statement.py joins them in SQL).
        """
        plain = {} if lead_id is None else {"id": str(lead_id)}
        rows = []
        for draft, (pieces, message_id) in zip(self.look.drafts, self.filled, strict=True):
            row = draft.row(lead_id)
            for part, cut in pieces.items():
                filled = _put(cut, plain)
                if part.startswith("header:"):
                    row["headers"][part.removeprefix("header:")] = "".join(filled)
                else:
                    row[part] = filled[0] if len(filled) == 1 else filled
            row["message_id"] = message_id
            rows.append(row)
        return rows


def draft(shape: Shape, lang: str) -> Drafts:
    """The mails for a lead of `shape` in `lang`, from the cached look (rendered when new)."""
    config = current_app.config
    name = messages.greeting_name(shape.name)
    # What the stored parts (address, subject, headers) differ in; the rest is in the bodies.
    key = (
        shape.kind,
        lang,
        name is not None,
        shape.email == config["LEADGEN_STAFF_EMAIL"],  # the practice's own notice greets by name
        shape.kind == "ebook" and shape.confirm,  # the mail is marked for a confirmation link
    )
    looks = current_app.extensions.setdefault("leadgen.mail_looks", {})
    look = looks.get(key)
    if look is None:
        if len(looks) >= MAX_LOOKS:
            looks.clear()
        look = looks[key] = _render(shape, lang, name is not None)
    plain = {"name": name or "", "email": shape.email}
    filled = tuple(
        ({part: _put(cut, plain) for part, cut in pieces.items()}, messages.new_message_id(config))
        for pieces in look.pieces
    )
    return Drafts(shape, look, filled)


def draft_each_offer() -> None:
    """Draft a mail of each offer in each language once (leadgen.warm_up): nothing is stored."""
    for kind in ("ebook", "advies"):
        shape = Shape(kind, "Anna de Vries", "warm-up@example.invalid", None, None, True)
        for lang in i18n.LANGUAGES:
            draft(shape, lang)


def _mark(role: str) -> str:
    if role == "id":  # built into a URL by an int converter: 18 digits
        return str(10**17 + secrets.randbelow(9 * 10**17))
    # Letters only, so the name's mark passes as a first name.
    return "".join(secrets.choice(string.ascii_letters) for _ in range(24))


def _render(shape: Shape, lang: str, named: bool) -> Look:
    marks = {role: _mark(role) for role in ROLES + LINKS}
    email = shape.email if shape.email == current_app.config["LEADGEN_STAFF_EMAIL"] else None
    stand_in = Lead(
        id=int(marks["id"]),
        kind=shape.kind,
        name=marks["name"] if named else "",
        email=email or marks["email"],
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
        rendered = (
            mails.draft_request_confirmation(stand_in, lang, marks["appointment"]),
            mails.draft_staff_notification(stand_in),
        )
    rendered = tuple(
        mails.stored(one, shape.confirm and one.template == "ebook_link") for one in rendered
    )
    roles = {marks[role]: role for role in ROLES}
    pattern = re.compile(f"({'|'.join(map(re.escape, roles))})")
    pieces = []
    for one in rendered:
        texts = {"to_addr": one.to, "subject": one.subject}
        texts |= {f"header:{k}": v for k, v in one.headers.items() if isinstance(v, str)}
        pieces.append({part: _cut(text, pattern, roles) for part, text in texts.items()})
    return Look(rendered, roles, tuple(pieces))
