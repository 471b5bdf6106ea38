"""The agenda's forms: weekly hours, blocked days, an appointment's mark or cancellation."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField, ValidationError
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from leadgen.admin.agenda import CANCEL, MARKS, read_hours
from leadgen.admin.forms import NlDateField
from leadgen.fields import no_control_characters, strip
from leadgen.hours import HoursError
from leadgen.vocab import CALL_KINDS

HOURS_EXAMPLE = "ma-vr 12:00-13:00; za 09:00-11:00"
HOURS_HINT = _l(
    "Dagen ma di wo do vr za zo, een reeks met een streepje (ma-vr), tijden als 09:00-12:00,"
    " meer tijden met een komma, meer regels met een puntkomma. Bijvoorbeeld: %(example)s."
    " Leeg: niet te boeken.",
    example=HOURS_EXAMPLE,
)


def readable_hours(form: FlaskForm, field: StringField) -> None:
    """Refuse hours the booking pages could not read, naming the part that is wrong."""
    try:
        read_hours(field.data or "")
    except HoursError as error:
        # gettext, not the lazy kind: a lazy string counts as safe HTML in a template, and this
        # one repeats what was typed.
        raise ValidationError(
            _(
                "Deze openingstijden kunnen we niet lezen (bij ‘%(part)s’). Schrijf ze als"
                " ‘%(example)s’: tijden op hele vijf minuten, de eindtijd na de begintijd,"
                " niet overlappend.",
                part=error.part[:60],
                example=HOURS_EXAMPLE,
            )
        ) from None


def _hours_field(label) -> StringField:
    return StringField(
        label,
        filters=[strip],
        validators=[
            Length(max=500, message=_l("Openingstijden zijn hoogstens 500 tekens.")),
            no_control_characters(),
            readable_hours,
        ],
    )


class HoursForm(FlaskForm):
    """Both kinds' weekly hours at once, in the syntax of LEADGEN_HOURS_*."""

    adviesgesprek = _hours_field(_l("Adviesgesprek (telefonisch)"))
    pijncheck = _hours_field(_l("Pijncheck (in de praktijk)"))

    def specs(self) -> dict[str, str]:
        return {kind: self[kind].data or "" for kind in CALL_KINDS}


class ResetHoursForm(FlaskForm):
    kind = SelectField(choices=list(CALL_KINDS), validate_choice=True)


class BlockDayForm(FlaskForm):
    day = NlDateField(_l("Dag"), validators=[InputRequired(_l("Kies een dag."))])
    note = StringField(
        _l("Reden (niet verplicht)"),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=200, message=_l("Een reden is hoogstens 200 tekens.")),
            no_control_characters(),
        ],
    )


class UnblockDayForm(FlaskForm):
    day = NlDateField(_l("Dag"), validators=[InputRequired(_l("Kies een dag."))])


class AppointmentForm(FlaskForm):
    """A button on an appointment: mark it after the moment, or cancel it before."""

    appointment = IntegerField(validators=[InputRequired(), NumberRange(1, 2**31 - 1)])
    operation = SelectField(choices=[*MARKS, CANCEL], validate_choice=True)
    # Where the button was: the agenda (with its ?dag= or ?week=) or the lead page.
    back = HiddenField(validators=[Length(max=40)])
