"""Consent as evidence: the texts a visitor is shown (hashed by wording), and which ones count."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType

from leadgen import i18n
from leadgen.leads.forms import AdviesForm, EbookForm

# The checkbox each purpose is given with, by purpose.
FIELDS = {"privacy": "privacy", "newsletter": "newsletter", "health_data": "health_consent"}


@dataclass(frozen=True)
class ConsentText:
    purpose: str
    text: str

    @cached_property
    def version(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:16]


# Per form and language: the labels are fixed texts, translated from the catalogs loaded once.
_SHOWN: dict[tuple[type, str], Mapping[str, ConsentText]] = {}


def texts_for(form: EbookForm | AdviesForm) -> Mapping[str, ConsentText]:
    """The consent texts as the form shows them in this request's language, keyed by purpose.

    Read from the form's labels once per form and language: reading them (a translation lookup
    each) and hashing them cost more than the rest of turning a form into a request.
    """
    key = (type(form), i18n.current())
    shown = _SHOWN.get(key)
    if shown is None:
        shown = _SHOWN[key] = MappingProxyType(_read(form))
    return shown


def _read(form: EbookForm | AdviesForm) -> dict[str, ConsentText]:
    texts = {"privacy": ConsentText("privacy", str(form.privacy.label.text))}
    if isinstance(form, EbookForm):
        texts["newsletter"] = ConsentText("newsletter", str(form.newsletter.label.text))
    if isinstance(form, AdviesForm):
        texts["health_data"] = ConsentText("health_data", str(form.health_consent.label.text))
    return texts


def counted(
    shown: Mapping[str, ConsentText], ticked: Collection[str], complaint: str | None
) -> dict[str, ConsentText]:
    """The consents to record, in the exact words shown: those ticked, by purpose.

    Consent to health data covers the complaint the visitor wrote; with no complaint there is
    nothing it covers, so it is not recorded (AVG art. 9).
    """
    return {
        purpose: text
        for purpose, text in shown.items()
        if purpose in ticked and (purpose != "health_data" or complaint)
    }


def given_at(
    form_name: str, embedded: bool, origin: str | None, own_origin: str
) -> tuple[str, str]:
    """The form and origin a consent was given on, as recorded with it.

    A form in the blog's frame is `embed/<form>`; a browser that names no origin posted from ours.
    """
    return ("embed/" if embedded else "") + form_name, origin or own_origin
