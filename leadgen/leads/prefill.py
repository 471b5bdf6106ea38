"""A follow-up mail's link to the advice form, with the reader's name and address filled in."""

from __future__ import annotations

from leadgen import tokens
from leadgen.extensions import begin_read, db
from leadgen.leads.forms import AdviesForm, PublicForm
from leadgen.models import Lead

# The filled-in page shows who the reader is: no cache keeps it, and no Referer carries the link.
PRIVATE = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}


def fill(form: PublicForm, token: str | None) -> bool:
    """Fill in the advice form's name and address from a good link (`?van=`); a link that no
    longer holds leaves the form empty, as an unknown `kind` leaves the default. Whether it did.
    """
    if not isinstance(form, AdviesForm):
        return False
    known = name_and_email(token) if token else None
    if known is None:
        return False
    form.name.data, form.email.data = known
    return True


def name_and_email(token: str) -> tuple[str, str] | None:
    """The (name, e-mail) a follow-up mail's link to the advice form fills in; None when the
    link is forged, expired or its lead is gone. A read that takes no write lock.
    """
    try:
        lead_id, owner = tokens.read_lead_token("prefill", token, tokens.PREFILL_MAX_AGE)
    except tokens.TokenError:
        return None
    begin_read()
    row = db.session.execute(
        db.select(Lead.name, Lead.email).where(Lead.id == lead_id, Lead.secret == owner)
    ).one_or_none()
    db.session.rollback()
    return (row.name, row.email) if row else None
