"""The domain's words: what a lead asks for, where it stands, when to call, what it consents to."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

# The stored values are Dutch words too: they are in the database and its check constraints,
# in links (`/advies?kind=pijncheck`) and in the export, so they never change with the language.

#: What a lead asks for.
LEAD_KINDS = ("ebook", "adviesgesprek", "pijncheck")
#: The kinds that ask to be called back (the advice form's choice, today's call list).
CALL_KINDS = ("adviesgesprek", "pijncheck")
#: The kinds as staff see them in lists, filters, headings and the export.
KIND_LABELS = {
    "ebook": _l("E-book"),
    "adviesgesprek": _l("Adviesgesprek"),
    "pijncheck": _l("Pijncheck"),
}
#: The call kinds as the visitor chooses between them on the advice form.
CALL_KIND_CHOICES = {
    "adviesgesprek": _l("Gratis adviesgesprek van 20 minuten (telefonisch)"),
    "pijncheck": _l("Gratis pijncheck in de praktijk"),
}
#: The call kinds inside a sentence to the visitor ("je aanvraag voor een gratis pijncheck").
CALL_KIND_OFFERS = {
    "adviesgesprek": _l("gratis adviesgesprek"),
    "pijncheck": _l("gratis pijncheck"),
}
#: The call kinds inside a sentence to staff ("Nieuwe aanvraag: pijncheck").
CALL_KIND_WORDS = {
    "adviesgesprek": _l("adviesgesprek"),
    "pijncheck": _l("pijncheck"),
}

#: Where a lead stands; a new lead is "nieuw".
LEAD_STATUSES = ("nieuw", "gebeld", "afspraak", "patiënt", "geen interesse")
#: The statuses on the way to becoming a patient, in order (the lead page's steps).
STATUS_STEPS = ("nieuw", "gebeld", "afspraak", "patiënt")
#: The statuses in which staff still have someone to call.
OPEN_STATUSES = ("nieuw", "gebeld", "afspraak")
STATUS_LABELS = {
    "nieuw": _l("Nieuw"),
    "gebeld": _l("Gebeld"),
    "afspraak": _l("Afspraak"),
    "patiënt": _l("Patiënt"),
    "geen interesse": _l("Geen interesse"),
}

#: When a caller prefers to be rung; no value means no preference.
MOMENTS = ("ochtend", "middag", "avond")
#: The moments as the options of the form, each on its own ("’s Ochtends").
MOMENT_CHOICES = {
    "": _l("Geen voorkeur"),
    "ochtend": _l("’s Ochtends"),
    "middag": _l("’s Middags"),
    "avond": _l("’s Avonds"),
}
#: The moments inside a sentence ("het liefst ’s ochtends"): mails, the lead page, the export.
MOMENT_PHRASES = {
    "ochtend": _l("’s ochtends"),
    "middag": _l("’s middags"),
    "avond": _l("’s avonds"),
}

#: What a consent is for.
CONSENT_PURPOSES = ("privacy", "newsletter", "health_data")
PURPOSE_LABELS = {
    "privacy": _l("Privacyverklaring"),
    "newsletter": _l("Nieuwsbrief"),
    "health_data": _l("Gezondheidsgegevens"),
}

#: The campaign fields a link may carry (utm_*), stored with the lead.
TRACKING_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_content")
#: What a page passes on to the forms and a form keeps with the lead: the page it was on
#: (`source`) and the campaign fields. Each is a hidden field of every public form.
TRACKING_PARAMS = ("source", *TRACKING_FIELDS)

#: Where an appointment stands: booked by the visitor, cancelled (by them or staff), or after
#: the moment marked by staff as attended or missed.
APPOINTMENT_STATUSES = ("geboekt", "geannuleerd", "geweest", "niet verschenen")
#: The statuses that hold a moment in the agenda (a past attended or missed one keeps its place).
HOLDING_STATUSES = ("geboekt", "geweest", "niet verschenen")
APPOINTMENT_STATUS_LABELS = {
    "geboekt": _l("Geboekt"),
    "geannuleerd": _l("Geannuleerd"),
    "geweest": _l("Geweest"),
    "niet verschenen": _l("Niet verschenen"),
}


def in_words(labels: Mapping[str, object]) -> dict[str, str]:
    """`labels` in the request's language, looked up once: a long list shows a label per row,
    and each lazy label looked its translation up again (a fifth of a 400-row call list)."""
    return {key: str(label) for key, label in labels.items()}
