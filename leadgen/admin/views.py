"""The admin blueprint at /admin: thin views that read a form, call one function, then render."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from leadgen import i18n
from leadgen.admin import (
    audit,
    auth,
    chart,
    embedding,
    export,
    figures,
    formats,
    queries,
    service,
    throttle,
)
from leadgen.admin.forms import (
    EmptyForm,
    EraseForm,
    ExportForm,
    LeadFilterForm,
    LeadUpdateForm,
    LoginForm,
    NoteForm,
)
from leadgen.extensions import login_manager
from leadgen.followup import series
from leadgen.funnel import report
from leadgen.models import utcnow

bp = Blueprint("admin", __name__, url_prefix="/admin")

PUBLIC_ENDPOINTS = {"admin.login"}


bp.before_request(auth.check_csrf)  # first of all, before the log-in check below


@bp.before_request
def require_login():
    """Every admin page needs a logged-in staff member whose session is neither idle nor old."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if auth.session_expired():
        auth.end_session()
        flash(_("Je sessie is verlopen. Log opnieuw in."), "info")
        return redirect(url_for("admin.login"))
    auth.touch_session()
    return None


@bp.after_request
def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.context_processor
def admin_context() -> dict:
    return {
        # Never bound to the request: rendering it (also on a 413 page) must not read the body.
        "logout_form": EmptyForm(formdata=None),
    }


