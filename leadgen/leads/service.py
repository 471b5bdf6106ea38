"""What happens to a valid request: store or update the lead, record consent, queue the mails."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from leadgen import driver, tokens
from leadgen.extensions import db
from leadgen.leads import drafts as mail_drafts
from leadgen.leads import mails, one_statement
from leadgen.leads.consent import ConsentText
from leadgen.models import Consent, Counter, Lead, OutboxMail, new_secret, utcnow


@dataclass(frozen=True)
class Request:
    """A validated request, in plain values."""

    kind: str
    name: str
    email: str
    form: str
    origin: str | None
    consents: dict[str, ConsentText]  # the purposes the visitor agreed to
    tracking: dict[str, str | None]
    lang: str  # the visitor's language, which their mails are written in
    phone: str | None = None
    complaint: str | None = None
    preferred_moment: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What the thank-you page needs, read before the commit expired the lead."""

    lead_id: int
    kind: str
    created: bool
    link: str  # the token the thank-you page links to: the download, or the booking page
    owner: str  # the lead's secret, which its links carry

    @property
    def thanks(self) -> dict[str, str]:
        """The thank-you page's query: the download link, or the kind and the booking link."""
        if self.kind == "ebook":
            return {"t": self.link}
        return {"t": self.kind, "afspraak": self.link}


def _find(email: str, kind: str) -> Lead | None:
    return db.session.execute(
        db.select(Lead).filter_by(email=email, kind=kind)
    ).scalar_one_or_none()


def record_request(req: Request) -> Outcome:
    """Store the request (one lead per e-mail and offer), its consents and its mails; commit.

    The mails are drafted before the write transaction begins (leads/drafts.py), so the write
    lock is held for the inserts only. A new address (most requests) takes three plain INSERTs;
    a returning one is updated through the session. Two requests for the same new address can
    race; the loser finds the winner's lead and is recorded on it.
    """
    drafts = mail_drafts.draft(_expected_shape(req), req.lang)
    try:
        return _insert_new(req, drafts) or _record(req, drafts)
    except IntegrityError:
        db.session.rollback()
        return _record(req, drafts)


def _expected_shape(req: Request) -> mail_drafts.Shape:
    """The shape of the mails of a new lead for `req` (most requests make one)."""
    confirm = req.kind == "ebook" and "newsletter" in req.consents
    return mail_drafts.Shape(
        req.kind, req.name, req.email, req.phone, req.preferred_moment, confirm
    )


# Built once: a new lead's statements, on the tables (no ORM bulk machinery), values bound at
# execution. INSERT … ON CONFLICT DO NOTHING is in both databases (SQLite since 3.24).
LEAD, CONSENT, OUTBOX = Lead.__table__, Consent.__table__, OutboxMail.__table__
NEW_LEAD = {
    name: dialect_insert(LEAD)
    .on_conflict_do_nothing(index_elements=[LEAD.c.email, LEAD.c.kind])
    .returning(LEAD.c.id)
    for name, dialect_insert in (("sqlite", sqlite.insert), ("postgresql", postgresql.insert))
}
NEW_CONSENT = insert(CONSENT)
NEW_MAIL = insert(OUTBOX)


def _insert_new(req: Request, drafts: mail_drafts.Drafts) -> Outcome | None:
    """Insert a lead new to this offer, its consents and mails; None when the address has one.

    Plain statements, no unit of work, nothing loaded or expired. On PostgreSQL, when the
    request has no transaction open, all of it is one statement (leads/one_statement.py).
    """
    secret, now = new_secret(), utcnow()
    lead = {
        "kind": req.kind,
        "email": req.email,
        "name": req.name,
        "phone": req.phone,
        "complaint": req.complaint,
        "preferred_moment": req.preferred_moment,
        "origin": req.origin,
        "secret": secret,
        "created_at": now,
        "last_requested_at": now,
        **req.tracking,
    }
    consents = [
        {
            "purpose": text.purpose,
            "text_version": text.version,
            "text": text.text,
            "form": req.form,
            "origin": req.origin,
            "granted_at": now,
            "confirmed_at": None if text.purpose == "newsletter" else now,
        }
        for text in req.consents.values()
    ]
    if db.engine.dialect.name == "postgresql" and not _session_in_transaction():
        with driver.autocommit(db.engine) as connection:
            lead_id = one_statement.insert_all(connection, lead, consents, drafts.rows(None))
        if lead_id is None:
            return None
    else:
        # The session's connection, not one of its own: earlier work of the request may have
        # begun the session's transaction, which on SQLite holds this thread's write gate.
        connection = db.session.connection()
        returned = driver.insert(connection, NEW_LEAD[connection.dialect.name], lead)
        if not returned:  # a returning visitor: the session's path goes on in this transaction
            return None
        lead_id = returned[0][0]
        for consent in consents:
            consent["lead_id"] = lead_id
        driver.insert(connection, NEW_CONSENT, consents)
        driver.insert(connection, NEW_MAIL, drafts.rows(lead_id))
        db.session.commit()
    link = thanks_link(req.kind, lead_id, secret)
    return Outcome(lead_id, kind=req.kind, created=True, link=link, owner=secret)


