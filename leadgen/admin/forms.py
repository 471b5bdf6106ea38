"""The admin forms, every text Dutch and translated lazily: GET filter forms, POST with CSRF."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from leadgen.admin.queries import DATE_MAX, DATE_MIN, SORT_LABELS, LeadFilter
from leadgen.fields import choices, no_control_characters, strip
from leadgen.vocab import KIND_LABELS, STATUS_LABELS

DATE_FORMATS = ["%Y-%m-%d", "%d-%m-%Y"]  # the date picker's value, or typed as dd-mm-jjjj
DATE_MESSAGE = _l("Vul een datum in als dd-mm-jjjj.")
DATE_RANGE_MESSAGE = _l(
    "Kies een datum tussen %(first)s en %(last)s.",
    first=DATE_MIN.strftime("%d-%m-%Y"),
    last=DATE_MAX.strftime("%d-%m-%Y"),
)


def query_params(form: FlaskForm, names: tuple[str, ...]) -> dict[str, str]:
    """The fields `names` of `form` that hold a valid value, as query-string parameters."""
    out = {}
    for name in names:
        value = None if form[name].errors else form[name].data
        if value:
            out[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return out


class NlDateField(DateField):
    """A date field that says what is wrong in Dutch, and takes only dates we can compute with."""

    def __init__(self, label: str, **kwargs) -> None:
        super().__init__(label, format=DATE_FORMATS, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(DATE_MESSAGE) from None
        if self.data is not None and not DATE_MIN <= self.data <= DATE_MAX:
            # Year 1 or 9999 would overflow the day's start and end in Amsterdam time.
            self.data = None
            raise ValueError(DATE_RANGE_MESSAGE)


class EmptyForm(FlaskForm):
    """A POST-only button: nothing but the CSRF token."""

    submit = SubmitField(_l("Doorgaan"))


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mailadres"),
        filters=[strip],
        validators=[
            DataRequired(_l("Vul je e-mailadres in.")),
            Length(max=254),
            no_control_characters(),
        ],
    )
    password = PasswordField(
        _l("Wachtwoord"), validators=[DataRequired(_l("Vul je wachtwoord in.")), Length(max=1024)]
    )
    next = HiddenField()


class FilterFields(FlaskForm):
    """The lead filter, shared by the list (GET) and the export (POST)."""

    kind = SelectField(
        _l("Aanbod"), choices=choices(KIND_LABELS, _l("Alle")), default="", validate_choice=True
    )
    status = SelectField(
        _l("Status"), choices=choices(STATUS_LABELS, _l("Alle")), default="", validate_choice=True
    )
    date_from = NlDateField(_l("Aangevraagd vanaf"), validators=[Optional()])
    date_to = NlDateField(_l("tot en met"), validators=[Optional()])
    source = StringField(
        _l("Bron bevat"), filters=[strip], validators=[Length(max=200), no_control_characters()]
    )
    q = StringField(
        _l("Zoek op naam, e-mail of telefoon"),
        filters=[strip],
        validators=[Length(max=100), no_control_characters()],
    )

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            field.errors.append(_l("De einddatum ligt vóór de begindatum."))

    def to_filter(self) -> LeadFilter:
        """The filter these fields describe; a field with an error is left out."""

        def ok(name: str):
            return None if self[name].errors else (self[name].data or None)

        return LeadFilter(
            kind=ok("kind"),
            status=ok("status"),
            date_from=ok("date_from"),
            date_to=ok("date_to"),
            source=ok("source"),
            search=ok("q"),
        )

    def params(self) -> dict[str, str]:
        """The filter as query-string parameters (valid fields only), for links and the export."""
        return query_params(self, ("kind", "status", "date_from", "date_to", "source", "q"))


class LeadFilterForm(FilterFields):
    class Meta:
        csrf = False  # a GET search form changes nothing

    sort = SelectField(
        _l("Sorteren"), choices=choices(SORT_LABELS), default="nieuwste", validate_choice=True
    )


class ExportForm(FilterFields):
    include_health = BooleanField(
        _l("Neem de klachtomschrijving mee (gezondheidsgegevens; dit wordt apart vastgelegd)")
    )


class LeadUpdateForm(FlaskForm):
    status = RadioField(
        _l("Status"),
        choices=choices(STATUS_LABELS),
        validators=[InputRequired(_l("Kies een status."))],
    )
    follow_up_on = NlDateField(_l("Terugbellen op"), validators=[Optional()])


class NoteForm(FlaskForm):
    body = TextAreaField(
        _l("Nieuwe notitie"),
        filters=[strip],
        validators=[
            DataRequired(_l("Schrijf eerst iets in de notitie.")),
            Length(max=4000, message=_l("Een notitie heeft hoogstens 4000 tekens.")),
            no_control_characters(line_breaks=True),
        ],
    )


class EraseForm(FlaskForm):
    confirm = BooleanField(
        _l(
            "Ja, wis deze persoon met alle aanvragen, toestemmingen, downloads, notities"
            " en e-mails."
        ),
        validators=[DataRequired(_l("Vink aan dat je alles van deze persoon wilt wissen."))],
    )


GROUPING_LABELS = {
    "post": _l("Per blogpost"),
    "campagne": _l("Per campagne"),
    "beide": _l("Per blogpost en campagne"),
}


class FunnelFields(FlaskForm):
    """The funnel's period and grouping, shared by the page (GET) and its export (POST)."""

    date_from = NlDateField(_l("Van"), validators=[Optional()])
    date_to = NlDateField(_l("tot en met"), validators=[Optional()])
    per = SelectField(
        _l("Groeperen"), choices=choices(GROUPING_LABELS), default="post", validate_choice=True
    )

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("De einddatum ligt vóór de begindatum."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in (self.date_from, self.date_to):
            if field.errors and field.data is None:
                # A date input cannot hold "31-02-2026": show it empty, with the error beside it.
                field.raw_data = None
        return valid

    def params(self) -> dict[str, str]:
        """The valid choices as query-string parameters, for links and the export."""
        return query_params(self, ("date_from", "date_to", "per"))


class FunnelForm(FunnelFields):
    class Meta:
        csrf = False  # a GET form changes nothing


class FunnelExportForm(FunnelFields):
    """The export button: the same fields, hidden, with the CSRF token (the export is logged)."""
