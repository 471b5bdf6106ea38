"""The consent texts a visitor is shown, each identified by a hash of its exact wording."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from leadgen.leads.forms import AdviesForm, EbookForm


@dataclass(frozen=True)
class ConsentText:
    purpose: str
    text: str

    @property
    def version(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:16]


def texts_for(form: EbookForm | AdviesForm) -> dict[str, ConsentText]:
    """The consent texts as the form shows them, keyed by purpose."""
    texts = {"privacy": ConsentText("privacy", str(form.privacy.label.text))}
    if isinstance(form, EbookForm):
        texts["newsletter"] = ConsentText("newsletter", str(form.newsletter.label.text))
    if isinstance(form, AdviesForm):
        texts["health_data"] = ConsentText("health_data", str(form.health_consent.label.text))
    return texts
