"""The public forms, every text Dutch and translated lazily.

The field names never change: the embed, the tests and the practice's own links and integrations
post and read them by name.
"""

from __future__ import annotations

import weakref

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    StringField,
    TelField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from leadgen import addresses, i18n, names, phone
from leadgen.fields import choices, clean_source, clean_tracking, no_control_characters, strip
from leadgen.request_path import given
from leadgen.vocab import CALL_KIND_CHOICES, MOMENT_CHOICES, TRACKING_FIELDS, TRACKING_PARAMS


def _squash(value: str | None) -> str | None:
    return " ".join(value.split()) if isinstance(value, str) else value


class CookielessForm(FlaskForm):
    """A form that works inside a third-party iframe: a signed token instead of session CSRF."""

    class Meta(i18n.FormMeta):
        csrf = False  # see leadgen/tokens.py

        def bind_field(self, form, unbound_field, options):
            # Each field keeps a reference to its form: held strongly, form and fields are a
            # reference cycle, which only the cyclic collector frees, in a pass that stops every
            # thread of the worker. Held weakly, the form goes when the view is done with it.
            return super().bind_field(weakref.proxy(form), unbound_field, options)

    email = EmailField(
        _l("E-mailadres"),
        filters=[strip],
        validators=[
            DataRequired(_l("Vul je e-mailadres in.")),
            Length(max=254, message=_l("Dit e-mailadres is te lang.")),
        ],
    )
    website = StringField(_l("Laat dit veld leeg"), validators=[Optional()])
    form_token = HiddenField()

    def validate_email(self, field: EmailField) -> None:
        try:
            field.data = addresses.normalise(field.data or "")
        except addresses.AddressError as error:
            raise ValidationError(error.message) from None


class ResendForm(CookielessForm):
    """ "My link is lost or expired": only an address."""


# The hidden fields that carry where a visitor came from, and how each value is cleaned.
TRACKING_FILTERS = {"source": clean_source} | {key: clean_tracking for key in TRACKING_FIELDS}


def tracking(formdata) -> dict[str, str | None]:
    """The tracking values of a POST, cleaned as the form's hidden fields clean them."""
    return {key: TRACKING_FILTERS[key](given(formdata, key)) for key in TRACKING_PARAMS}


class PublicForm(CookielessForm):
    """Fields shared by the request forms: identity, privacy and tracking."""

    name = StringField(
        _l("Naam"),
        filters=[_squash, names.compose],
        validators=[
            DataRequired(_l("Vul je naam in.")),
            Length(max=100, message=_l("Je naam mag hoogstens 100 tekens hebben.")),
        ],
    )
    privacy = BooleanField(
        _l("Ik ga akkoord met de privacyverklaring."),
        validators=[
            InputRequired(_l("Zonder je akkoord met de privacyverklaring kunnen we niets sturen."))
        ],
    )
    source = HiddenField(filters=[TRACKING_FILTERS["source"]])
    utm_source = HiddenField(filters=[TRACKING_FILTERS["utm_source"]])
    utm_medium = HiddenField(filters=[TRACKING_FILTERS["utm_medium"]])
    utm_campaign = HiddenField(filters=[TRACKING_FILTERS["utm_campaign"]])
    utm_content = HiddenField(filters=[TRACKING_FILTERS["utm_content"]])

    def validate_name(self, field: StringField) -> None:
        if not names.is_name(field.data or ""):
            raise ValidationError(
                _l("Gebruik alleen letters, spaties, koppeltekens en apostroffen in je naam.")
            )


class EbookForm(PublicForm):
    newsletter = BooleanField(
        _l("Stuur me ook de nieuwsbrief met oefentips (af en toe, opzeggen kan altijd).")
    )


class AdviesForm(PublicForm):
    phone = TelField(
        _l("Telefoonnummer"),
        filters=[strip],
        validators=[
            DataRequired(_l("Vul je telefoonnummer in, dan kunnen we je terugbellen.")),
            Length(max=40, message=_l("Dit telefoonnummer is te lang.")),
        ],
    )
    kind = RadioField(
        _l("Waarvoor wil je een afspraak?"),
        choices=choices(CALL_KIND_CHOICES),
        default="adviesgesprek",
        validators=[InputRequired(_l("Kies een adviesgesprek of een pijncheck."))],
    )
    preferred_moment = RadioField(
        _l("Wanneer kunnen we je het best bellen?"),
        choices=choices(MOMENT_CHOICES),
        default="",
        validate_choice=True,
    )
    complaint = TextAreaField(
        _l("Waar heb je last van? (niet verplicht)"),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=2000, message=_l("Houd het kort: hoogstens 2000 tekens.")),
            no_control_characters(
                line_breaks=True,
                message=_l("Deze tekst bevat tekens die we niet kunnen opslaan."),
            ),
        ],
    )
    health_consent = BooleanField(
        _l(
            "Ik geef toestemming om deze gezondheidsinformatie te gebruiken om mijn aanvraag"
            " voor te bereiden."
        )
    )

    def validate_phone(self, field: TelField) -> None:
        try:
            field.data = phone.normalise(field.data or "")
        except phone.PhoneError as error:
            if error.premium:
                raise ValidationError(
                    _l(
                        "Op een betaalnummer (zoals 0900) bellen we niet terug."
                        " Geef een ander nummer."
                    )
                ) from None
            raise ValidationError(
                _l("Dit lijkt geen geldig telefoonnummer, bijvoorbeeld 06 12345678.")
            ) from None

    def validate_health_consent(self, field: BooleanField) -> None:
        if self.complaint.data and not field.data:
            raise ValidationError(
                _l("Geef toestemming voor het gebruik van je klacht, of laat het tekstvak leeg.")
            )


class _OnlyChecked:
    """Leaves out of a form class it comes first in (WTForms skips a field set to None) the
    fields a POST only carries: the five tracking fields, read with `tracking`, and the honeypot
    and the form token, read from the POST itself (leads/views.py). The tracking fields were a
    third of making the form and checking it (285 and 61 of 976 thousand instructions,
    docs/performance.md, tenth round); the other two, a third of what was left (thirteenth).
    """

    source = utm_source = utm_medium = utm_campaign = utm_content = None
    website = form_token = None


class PostedEbookForm(_OnlyChecked, EbookForm):
    """The e-book form as a POST is checked; pages show `EbookForm`."""


class PostedAdviesForm(_OnlyChecked, AdviesForm):
    """The advice form as a POST is checked; pages show `AdviesForm`."""
