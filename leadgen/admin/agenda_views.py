"""/admin/agenda: the appointments per day and week, hours, blocked days, marks and the feed.

Routes on the admin blueprint, so the login check, no-store headers and session CSRF apply.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from leadgen.admin import agenda, feed, formats
from leadgen.admin.agenda_forms import (
    HOURS_HINT,
    AppointmentForm,
    BlockDayForm,
    HoursForm,
    ResetHoursForm,
    UnblockDayForm,
)
from leadgen.admin.views import bp
from leadgen.models import utcnow
from leadgen.vocab import KIND_LABELS

PROBLEMS = {
    "day": lambda: _(
        "Deze dag bestaat niet. Gebruik ?dag=jjjj-mm-dd, bijvoorbeeld ?dag=2026-12-03."
    ),
    "week": lambda: _(
        "Deze week bestaat niet. Gebruik ?week=jjjj-Www, bijvoorbeeld ?week=2026-W49."
    ),
    "range": lambda: _("Kies een dag tussen 01-01-2000 en 31-12-2099."),
    "blocked": lambda: _("Die dag staat al geblokkeerd."),
    "missing": lambda: _("Deze afspraak bestaat niet (meer)."),
    "action": lambda: _("Deze handeling kennen we niet."),
    "cancelled": lambda: _("Deze afspraak is afgezegd; die kun je niet meer markeren."),
    "future": lambda: _("Een afspraak markeer je pas na het moment zelf."),
    "not_cancellable": lambda: _(
        "Alleen een geboekte afspraak die nog moet komen kun je afzeggen."
    ),
}


def _period(args) -> tuple[str, date, str | None]:
    """What to show: ("dag" | "week", its first day, a problem with the parameters or None)."""
    try:
        if "dag" in args:
            return "dag", agenda.parse_day(args["dag"]), None
        if "week" in args:
            return "week", agenda.parse_week(args["week"]), None
    except agenda.AgendaError as error:
        problem = error.reason
    else:
        problem = None
    today = formats.today()
    return "week", today - timedelta(days=today.weekday()), problem


def _nav(view: str, first: date) -> dict[str, str]:
    if view == "dag":
        return {
            "prev": url_for("admin.agenda", dag=(first - timedelta(days=1)).isoformat()),
            "next": url_for("admin.agenda", dag=(first + timedelta(days=1)).isoformat()),
            "up": url_for("admin.agenda", week=agenda.week_of(first)),
        }
    return {
        "prev": url_for("admin.agenda", week=agenda.week_of(first - timedelta(days=7))),
        "next": url_for("admin.agenda", week=agenda.week_of(first + timedelta(days=7))),
        "up": url_for("admin.agenda"),
    }


def _page(status: int = 200, problem: str | None = None, **forms):
    view, first, period_problem = _period(request.args)
    last = first if view == "dag" else first + timedelta(days=6)
    problem = problem or period_problem
    now = utcnow()
    hours = agenda.hours()
    hours_form = forms.get("hours_form") or HoursForm(
        formdata=None, data={item.kind: item.spec for item in hours}
    )
    back = f"dag={first.isoformat()}" if view == "dag" else f"week={agenda.week_of(first)}"
    page = render_template(
        "admin/agenda.html",
        view=view,
        first=first,
        last=last,
        week=agenda.week_of(first),
        days=agenda.appointments(first, last, now),
        nav=_nav(view, first),
        today=formats.today(),
        back=back,
        problem=PROBLEMS[problem]() if problem else None,
        hours=hours,
        hours_form=hours_form,
        hours_hint=HOURS_HINT,
        reset_form=ResetHoursForm(formdata=None),
        block_form=forms.get("block_form") or BlockDayForm(formdata=None),
        button_form=AppointmentForm(formdata=None),
        blocked=agenda.blocked_days(formats.today()),
        feed_made_at=feed.made_at(current_user.id),
        feed_url=forms.get("feed_url"),
        kinds=KIND_LABELS,
    )
    return page, (400 if period_problem and status == 200 else status)


@bp.get("/agenda", endpoint="agenda")
def agenda_page():
    return _page()


def _back(target: str | None):
    """Where a button's form returns to: the agenda's day or week, or the lead's page."""
    kind, _, value = (target or "").partition("=")
    try:
        if kind == "dag":
            return url_for("admin.agenda", dag=agenda.parse_day(value).isoformat())
        if kind == "week":
            return url_for("admin.agenda", week=agenda.week_of(agenda.parse_week(value)))
        if kind == "lead" and value.isdigit() and len(value) < 11:
            return url_for("admin.lead", lead_id=int(value)) + "#afspraken"
    except agenda.AgendaError:
        pass
    return url_for("admin.agenda")


