"""Public routes: the e-book and advice forms, thank-you pages, downloads, re-send and opt-in."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _

from leadgen import i18n, tokens
from leadgen.ebook import service as ebook
from leadgen.ebook.render import EBOOK_DIR
from leadgen.leads import consent, downloads, guard, newsletter, pages, prefill, service
from leadgen.leads.forms import (
    AdviesForm,
    EbookForm,
    PostedAdviesForm,
    PostedEbookForm,
    PublicForm,
    ResendForm,
    tracking,
)
from leadgen.request_path import given
from leadgen.vocab import CALL_KINDS, TRACKING_PARAMS

bp = Blueprint("leads", __name__)

FORMS = {"ebook": EbookForm, "advies": AdviesForm}
POSTED = {"ebook": PostedEbookForm, "advies": PostedAdviesForm}  # without the hidden tracking
LAYOUT = "base.html"


def handle_form(form_name: str, thanks_endpoint: str, layout: str):
    """Show, check and record one public form in `layout` (the site's or the embed's)."""
    if request.method != "POST":  # GET, and HEAD from monitors and link checkers
        if prefill.fill(form := blank_form(form_name), given(request.args, "van")):
            return *_render(form, form_name, layout), prefill.PRIVATE  # a follow-up mail's link
        return pages.render_blank(form, form_name, layout)
    if not guard.origin_allowed():
        abort(403)
    check = tokens.check_form_token(request.form.get("form_token", ""), form_name)
    if given(request.form, "website"):  # the honeypot, which people never see
        # Bots see the same thank-you as people do; nothing is stored but a count.
        service.count("honeypot")
        return redirect(url_for(thanks_endpoint, t="-"), code=303)
    if check.reason in ("expired", "invalid"):
        message = (
            _("Het formulier stond te lang open. Controleer je gegevens en verstuur het opnieuw.")
            if check.reason == "expired"
            else _("Het formulier kon niet worden gecontroleerd. Verstuur het opnieuw.")
        )
        return _render(_shown(form_name), form_name, layout, message, 400, check.first_seen)
    if not (form := POSTED[form_name]()).validate():
        shown = _shown(form_name, checked=True)
        return _render(shown, form_name, layout, status=422, seen=check.first_seen)
    if check.reason == "too_fast":
        # Autofill makes people fast too, and nobody may get a thank-you for a request we did not
        # store: ask for one more click (the token keeps its first time, so that one counts).
        service.count("too_fast")
        notice = _("Je aanvraag is nog niet verstuurd. Controleer je gegevens en verstuur opnieuw.")
        shown = _shown(form_name, checked=True)
        return _render(shown, form_name, layout, notice, 400, check.first_seen)

    outcome = service.record_request(_request_from(form, form_name))
    return redirect(url_for(thanks_endpoint, **outcome.thanks), code=303)


def _shown(form_name: str, checked: bool = False) -> PublicForm:
    """This POST's form as its page shows it again: with the hidden tracking fields, so they are
    sent on, and with the errors of its check when `checked`."""
    form = FORMS[form_name]()
    if checked:
        form.validate()
    return form


def blank_form(form_name: str) -> PublicForm:
    """A new form, with the tracking fields and the call kind the link carries."""
    form = FORMS[form_name](formdata=None)
    for key in TRACKING_PARAMS:
        if key in request.args:
            form[key].data = form[key].filters[0](request.args[key])
    if isinstance(form, AdviesForm) and request.args.get("kind") in CALL_KINDS:
        form.kind.data = request.args["kind"]
    return form


def _request_from(form: PublicForm, form_name: str) -> service.Request:
    shown = consent.texts_for(form)
    ticked = {purpose for purpose in shown if form[consent.FIELDS[purpose]].data}
    advies = isinstance(form, AdviesForm)
    complaint = (form.complaint.data or None) if advies else None
    form_label, origin = consent.given_at(
        form_name, request.blueprint == "embed", request.headers.get("Origin"), guard.own_origin()
    )
    return service.Request(
        kind=form.kind.data if advies else "ebook",
        name=form.name.data,
        email=form.email.data,
        form=form_label,
        origin=origin,
        consents=consent.counted(shown, ticked, complaint),
        tracking=tracking(request.form),
        lang=i18n.current(),
        phone=form.phone.data if advies else None,
        complaint=complaint,
        preferred_moment=(form.preferred_moment.data or None) if advies else None,
    )


def _render(
    form: PublicForm,
    form_name: str,
    layout: str,
    notice: str = "",
    status: int = 200,
    seen: float | None = None,
):
    """The form page; `seen` carries the first view's time into the new token."""
    form.form_token.data = tokens.issue_form_token(form_name, seen)
    page = render_template(f"leads/{form_name}.html", form=form, notice=notice, layout=layout)
    return page, status


@bp.route("/ebook", methods=["GET", "POST"])
@guard.limit_per_address_and_email
def ebook_form():
    return handle_form("ebook", "leads.ebook_thanks", LAYOUT)


