"""The visitor's booking page: pick a free moment, move it or cancel, from a signed link."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, redirect, render_template, request, url_for

from leadgen import i18n, tokens
from leadgen.appointments import service, words
from leadgen.leads import guard
from leadgen.models import utcnow
from leadgen.moments import by_day

bp = Blueprint("appointments", __name__)

LAYOUT = "base.html"


def slot_value(moment: datetime) -> str:
    """A moment as the form's radio value: its start in UTC, ISO 8601 (`2026-12-03T11:00:00Z`)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def handle_booking(token: str, done_endpoint: str, layout: str):
    """Show the free moments (GET) or book, move or cancel (POST), in `layout`.

    No cookie is needed: the signed link says whose booking this is, as at /bevestig.
    """
    try:
        visitor = service.visitor(token)
    except tokens.TokenError as error:
        return _link_problem(410 if error.expired else 404, layout)
    if request.method != "POST":
        return _page(visitor, layout)
    if not guard.origin_allowed():
        abort(403)
    try:
        if request.form.get("cancel") == "1":
            service.cancel(visitor.lead_id, visitor.owner)
        else:
            start = service.parse_slot(request.form.get("slot", ""))
            service.book(visitor.lead_id, visitor.owner, start, utcnow(), i18n.current())
    except service.NotAMoment:
        return _page(visitor, layout, "invalid", 422)
    except service.Taken:
        return _page(visitor, layout, "taken", 409)
    except tokens.TokenError:  # erased between the page and the click
        return _link_problem(404, layout)
    return redirect(url_for(done_endpoint, token=token), code=303)


def _page(visitor: service.Visitor, layout: str, problem: str = "", status: int = 200):
    free = service.free_moments(visitor.kind, visitor.lead_id, utcnow())
    days = [
        (words.day_label(day), [(slot_value(m), words.time_label(m)) for m in group])
        for day, group in by_day(free, service.zone())
    ]
    booked = visitor.booked
    page = render_template(
        "appointments/book.html",
        layout=layout,
        kind=visitor.kind,
        days=days,
        booked=words.moment_label(booked.starts_at) if booked else None,
        booked_value=slot_value(booked.starts_at) if booked else None,
        location=words.location(visitor.kind),
        problem=problem,
    )
    return page, status


def render_done(token: str, book_endpoint: str, layout: str):
    """The page after a booking or cancellation: the day and time that stand, or none."""
    try:
        visitor = service.visitor(token)
    except tokens.TokenError as error:
        return _link_problem(410 if error.expired else 404, layout)
    booked = visitor.booked
    return render_template(
        "appointments/done.html",
        layout=layout,
        kind=visitor.kind,
        booked=words.moment_label(booked.starts_at) if booked else None,
        location=words.location(visitor.kind),
        book_url=url_for(book_endpoint, token=token),
    )


def _link_problem(status: int, layout: str):
    page = render_template("appointments/link_problem.html", status=status, layout=layout)
    return page, status


@bp.route("/afspraak/<token>", methods=["GET", "POST"])
@guard.limit_per_address
def book(token: str):
    return handle_booking(token, "appointments.done", LAYOUT)


@bp.get("/afspraak/<token>/bevestigd")
def done(token: str):
    return render_done(token, "appointments.book", LAYOUT)
