"""The landing page, the health check, error pages and the headers every response carries."""

from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, Flask, Response, jsonify, redirect, render_template, request, url_for
from sqlalchemy import false, update
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from leadgen.extensions import db
from leadgen.models import Counter

bp = Blueprint("site", __name__)

# Dutch titles and explanations for the error pages a visitor may meet.
ERRORS = {
    400: ("Ongeldig verzoek", "Dit verzoek konden we niet verwerken. Probeer het opnieuw."),
    403: ("Geen toegang", "Dit verzoek komt niet van een pagina die wij kennen."),
    404: ("Pagina niet gevonden", "Deze pagina bestaat niet (meer)."),
    405: ("Methode niet toegestaan", "Deze pagina kan op deze manier niet worden gebruikt."),
    410: ("Link verlopen", "Deze link is verlopen."),
    413: (
        "Te veel gegevens",
        "Het formulier bevatte meer tekst dan we aannemen. Maak het korter en probeer opnieuw.",
    ),
    422: ("Controleer je gegevens", "Niet alle velden zijn goed ingevuld."),
    429: (
        "Even rustig aan",
        "We kregen in korte tijd te veel aanvragen. Wacht een paar minuten en probeer het opnieuw.",
    ),
    500: ("Er ging iets mis", "Er ging aan onze kant iets mis. Probeer het later opnieuw."),
    503: (
        "Tijdelijk niet beschikbaar",
        "We kunnen je aanvraag nu even niet opslaan. Probeer het over een paar minuten opnieuw;"
        " er is niets bewaard.",
    ),
}


@bp.get("/")
def index():
    return render_template("site/index.html")


@bp.get("/privacy")
def privacy():
    return render_template("site/privacy.html")


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico where a page names no icon (a PDF, JSON): the SVG one."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.get("/healthz")
def healthz():
    """Say whether the database takes writes: a read-only one serves pages but loses every request.

    The probe is an UPDATE that matches no row, rolled back: SQLite (a read-only file or mount)
    and PostgreSQL (a read-only transaction, a standby) refuse it before looking at any row.
    """
    try:
        db.session.execute(update(Counter).where(false()).values(value=Counter.value))
        db.session.rollback()
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", db="error"), 503
    return jsonify(status="ok", db="ok")


# A 503 comes from a database that is locked or away; clients and monitors may try again then.
RETRY_AFTER_SECONDS = 60


def render_error(code: int, description: str | None = None, template: str = "site/error.html"):
    """The Dutch (or English) error page for `code`; the embed passes its frameless template."""
    title, default = ERRORS.get(code, ERRORS[500])
    page = render_template(template, code=code, title=title, description=description or default)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if code == 503 else {}
    return page, code, headers


def _handle_http_error(error: HTTPException):
    return render_error(error.code or 500)


def _handle_database_error(_error: SQLAlchemyError):
    db.session.rollback()
    return render_error(503)


# The policy every page gets; no inline script or style anywhere (Flask's "Security Headers",
# pallets/flask:docs/web-security.rst; docs/staff-and-privacy.md). A response that brings its
# own policy (the embed's frame-ancestors) keeps each directive it set and gains the others.
CSP = {
    "default-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=()"
)
HSTS = "max-age=31536000"  # a year; no includeSubDomains: the practice's other hosts are not ours
# Pages whose URL carries a token: kept out of Referer headers and shared caches.
PRIVATE_PATHS = ("/download/", "/bevestig/", "/afmelden/", "/ebook/bedankt", "/embed/ebook/bedankt")


@lru_cache(maxsize=32)
def merge_csp(own: str | None) -> str:
    """Return our policy with every directive `own` sets taking the place of ours."""
    directives = dict(CSP)
    for part in (own or "").split(";"):
        name, _, value = part.strip().partition(" ")
        if name:
            directives[name.lower()] = value.strip()
    return "; ".join(f"{name} {value}".rstrip() for name, value in directives.items())


# What an answer without a policy of its own gets, built once: nearly every answer. Added in one
# go rather than set one by one (each set scans the headers for the name and replaces it); none
# of these names is set by a view that sends no policy of its own.
PLAIN_ANSWER_HEADERS = (
    ("Content-Security-Policy", merge_csp(None)),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Permissions-Policy", PERMISSIONS_POLICY),
)


def _security_headers(response: Response) -> Response:
    headers = response.headers
    # The names present, read in one pass: Werkzeug's `get` and `in` raise and catch an
    # exception for a name that is absent, as both of ours are on nearly every answer.
    present = {name.lower() for name, _value in headers}
    own = headers["Content-Security-Policy"] if "content-security-policy" in present else None
    if own is None:
        headers.extend(PLAIN_ANSWER_HEADERS)
    else:
        headers["Content-Security-Policy"] = merge_csp(own)
        if "frame-ancestors" not in own:
            # Only /embed/* may be framed, and it says so itself; the rest refuses framing.
            headers["X-Frame-Options"] = "DENY"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Permissions-Policy"] = PERMISSIONS_POLICY
    if request.path.startswith(PRIVATE_PATHS):
        headers["Referrer-Policy"] = "no-referrer"
        headers.setdefault("Cache-Control", "private, no-store")
    elif "referrer-policy" not in present:
        headers.add("Referrer-Policy", "strict-origin-when-cross-origin")
    if request.is_secure:
        headers.add("Strict-Transport-Security", HSTS)
    return response


def _route_for_logs(response: Response) -> Response:
    """Name the matched route for the access log (deploy/gunicorn.conf.py): paths carry tokens."""
    if request.url_rule is not None:
        route = request.url_rule.rule
    else:  # unknown path or method: the first segment is enough to see what was asked
        head, more, _ = request.path[1:].partition("/")
        route = f"/{head[:60]}{'/...' if more else ''}"
    request.environ["leadgen.route"] = route  # gunicorn's log reads it from here
    response.headers.add("X-Leadgen-Route", route)  # nginx's log from here, and hides it
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    for code in ERRORS:
        if code != 500:
            app.register_error_handler(code, _handle_http_error)
    app.register_error_handler(SQLAlchemyError, _handle_database_error)
    app.register_error_handler(500, _handle_http_error)
    app.after_request(_security_headers)
    app.after_request(_route_for_logs)