@bp.route("/advies", methods=["GET", "POST"])
@guard.limit_per_address_and_email
def advies_form():
    return handle_form("advies", "leads.advies_thanks", LAYOUT)


@bp.get("/ebook/bedankt")
def ebook_thanks():
    return render_ebook_thanks(LAYOUT)


@bp.get("/advies/bedankt")
def advies_thanks():
    return render_advies_thanks(LAYOUT)


def render_ebook_thanks(layout: str) -> str:
    """The e-book's thank-you page in `layout`: the download button when the token is good."""
    return render_template(
        "leads/ebook_thanks.html",
        token=_thanks_token(),
        link_valid_until=service.link_valid_until(),
        layout=layout,
    )


def render_advies_thanks(layout: str, book_endpoint: str = "appointments.book") -> str:
    """The advice request's thank-you page in `layout`, with the link to pick a moment."""
    booking = request.args.get("afspraak", "")  # none after a honeypot: bots get no link
    link = url_for(book_endpoint, token=booking) if tokens.is_appointment_token(booking) else None
    kind = request.args.get("t", "")
    return render_template("leads/advies_thanks.html", kind=kind, layout=layout, book_url=link)


def _thanks_token() -> str | None:
    """The download token for the thank-you page, if it is a real, current one."""
    token = request.args.get("t", "")
    try:
        downloads.lead_for_download(token)
    except tokens.TokenError:
        return None
    return token


@bp.get("/ebook/omslag.svg")
def cover():
    """The e-book's cover drawing, for the landing and form pages: one source, the book's own."""
    return send_from_directory(
        EBOOK_DIR / "drawings", "cover.svg", mimetype="image/svg+xml", max_age=24 * 3600
    )


@bp.get("/download/<token>")
@bp.get("/download/<path:token>")  # a mangled link with slashes still gets the friendly page
def download(token: str):
    try:
        lead = downloads.lead_for_download(token)
    except tokens.TokenError as error:
        return _link_problem(410 if error.expired else 404)
    response = downloads.respond(ebook.copy_for(lead.owner, lead.name), downloads.DOWNLOAD_NAME)
    if response.status_code == 200 and not downloads.is_revalidation():
        downloads.count_download(lead.lead_id)
    return response


def _link_problem(status: int):
    form = _resend_form()
    return render_template("leads/link_problem.html", status=status, form=form), status


def _resend_form():
    form = ResendForm(formdata=None)
    form.form_token.data = tokens.issue_form_token("opnieuw")
    return form


@bp.route("/ebook/opnieuw", methods=["GET", "POST"])
@guard.limit_per_address_and_email
def resend():
    if request.method != "POST":
        return render_template("leads/resend.html", form=_resend_form(), sent=False)
    if not guard.origin_allowed():
        abort(403)
    form = ResendForm()
    check = tokens.check_form_token(form.form_token.data or "", "opnieuw")
    if check.reason in ("expired", "invalid"):
        notice = _("Het formulier kon niet worden gecontroleerd. Verstuur het opnieuw.")
        return _resend_again(form, notice, 400, check.first_seen)
    if not form.validate():
        return _resend_again(form, "", 422, check.first_seen)
    if check.reason == "too_fast" and not form.website.data:
        notice = _("Je aanvraag is nog niet verstuurd. Controleer je gegevens en verstuur opnieuw.")
        return _resend_again(form, notice, 400, check.first_seen)
    if not form.website.data:
        service.resend_link(form.email.data, i18n.current())
    # The same answer whether or not we know the address: nobody learns who asked for the book.
    return render_template("leads/resend.html", form=None, sent=True)


def _resend_again(form: ResendForm, notice: str, status: int, seen: float | None = None):
    """The re-send form once more, its token keeping the time of the first view."""
    form.form_token.data = tokens.issue_form_token("opnieuw", seen)
    return render_template("leads/resend.html", form=form, sent=False, notice=notice), status


@bp.route("/bevestig/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """Confirm newsletter consent: GET shows a button (link scanners must not do it), POST does it.

    No cookie to lean on: the token in the address is what allows the POST, as at /afmelden.
    """
    try:
        if request.method == "POST":
            state = newsletter.confirm_newsletter(token)
        else:
            state = newsletter.newsletter_state(token)
    except tokens.TokenError as error:
        status = 410 if error.expired else 404
        return render_template("leads/confirm.html", state=None, status=status), status
    return render_template("leads/confirm.html", state=state, token=token, status=200)


@bp.route("/afmelden/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """Withdraw newsletter consent: GET asks (link scanners must not do it), POST does it.

    A mail client's one-click unsubscribe (RFC 8058) posts here straight from the mail.
    """
    try:
        if request.method == "POST":
            newsletter.withdraw_newsletter(token)
            return render_template("leads/unsubscribe.html", done=True, token=token)
        newsletter.check_unsubscribe(token)
    except tokens.TokenError:
        return render_template("leads/unsubscribe.html", done=False, token=None), 404
    return render_template("leads/unsubscribe.html", done=False, token=token)