def _session_in_transaction() -> bool:
    # Asked without making the request's session: most submissions never need one.
    return db.session.registry.has() and db.session().in_transaction()


def thanks_link(kind: str, lead_id: int, secret: str) -> str:
    """The token the thank-you page links to: the download, or the booking page. The mails
    carry their own links, signed by the worker when it sends them."""
    if kind == "ebook":
        return tokens.issue_lead_token("download", lead_id, secret)
    return tokens.appointment_token(lead_id, secret)


def _record(req: Request, drafts: mail_drafts.Drafts) -> Outcome:
    # A returning visitor's lead, through the session. The write lock is held from the first
    # statement to the commit: keep the work in between small and load nothing lazily.
    lead = _find(req.email, req.kind)
    created = lead is None
    if lead is None:
        lead = Lead(kind=req.kind, email=req.email, name=req.name, consents=[], **req.tracking)
        db.session.add(lead)
    else:
        lead.request_count += 1
        lead.last_requested_at = utcnow()
        lead.name = req.name
        for key, value in req.tracking.items():
            if value and not getattr(lead, key):
                setattr(lead, key, value)
    for key in ("phone", "complaint", "preferred_moment"):
        if getattr(req, key):
            setattr(lead, key, getattr(req, key))
    lead.origin = req.origin
    for text in req.consents.values():
        if created or not _has_live_consent(lead, text):
            lead.consents.append(
                Consent(
                    purpose=text.purpose,
                    text_version=text.version,
                    text=text.text,
                    form=req.form,
                    origin=req.origin,
                    confirmed_at=None if text.purpose == "newsletter" else utcnow(),
                )
            )
    db.session.flush()
    link = _queue_mails(lead, req, drafts)
    outcome = Outcome(
        lead_id=lead.id, kind=lead.kind, created=created, link=link, owner=lead.secret
    )
    db.session.commit()
    return outcome


def _has_live_consent(lead: Lead, text: ConsentText) -> bool:
    return any(
        c.purpose == text.purpose and c.text_version == text.version and c.withdrawn_at is None
        for c in lead.consents
    )


def _queue_mails(lead: Lead, req: Request, drafts: mail_drafts.Drafts) -> str:
    """Queue a lead's mails in the session's transaction; the thank-you page's link."""
    newsletter = next(
        (c for c in lead.consents if c.purpose == "newsletter" and c.confirmed_at is None),
        None,
    )
    shape = mail_drafts.shape_of(lead, lead.kind == "ebook" and newsletter is not None)
    if shape != drafts.shape:  # a returning lead the request alone does not describe
        drafts = mail_drafts.draft(shape, req.lang)
    db.session.execute(insert(OutboxMail), drafts.rows(lead.id))
    return thanks_link(lead.kind, lead.id, lead.secret)


def link_valid_until() -> datetime:
    """When a download link issued now stops working."""
    return utcnow() + timedelta(seconds=tokens.download_max_age())


def download_token(lead: Lead) -> str:
    return tokens.issue_lead_token("download", lead.id, lead.secret)


# Who asks for a new link at an address we do not know gets a mail written for nobody, stored
# and removed in the same transaction: both answers cost the same statements, pages and fsync,
# so the time taken does not tell whether an address asked for the book.
NOBODY = "niemand@nobody.invalid"


def resend_link(email: str, lang: str) -> bool:
    """Queue a fresh download link when this address has an e-book lead; say whether it did."""
    lead = _find(email, "ebook")
    known = lead is not None
    if lead is None:
        lead = Lead(id=0, kind="ebook", name="Niemand", email=NOBODY, secret=new_secret())
    mail = mails.queue_ebook_link(lead, lang)
    if not known:  # store the stand-in's mail (removed below), never the stand-in itself
        db.session.expunge(lead)
        mail.lead = None
        db.session.add(mail)
    db.session.flush()
    db.session.execute(
        delete(OutboxMail).where(OutboxMail.id == mail.id, OutboxMail.to_addr == NOBODY)
    )
    db.session.commit()
    return known


def count(name: str) -> None:
    """Add one to today's counter `name` (spam caught by the honeypot or the fill-time check)."""
    today = date.today()
    updated = db.session.execute(
        update(Counter)
        .where(Counter.name == name, Counter.day == today)
        .values(value=Counter.value + 1)
    ).rowcount
    if not updated:
        db.session.add(Counter(name=name, day=today, value=1))
    try:
        db.session.commit()
    except IntegrityError:  # another request created today's row first
        db.session.rollback()
        count(name)
