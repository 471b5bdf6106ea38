"""What happens to a valid request: store or update the lead, record consent, queue the mails."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, insert, update
from sqlalchemy.exc import IntegrityError

from leadgen import database, tokens
from leadgen.extensions import begin_read, db
from leadgen.leads import mails
from leadgen.leads.consent import ConsentText
from leadgen.models import Consent, Counter, DownloadEvent, Lead, OutboxMail, new_secret, utcnow


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
    download_token: str
    owner: str  # the lead's secret, which its links carry

    @property
    def thanks(self) -> dict[str, str]:
        """The thank-you page's query: the download link, or the kind and the booking link."""
        if self.kind == "ebook":
            return {"t": self.download_token}
        return {"t": self.kind, "afspraak": tokens.appointment_token(self.lead_id, self.owner)}


@dataclass(frozen=True)
class Download:
    """The lead a valid download link belongs to."""

    lead_id: int
    name: str
    owner: str  # the lead's secret, which keys its personal copies


def _find(email: str, kind: str) -> Lead | None:
    return db.session.execute(
        db.select(Lead).filter_by(email=email, kind=kind)
    ).scalar_one_or_none()


def record_request(req: Request) -> Outcome:
    """Store the request (one lead per e-mail and offer), its consents and its mails; commit.

    The mails are rendered before the write transaction begins (mails.draft), so the write lock
    is held for the inserts only. Two requests for the same address can race on PostgreSQL; the
    loser meets the unique constraint, rolls back and is recorded on the winner's lead.
    """
    drafts = mails.draft(_expected_shape(req), req.lang)
    try:
        return _record(req, drafts)
    except IntegrityError:
        db.session.rollback()
        return _record(req, drafts)


def _expected_shape(req: Request) -> mails.Shape:
    """The shape of the mails of a new lead for `req` (most requests make one)."""
    confirm = req.kind == "ebook" and "newsletter" in req.consents
    return mails.Shape(req.kind, req.name, req.email, req.phone, req.preferred_moment, confirm)


def _record(req: Request, drafts: mails.Drafts) -> Outcome:
    # The write lock is held from the first statement to the commit: keep the work in between
    # small (one flush for the lead and its consents, one for the mails) and load nothing lazily.
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
    link = download_token(lead)
    _queue_mails(lead, req, drafts, link)
    outcome = Outcome(
        lead_id=lead.id, kind=lead.kind, created=created, download_token=link, owner=lead.secret
    )
    db.session.commit()
    return outcome


def _has_live_consent(lead: Lead, text: ConsentText) -> bool:
    return any(
        c.purpose == text.purpose and c.text_version == text.version and c.withdrawn_at is None
        for c in lead.consents
    )


def _queue_mails(lead: Lead, req: Request, drafts: mails.Drafts, link: str) -> None:
    newsletter = next(
        (c for c in lead.consents if c.purpose == "newsletter" and c.confirmed_at is None),
        None,
    )
    shape = mails.shape_of(lead, lead.kind == "ebook" and newsletter is not None)
    if shape != drafts.shape:  # a returning lead the request alone does not describe
        drafts = mails.draft(shape, req.lang)
    values = {"id": str(lead.id)}
    if lead.kind == "ebook":
        values["download"] = link
        values["unsubscribe"] = tokens.unsubscribe_token(lead.id, lead.secret)
        if newsletter is not None:
            values["confirm"] = tokens.issue_lead_token("confirm", newsletter.id, lead.secret)
    else:
        values["appointment"] = tokens.appointment_token(lead.id, lead.secret)
    drafts.store(lead, values)


def link_valid_until() -> datetime:
    """When a download link issued now stops working."""
    return utcnow() + timedelta(seconds=tokens.download_max_age())


def download_token(lead: Lead) -> str:
    return tokens.issue_lead_token("download", lead.id, lead.secret)


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
    """Count one download: two statements in a short write transaction, committed relaxed.

    A count may be lost on a power cut (never on a crash of the app, and never half-written):
    its commit does not wait for the disk, which a lead's does (docs/performance.md).
    """
    db.session.connection(execution_options={database.RELAXED: True})
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(db.text("SET LOCAL synchronous_commit = off"))
    now = utcnow()
    db.session.execute(
        update(Lead)
        .where(Lead.id == lead_id)
        .values(download_count=Lead.download_count + 1, last_downloaded_at=now)
    )
    db.session.execute(insert(DownloadEvent).values(lead_id=lead_id, at=now))
    db.session.commit()


def _newsletter_consent(token: str) -> Consent:
    consent_id, owner = tokens.read_lead_token("confirm", token, tokens.CONFIRM_MAX_AGE)
    consent = db.session.execute(
        db.select(Consent)
        .join(Lead)
        .where(Consent.id == consent_id, Consent.purpose == "newsletter", Lead.secret == owner)
    ).scalar_one_or_none()
    if consent is None:
        raise tokens.TokenError(expired=False)
    return consent


def _state(consent: Consent) -> str:
    if consent.withdrawn_at is not None:
        return "withdrawn"
    return "confirmed" if consent.confirmed_at is not None else "pending"


def newsletter_state(token: str) -> str:
    """'pending', 'confirmed' or 'withdrawn': the consent a confirm link names; or TokenError."""
    return _state(_newsletter_consent(token))


def confirm_newsletter(token: str) -> str:
    """Confirm a newsletter consent (double opt-in) and return its state after.

    A repeat changes nothing, and a withdrawn consent stays withdrawn.
    """
    consent = _newsletter_consent(token)
    if _state(consent) == "pending":
        consent.confirmed_at = utcnow()
    state = _state(consent)
    db.session.commit()
    return state


def check_unsubscribe(token: str) -> int:
    """The id of the lead an unsubscribe link belongs to, or TokenError."""
    lead_id, owner = tokens.read_lead_token("unsubscribe", token, tokens.UNSUBSCRIBE_MAX_AGE)
    found = db.session.execute(
        db.select(Lead.id).where(Lead.id == lead_id, Lead.secret == owner)
    ).scalar_one_or_none()
    if found is None:
        raise tokens.TokenError(expired=False)
    return found


def withdraw_newsletter(token: str) -> int:
    """Withdraw the token's lead's live newsletter consents; return how many (0 on repeats)."""
    lead_id = check_unsubscribe(token)
    withdrawn = db.session.execute(
        update(Consent)
        .where(
            Consent.lead_id == lead_id,
            Consent.purpose == "newsletter",
            Consent.withdrawn_at.is_(None),
        )
        .values(withdrawn_at=utcnow())
    ).rowcount
    db.session.commit()
    return withdrawn


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
    mail = mails.queue_ebook_link(lead, lang, download_token(lead), confirm_token=None)
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
