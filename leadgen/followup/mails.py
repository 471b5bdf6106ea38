"""The series' mails, written from the guide: one template pair per mail, mail/followup_<n>.*"""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from leadgen import links, tokens
from leadgen.mail import messages
from leadgen.models import Lead

SUBJECTS = {
    1: _l("Hoe ging je eerste training?"),
    2: _l("Je schema: zo maak je het steeds een stapje zwaarder"),
    3: _l("Wanneer je beter even iemand laat meekijken"),
}
TEMPLATES = tuple(f"followup_{step}" for step in SUBJECTS)


def draft(lead: Lead, step: int, lang: str) -> messages.Draft:
    """Render series mail `step` for `lead` in `lang`: marketing mail with one-click unsubscribe.

    The advice form's links carry a signed per-lead token that fills in name and address.
    """
    unsubscribe = tokens.unsubscribe_token(lead.id, lead.secret)
    prefill = tokens.prefill_token(lead.id, lead.secret)
    with force_locale(lang):
        return messages.render(
            lead,
            f"followup_{step}",
            lead.email,
            str(SUBJECTS[step]),
            lang,
            marketing=True,
            unsubscribe_token=unsubscribe,
            step=step,
            total=len(current_app.config["LEADGEN_FOLLOWUP"]),
            advies_url=links.external("leads.advies_form", lang, van=prefill),
            pijncheck_url=links.external("leads.advies_form", lang, van=prefill, kind="pijncheck"),
            unsubscribe_url=links.external("leads.unsubscribe", lang, token=unsubscribe),
            resend_url=links.external("leads.resend", lang),
        )
