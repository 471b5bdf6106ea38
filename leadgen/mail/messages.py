"""The outbox's mails: drafted into rows when queued, built into messages when sent.

Most mails are stored with their bodies. A mail whose template has a renderer for the moment
it is sent (`render_when_sent`: a submission's own mails) is stored without them and without
links: its row holds the lead, the language, the subject and the headers, and the worker
renders the bodies and signs the links (the unsubscribe link too). A submission then writes
half the WAL, does no template work and needs no id before its insert (docs/performance.md,
twelfth round).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from functools import lru_cache
from typing import NamedTuple

from flask import Flask, current_app, render_template
from flask_babel import force_locale

from leadgen import addresses, i18n, links, names
from leadgen.extensions import db
from leadgen.models import Lead, OutboxMail, utcnow

# Only these travel from a row's `headers` into a message, and each is built by code, never copied.
TO_NAME = "to_name"
MARKETING = "marketing"
# The lead's withdraw link, made through the URL map when queued: a message is built from the row.
UNSUBSCRIBE_URL = "unsubscribe_url"
LANGUAGE = "lang"  # the language the mail was written in, for Content-Language
# A calendar invitation to attach: {"method": "REQUEST" | "CANCEL", "ics": the iCalendar text}.
CALENDAR = "calendar"
CALENDAR_METHODS = ("REQUEST", "CANCEL")
# Mails to the practice itself: no Reply-To pointing back at it.
STAFF_TEMPLATES = ("staff_notification", "appointment_staff")


def mailbox(address: str, display_name: str = "") -> Address:
    """A header address with its domain in punycode, so a server without SMTPUTF8 takes it.

    A local part in Unicode (stored before the form refused it) still needs SMTPUTF8; it is
    built from validated parts, as the header parser refuses it. What does not validate goes
    to that parser as it is, which refuses CR and LF.
    """
    try:
        local, domain = addresses.sending_parts(address)
    except addresses.AddressError:
        return Address(display_name=display_name, addr_spec=address)
    return Address(display_name=display_name, username=local, domain=domain)


def practice_address(config: dict) -> Address:
    """The practice's own mailbox, where replies go."""
    return mailbox(config["LEADGEN_STAFF_EMAIL"], config["LEADGEN_PRACTICE_NAME"])


def sender_address(config: dict) -> Address:
    """LEADGEN_MAIL_FROM as an Address ("Naam <adres>" or a bare address)."""
    return _sender(config["LEADGEN_MAIL_FROM"])


@lru_cache(maxsize=8)
def _sender(mail_from: str) -> Address:
    # Parsed once per setting: every mail a submission drafts asks for its domain.
    name, addr = parseaddr(mail_from)
    return mailbox(addr, name)


def first_name(lead: Lead) -> str | None:
    """The lead's first name when it is plainly a name; otherwise no name at all."""
    return greeting_name(lead.name)


def greeting_name(full_name: str) -> str | None:
    """The first word of `full_name` when it is plainly a first name; otherwise None."""
    name = full_name.split()[0] if full_name.split() else full_name
    return name if name and len(name) <= 50 and names.is_first_name(name) else None


@dataclass(frozen=True)
class Draft:
    """A mail rendered but not stored (leads/drafts.py puts marks where a lead's values go).

    Rendering takes milliseconds of template work; a draft lets a caller do it before the write
    transaction, so the write lock is held only for the inserts.
    """

    template: str
    to: str
    subject: str
    text: str | None  # None: rendered when the mail is sent
    html: str | None
    headers: dict
    message_id: str

    def said_when_sent(self, extra: dict) -> Draft:
        """This draft stored without its bodies and its unsubscribe link, with `extra` in its
        headers: the worker renders them (`bodies`), so its template needs a renderer
        (`render_when_sent`)."""
        headers = {k: v for k, v in self.headers.items() if k != UNSUBSCRIBE_URL} | extra
        return replace(self, text=None, html=None, headers=headers)

    def row(self, lead_id: int | None) -> dict:
        """The outbox row's values for the lead `lead_id`."""
        return {
            "lead_id": lead_id,
            "template": self.template,
            "to_addr": self.to,
            "subject": self.subject,
            "body_text": self.text,
            "body_html": self.html,
            "headers": dict(self.headers),
            "message_id": self.message_id,
        }

    def store(self, lead: Lead | None) -> OutboxMail:
        """Add the outbox row for `lead` to the session."""
        values = self.row(None)
        del values["lead_id"]
        mail = OutboxMail(lead=lead, **values)
        db.session.add(mail)
        return mail


