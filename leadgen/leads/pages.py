"""A blank form page, rendered once per shape and filled in per request.

A GET of a form page is most of the site's traffic (every blog reader who scrolls to the embed),
and rendering it (Jinja, WTForms widgets, a dozen translations) costs about two thirds of the
request. What differs between two blank pages of the same form, layout and language is small and
sits in known places: the signed form token, the values of the tracking fields that are present,
and the language switch's link. So the page is rendered once per *shape* with a random mark in
each of those places, and each request replaces the marks with its own values, HTML-escaped as
Jinja would have escaped them. tests/leads/test_pages.py holds a filled shape equal to a fresh
render for any query string.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, g, render_template, request
from markupsafe import escape
from werkzeug.local import LocalProxy

from leadgen import i18n, tokens
from leadgen.leads.forms import AdviesForm, PublicForm
from leadgen.vocab import TRACKING_PARAMS

# Every shape has a handful of fields present; 4 form endpoints x 2 languages x a few present
# tracking fields stays far below this. It only bounds what a crawler trying every subset costs.
MAX_SHAPES = 512

TOKEN = "form_token"  # noqa: S105 -- the field's name, not a secret
SWITCH = "lang_switch:"


@dataclass(frozen=True)
class Shape:
    """A rendered page with marks; `fill` puts one request's values in their place."""

    text: str
    marks: dict[str, str]  # mark -> the name of the value it stands for
    pattern: re.Pattern[str]

    def fill(self, values: dict[str, str]) -> str:
        # One pass, so a value that happens to contain a mark is never read again.
        return self.pattern.sub(lambda found: escape(values[self.marks[found[0]]]), self.text)


# What Flask puts in every template context by itself; the rest comes from context processors.
FLASK_CONTEXT = {"request", "session", "g", "config"}
PLAIN = (str, int, float, tuple, frozenset, dict, type(None))


def render_blank(form: PublicForm, form_name: str, layout: str) -> str:
    """The form page for a GET: no errors, no notice, a new token."""
    present = tuple(key for key in TRACKING_PARAMS if form[key].data)
    kind = form.kind.data if isinstance(form, AdviesForm) else None
    key = (request.endpoint, g.get("lang_in_url"), present, kind, layout, _context_values())
    shapes = current_app.extensions.setdefault("leadgen.form_pages", {})
    shape = shapes.get(key)
    if shape is None:
        if len(shapes) >= MAX_SHAPES:
            shapes.clear()
        shape = shapes[key] = _render_shape(form, form_name, layout, present)
    values = {key: form[key].data for key in present}
    values[TOKEN] = tokens.issue_form_token(form_name)
    values |= {SWITCH + code: i18n.switch_url(code) for code in i18n.NAMES}
    return shape.fill(values)


def _context_values() -> tuple:
    """The context processors' plain values for this request (the language, the embed's parent).

    They are part of a shape's key, so a feature that adds one to every template is covered
    without this module knowing it. Functions (the language switch) and objects (Flask-Login's
    `current_user`, which only the staff pages read) are left out.
    """
    context: dict = {}
    current_app.update_template_context(context)
    return tuple(
        sorted(
            (name, repr(value))
            for name, value in context.items()
            # A proxy first: `isinstance` would make it load what it stands for (the user,
            # reading the session).
            if name not in FLASK_CONTEXT
            and not isinstance(value, LocalProxy)
            and isinstance(value, PLAIN)
        )
    )


def _render_shape(form: PublicForm, form_name: str, layout: str, present: tuple) -> Shape:
    marks: dict[str, str] = {}

    def mark(name: str) -> str:
        value = f"m{secrets.token_hex(12)}"
        marks[value] = name
        return value

    kept = {key: form[key].data for key in (*present, TOKEN)}
    for key in kept:
        form[key].data = mark(key)
    switch: Callable[[str], str] = lambda code: mark(SWITCH + code)  # noqa: E731
    try:
        text = render_template(
            f"leads/{form_name}.html", form=form, notice="", layout=layout, lang_switch_url=switch
        )
    finally:
        for key, value in kept.items():
            form[key].data = value
    pattern = re.compile("|".join(map(re.escape, marks)))
    return Shape(text, marks, pattern)
