"""The embed: frameless form pages for the blog's iframe, and the script that inserts them."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    request,
    send_from_directory,
)
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from leadgen.appointments import views as appointments
from leadgen.embed import plugin, policy
from leadgen.extensions import db
from leadgen.funnel import counter
from leadgen.leads import guard
from leadgen.leads import views as leads
from leadgen.site.views import ERRORS, render_error

STATIC = Path(__file__).resolve().parent / "static"
LAYOUT = "embed_base.html"
# The pages that make up one framed conversation; each link between them keeps `parent`.
PAGES = {
    "embed.ebook_form",
    "embed.advies_form",
    "embed.ebook_thanks",
    "embed.advies_thanks",
    "embed.appointment",
    "embed.appointment_done",
}
FORM_PAGES = {"embed.ebook_form", "embed.advies_form"}  # a view of one of these counts
SCRIPT_MAX_AGE = 3600  # the URL has no version in it, so blogs pick up a new script within the hour
PLUGIN_MAX_AGE = 3600

bp = Blueprint("embed", __name__, static_folder=STATIC, static_url_path="/embed/static")


@bp.before_request
def _read_parent() -> None:
    g.embed_parent = policy.parent_origin(
        request.args.get("parent"), guard.own_origin(), current_app.config["LEADGEN_EMBED_ORIGINS"]
    )


@bp.url_defaults
def _keep_parent(endpoint: str, values: dict) -> None:
    # The form's action and the redirect to the thank-you page are built with url_for, so the
    # frame keeps talking to its parent after a submit or a 422.
    if endpoint in PAGES and g.get("embed_parent"):
        values.setdefault("parent", g.embed_parent)


@bp.context_processor
def _embed_context() -> dict:
    return {"parent_origin": g.get("embed_parent")}


@bp.after_request
def _frame_policy(response: Response) -> Response:
    # Runs before the app-wide header hook, which leaves a response with a CSP alone.
    if request.path.startswith("/embed/"):
        allowed = current_app.config["LEADGEN_EMBED_ORIGINS"]
        response.headers["Content-Security-Policy"] = policy.frame_ancestors(allowed)
        response.headers.pop("X-Frame-Options", None)
    return response


@bp.after_request
def _count_view(response: Response) -> Response:
    # The form as served to a reader: not its POST, not a re-render after errors, not HEAD.
    if request.method == "GET" and request.endpoint in FORM_PAGES and response.status_code == 200:
        base = urlsplit(current_app.config["LEADGEN_BASE_URL"])
        counter.count_view(
            request.args.get("source"),
            request.args.get("utm_campaign"),
            request.headers,
            {
                f"{base.scheme}://{base.netloc}".lower(),
                *current_app.config["LEADGEN_EMBED_ORIGINS"],
            },
        )
    return response


@bp.route("/embed/ebook", methods=["GET", "POST"])
@guard.limit_per_address_and_email
def ebook_form():
    return leads.handle_form("ebook", "embed.ebook_thanks", LAYOUT)


@bp.route("/embed/advies", methods=["GET", "POST"])
@guard.limit_per_address_and_email
def advies_form():
    return leads.handle_form("advies", "embed.advies_thanks", LAYOUT)


@bp.get("/embed/ebook/bedankt")
def ebook_thanks():
    return leads.render_ebook_thanks(LAYOUT)


@bp.get("/embed/advies/bedankt")
def advies_thanks():
    return leads.render_advies_thanks(LAYOUT, "embed.appointment")


@bp.route("/embed/afspraak/<token>", methods=["GET", "POST"])
@guard.limit_per_address
def appointment(token: str):
    return appointments.handle_booking(token, "embed.appointment_done", LAYOUT)


@bp.get("/embed/afspraak/<token>/bevestigd")
def appointment_done(token: str):
    return appointments.render_done(token, "embed.appointment", LAYOUT)


@bp.get("/embed.js")
def script():
    response = send_from_directory(
        STATIC, "embed.js", mimetype="text/javascript", max_age=SCRIPT_MAX_AGE
    )
    # A blog that isolates itself (COEP) may still load the script from our origin.
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.get("/embed/wordpress/leadgen.zip")
def wordpress_plugin():
    """The WordPress plugin, with this leadgen's address as its default (docs/embedding.md)."""
    data, etag = plugin.build(current_app.config["LEADGEN_BASE_URL"])
    response = Response(data, mimetype="application/zip")
    response.headers["Content-Disposition"] = 'attachment; filename="leadgen.zip"'
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = PLUGIN_MAX_AGE
    return response.make_conditional(request)


def _http_error(error: HTTPException):
    return _error_page(error.code or 500)


def _database_error(_error: SQLAlchemyError):
    db.session.rollback()
    return _error_page(503)


# By status code, like the site's own handlers: Flask prefers a handler for the code over one for
# a class, so only these take precedence over the site's framed-out error pages.
for _code in ERRORS:
    bp.register_error_handler(_code, _http_error)
bp.register_error_handler(SQLAlchemyError, _database_error)


def _error_page(code: int):
    """Render an error inside the frame, where the site's framed-out error page would not show."""
    return render_error(code, template="embed/error.html")