def _safe_next(target: str | None) -> str:
    """The page to return to after login: one of ours, and nothing a header could trip over."""
    if (
        target
        and target.startswith("/admin")
        and "\\" not in target
        and "//" not in target
        and target.isprintable()
        and " " not in target
    ):
        return target
    return url_for("admin.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@throttle.per_address
@throttle.per_account_here
@throttle.per_account
def login():
    if request.method == "GET" and current_user.is_authenticated:
        return redirect(url_for("admin.dashboard"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    error = None
    if form.validate_on_submit():
        staff = auth.authenticate(form.email.data, form.password.data)
        if staff is not None:
            auth.start_session(staff)
            return redirect(_safe_next(form.next.data), code=303)
        error = _(
            "Dit e-mailadres en wachtwoord horen niet bij elkaar, of het account is uitgezet."
        )
    form.password.data = ""
    return render_template("admin/login.html", form=form, error=error)


@bp.post("/logout")
def logout():
    if EmptyForm().validate_on_submit():
        auth.end_session(current_user.id)
        flash(_("Je bent uitgelogd."), "info")
    return redirect(url_for("admin.login"), code=303)


@bp.get("/")
def dashboard():
    period = 90 if request.args.get("dagen") == "90" else 30
    data = figures.dashboard(period, formats.today())
    posts = report.funnel(data.days[0], data.days[-1], "post", report.practice_zone())
    return render_template(
        "admin/dashboard.html",
        period=period,
        data=data,
        chart=chart.line_chart(data.days, data.signups),
        posts=posts,
    )


@bp.get("/leads")
def leads():
    form = LeadFilterForm(formdata=request.args)
    form.validate()
    sort = form.sort.data if not form.sort.errors and form.sort.data else "nieuwste"
    page = queries.list_leads(
        form.to_filter(), sort, after=request.args.get("na"), before=request.args.get("voor")
    )
    params = form.params() | ({"sort": sort} if sort != "nieuwste" else {})
    return render_template(
        "admin/leads.html",
        form=form,
        page=page,
        params=params,
        export_form=ExportForm(formdata=None),
        export_params=form.params(),
    )


@bp.get("/leads/vandaag")
def today():
    day = formats.today()
    return render_template("admin/today.html", day=day, due=queries.due_today(day))


@bp.post("/leads/export.csv")
def export_csv():
    form = ExportForm()
    if not form.validate():
        flash(_("De export kon niet worden gemaakt: controleer het filter."), "error")
        return redirect(url_for("admin.leads", **form.params()), code=303)
    chunks = export.start_export(
        form.to_filter(), form.include_health.data, current_user.id, via="web"
    )
    name = export.filename(formats.today())
    return Response(
        stream_with_context(chunks),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _lead_or_404(lead_id: int):
    lead = queries.lead_or_none(lead_id)
    if lead is None:
        abort(404)
    return lead


def _render_lead(lead_id: int, status: int = 200, **forms):
    lead = _lead_or_404(lead_id)
    update_form = forms.get("update_form") or LeadUpdateForm(formdata=None, obj=lead)
    return render_template(
        "admin/lead.html",
        lead=lead,
        update_form=update_form,
        note_form=forms.get("note_form") or NoteForm(formdata=None),
        button_form=EmptyForm(),
        today=formats.today(),
        series=series.progress(lead) if lead.kind == "ebook" else None,
        now=utcnow(),
    ), status


@bp.get("/leads/<int:lead_id>")
def lead(lead_id: int):
    return _render_lead(lead_id)


@bp.post("/leads/<int:lead_id>/status")
def update_lead(lead_id: int):
    _lead_or_404(lead_id)
    form = LeadUpdateForm()
    if not form.validate():
        return _render_lead(lead_id, 422, update_form=form)
    service.update_lead(lead_id, current_user.id, form.status.data, form.follow_up_on.data)
    flash(_("Opgeslagen."), "success")
    return redirect(url_for("admin.lead", lead_id=lead_id), code=303)


@bp.post("/leads/<int:lead_id>/geen-gehoor")
def no_answer(lead_id: int):
    _lead_or_404(lead_id)
    if EmptyForm().validate_on_submit():
        lead = service.record_no_answer(lead_id, current_user.id, formats.today())
        flash(
            _(
                "Genoteerd: %(count)s× geen gehoor. Opnieuw bellen op %(date)s.",
                count=lead.no_answer_count,
                date=formats.nl_date(lead.follow_up_on),
            ),
            "success",
        )
    return redirect(url_for("admin.lead", lead_id=lead_id), code=303)


@bp.post("/leads/<int:lead_id>/reeks-stoppen")
def stop_series(lead_id: int):
    _lead_or_404(lead_id)
    if EmptyForm().validate_on_submit() and service.stop_series(lead_id, current_user.id):
        flash(_("De opvolgreeks is gestopt: deze persoon krijgt geen opvolgmails meer."), "success")
    return redirect(url_for("admin.lead", lead_id=lead_id) + "#reeks", code=303)


@bp.post("/leads/<int:lead_id>/notities")
def add_note(lead_id: int):
    _lead_or_404(lead_id)
    form = NoteForm()
    if not form.validate():
        return _render_lead(lead_id, 422, note_form=form)
    service.add_note(lead_id, current_user.id, form.body.data)
    flash(_("Notitie toegevoegd."), "success")
    return redirect(url_for("admin.lead", lead_id=lead_id) + "#notities", code=303)


@bp.route("/leads/<int:lead_id>/wissen", methods=["GET", "POST"])
def erase(lead_id: int):
    lead = _lead_or_404(lead_id)
    form = EraseForm()
    if form.validate_on_submit():
        erased = service.erase_lead(lead_id, current_user.id)
        numbers = ", ".join(map(str, erased))
        flash(
            _("Gewist: aanvraag %(numbers)s, met alles wat erbij hoorde.", numbers=numbers),
            "success",
        )
        return redirect(url_for("admin.leads"), code=303)
    status = 422 if request.method == "POST" else 200
    requests = queries.leads_by_email(lead.email)
    return render_template("admin/erase.html", lead=lead, requests=requests, form=form), status


@bp.get("/audit")
def audit_log():
    before = request.args.get("voor", type=int)
    return render_template(
        "admin/audit.html",
        page=queries.audit_log(before),
        actions=audit.ACTIONS,
        describe=audit.describe,
    )


@bp.get("/insluiten")
def embedding_help():
    return render_template(
        "admin/embedding.html",
        address=embedding.address(),
        forms=embedding.snippets(i18n.current()),
        theme_script=embedding.theme_script(),
        origins=embedding.origins(),
    )