def render(
    lead: Lead | None,
    template: str,
    to: str,
    subject: str,
    lang: str,
    marketing: bool = False,
    unsubscribe_token: str | None = None,
    calendar: tuple[str, str] | None = None,
    **context,
) -> Draft:
    """Render mail/<template>.{txt,html} in `lang` into a draft; nothing touches the database.

    A marketing mail to a lead carries the link (with `unsubscribe_token`) that withdraws the
    lead's newsletter consent. `calendar` (method, iCalendar text) is attached as `afspraak.ics`.
    """
    config = current_app.config
    name = first_name(lead) if lead is not None else None
    context |= {
        "lead": lead,
        "first_name": name,
        "practice_name": config["LEADGEN_PRACTICE_NAME"],
        "subject": subject,
    }
    headers: dict = {}
    if name and lead is not None and to == lead.email:
        headers[TO_NAME] = name
    if marketing:
        headers[MARKETING] = True
        if lead is not None and unsubscribe_token:
            url = links.external("leads.unsubscribe", lang, token=unsubscribe_token)
            headers[UNSUBSCRIBE_URL] = url
    headers[LANGUAGE] = lang
    if calendar is not None:
        headers[CALENDAR] = {"method": calendar[0], "ics": calendar[1]}
    with force_locale(lang):
        text = render_template(f"mail/{template}.txt", **context)
        html = render_template(f"mail/{template}.html", **context)
    return Draft(template, to, subject, text, html, headers, new_message_id(config))


# Renders a mail stored without bodies, from its row (its lead, language, links and date).
Renderer = Callable[[OutboxMail], Draft]
_RENDERERS = "leadgen.mail.render_when_sent"


class NotRendered(Exception):
    """A mail stored without bodies could not be rendered; the reason is in Dutch, for staff."""


class Bodies(NamedTuple):
    text: str
    html: str
    headers: dict  # the row's, with what the worker made for it (the unsubscribe link)


def render_when_sent(app: Flask, template: str, renderer: Renderer) -> None:
    """Have mails of `template` stored without bodies rendered by `renderer` when sent."""
    app.extensions.setdefault(_RENDERERS, {})[template] = renderer


def bodies(mail: OutboxMail) -> Bodies:
    """What `mail` says, in text and HTML: as stored, or rendered now by its template's renderer.

    NotRendered when neither can be had (no renderer, or the row misses what it needs).
    """
    if mail.body_text is not None and mail.body_html is not None:
        return Bodies(mail.body_text, mail.body_html, mail.headers)
    renderer = current_app.extensions.get(_RENDERERS, {}).get(mail.template)
    if renderer is None:
        raise NotRendered(f"geen tekst opgeslagen en geen sjabloon voor {mail.template}")
    draft = renderer(mail)
    return Bodies(draft.text or "", draft.html or "", mail.headers | draft.headers)


def new_message_id(config: dict) -> str:
    """A Message-ID at the sender's domain, unique to one mail."""
    # Not email.utils.make_msgid: it draws on the `random` module, which anything may seed (the
    # fuzz tests did, and two mails got one id); a unique column needs a truly random part.
    domain = sender_address(config).domain or "localhost"
    return f"<{uuid.uuid4().hex}@{domain}>"


def build_message(mail: OutboxMail, config: dict) -> EmailMessage:
    """Build the message for an outbox row; ValueError when a header would be unsafe,
    NotRendered when a mail stored without bodies cannot be rendered (`bodies`).

    `Address` and the default policy refuse CR/LF in every header we set, so a name or address
    can never smuggle in a header of its own (docs/operations.md, Mail;
    https://github.com/python/cpython/issues/121650).
    """
    said = bodies(mail)
    headers = said.headers
    message = EmailMessage()
    message["From"] = sender_address(config)
    message["To"] = mailbox(mail.to_addr, headers.get(TO_NAME) or "")
    if mail.template not in STAFF_TEMPLATES:
        message["Reply-To"] = practice_address(config)
    message["Subject"] = mail.subject
    # The moment the mail was written: stable across retries, like the Message-ID.
    message["Date"] = format_datetime(mail.created_at or utcnow())
    message["Message-ID"] = mail.message_id
    # Tells mail servers not to answer with out-of-office replies (RFC 3834).
    message["Auto-Submitted"] = "auto-generated"
    if headers.get(MARKETING):
        mailto = f"<mailto:{config['LEADGEN_STAFF_EMAIL']}?subject=Afmelden>"
        link = headers.get(UNSUBSCRIBE_URL)
        if isinstance(link, str) and link.startswith(f"{config['LEADGEN_BASE_URL']}/"):
            message["List-Unsubscribe"] = f"<{link}>, {mailto}"
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058
        else:
            message["List-Unsubscribe"] = mailto
    message.set_content(said.text)
    message.add_alternative(said.html, subtype="html")
    _attach_calendar(message, headers.get(CALENDAR))
    # After the bodies and the attachment: both move Content-* headers into a part.
    language = headers.get(LANGUAGE)
    message["Content-Language"] = language if language in i18n.LANGUAGES else i18n.DEFAULT
    return message


def _attach_calendar(message: EmailMessage, calendar: object) -> None:
    """Attach the invitation as `afspraak.ics`, `text/calendar; method=…` (RFC 6047 2.4)."""
    if not isinstance(calendar, dict) or calendar.get("method") not in CALENDAR_METHODS:
        return
    message.add_attachment(
        str(calendar.get("ics", "")),
        subtype="calendar",
        filename="afspraak.ics",
        params={"method": calendar["method"]},
    )