@bp.post("/agenda/uren")
def save_hours():
    form = HoursForm()
    if not form.validate():
        return _page(422, hours_form=form)
    changed = agenda.save_hours(form.specs(), current_user.id)
    if changed:
        kinds = ", ".join(str(KIND_LABELS[kind]).lower() for kind in changed)
        flash(_("Openingstijden opgeslagen voor: %(kinds)s.", kinds=kinds), "success")
    else:
        flash(_("Er was niets veranderd."), "info")
    return redirect(url_for("admin.agenda") + "#uren", code=303)


@bp.post("/agenda/uren/standaard")
def reset_hours():
    form = ResetHoursForm()
    if not form.validate():
        return _page(422, problem="action")
    if agenda.reset_hours(form.kind.data, current_user.id):
        flash(
            _("%(kind)s: terug naar de standaardtijden.", kind=KIND_LABELS[form.kind.data]),
            "success",
        )
    return redirect(url_for("admin.agenda") + "#uren", code=303)


@bp.post("/agenda/vrije-dagen")
def block_day():
    form = BlockDayForm()
    if not form.validate():
        return _page(422, block_form=form)
    try:
        agenda.block_day(form.day.data, form.note.data, current_user.id)
    except agenda.AgendaError as error:
        return _page(409 if error.reason == "blocked" else 422, problem=error.reason)
    day = formats.nl_date(form.day.data)
    booked = agenda.booked_on(form.day.data)
    if booked:
        message = _(
            "%(day)s is geblokkeerd. Let op: er staan nog %(count)s afspraken op die dag;"
            " zeg ze af als ze niet door kunnen gaan.",
            day=day,
            count=booked,
        )
        flash(message, "error")
    else:
        flash(_("%(day)s is geblokkeerd: er is die dag niets te boeken.", day=day), "success")
    return redirect(url_for("admin.agenda") + "#vrije-dagen", code=303)


@bp.post("/agenda/vrije-dagen/vrijgeven")
def unblock_day():
    form = UnblockDayForm()
    if not form.validate():
        return _page(422, problem="day")
    if agenda.unblock_day(form.day.data, current_user.id):
        day = formats.nl_date(form.day.data)
        flash(_("%(day)s is weer te boeken.", day=day), "success")
    return redirect(url_for("admin.agenda") + "#vrije-dagen", code=303)


@bp.post("/agenda/afspraak")
def appointment_action():
    form = AppointmentForm()
    if not form.validate():
        return _page(422, problem="action")
    try:
        if form.operation.data == agenda.CANCEL:
            agenda.cancel(form.appointment.data, current_user.id, utcnow())
            flash(_("Afspraak afgezegd; de bezoeker krijgt een e-mail."), "success")
        else:
            agenda.mark(form.appointment.data, form.operation.data, current_user.id, utcnow())
            flash(_("Opgeslagen."), "success")
    except agenda.AgendaError as error:
        status = 404 if error.reason == "missing" else 409
        return _page(status, problem=error.reason)
    return redirect(_back(form.back.data), code=303)


@bp.post("/agenda/abonnement")
def make_feed():
    # The URL is shown this once, on this page: only its hash is kept (CSRF checked app-wide).
    secret = feed.make(current_user.id)
    return _page(feed_url=feed.feed_url(secret))


@bp.post("/agenda/abonnement/intrekken")
def revoke_feed():
    if feed.revoke(current_user.id):
        flash(_("Je agenda-abonnement is ingetrokken; de oude link werkt niet meer."), "success")
    return redirect(url_for("admin.agenda") + "#abonnement", code=303)
