"""A request's mail rows filled from a cached look are the rows a fresh draft gives, for anyone;
the bodies, rendered when the mail is sent, are a fresh render of the stored lead."""

from __future__ import annotations

from flask import template_rendered
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadgen.leads import drafts, mails
from leadgen.models import Lead

# What a name or phone may hold after the form's checks, and what it must never break if it did.
NAMES = st.one_of(
    st.sampled_from(["Anna", "Anna de Vries", "Zoë", "D’Angelo", "O'Brien", "Jan-Piet", ""]),
    st.text(alphabet=st.sampled_from("aéZ <>&\"'’.-0\u200c"), max_size=30),
)
PHONES = st.sampled_from(
    [None, "0612345678", "+31612345678", "+32 470 12 34 56", "020-1234567 toestel 12", "12<&>"]
)
VALUES = {
    "download": "dl.token-A_b",
    "confirm": "cf.token-C_d",
    "unsubscribe": "un.token-E_f",
    "appointment": "ap.token-G_h",
}


def fresh_rows(shape: drafts.Shape, lang: str, lead_id: int) -> list[dict]:
    """The rows a direct render for the stored lead gives: what the looks must equal."""
    lead = Lead(
        id=lead_id,
        kind=shape.kind,
        name=shape.name,
        email=shape.email,
        phone=shape.phone,
        preferred_moment=shape.moment,
    )
    confirm = VALUES["confirm"] if shape.confirm else None
    if shape.kind == "ebook":
        rendered = [
            mails.draft_ebook_link(lead, lang, VALUES["download"], confirm, VALUES["unsubscribe"])
        ]
    else:
        rendered = [
            mails.draft_request_confirmation(lead, lang, VALUES["appointment"]),
            mails.draft_staff_notification(lead),
        ]
    return [
        mails.stored(draft, shape.confirm and draft.template == "ebook_link").row(lead_id)
        for draft in rendered
    ]


def without_ids(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "message_id"} for row in rows]


def test_a_filled_look_equals_a_fresh_render(make_app):
    app = make_app(LEADGEN_STAFF_EMAIL="praktijk@example.nl")

    @settings(
        max_examples=200,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        st.sampled_from(["ebook", "adviesgesprek", "pijncheck"]),
        NAMES,
        st.sampled_from(["anna@example.nl", "o'brien@example.nl", "praktijk@example.nl"]),
        PHONES,
        st.sampled_from([None, "ochtend", "middag", "avond"]),
        st.booleans(),
        st.sampled_from(["nl", "en"]),
        st.sampled_from(["/ebook", "/embed/advies?parent=https://blog.example.nl"]),
        st.integers(min_value=1, max_value=10**9),
    )
    def compare(kind, name, email, phone, moment, confirm, lang, path, lead_id):
        shape = drafts.Shape(kind, name, email, phone, moment, confirm and kind == "ebook")
        with app.test_request_context(path):
            app.preprocess_request()
            filled = drafts.draft(shape, lang).rows(lead_id)
            fresh = fresh_rows(shape, lang, lead_id)
        assert without_ids(filled) == without_ids(fresh)
        assert len({row["message_id"] for row in filled}) == len(filled)

    compare()
    looks = app.extensions["leadgen.mail_looks"]
    assert 1 < len(looks) <= drafts.MAX_LOOKS  # looks were used, and are bounded


def test_a_second_request_of_a_look_renders_no_template(app):
    rendered: list[str] = []

    def record(_app, template, context) -> None:
        rendered.append(template.name)

    template_rendered.connect(record, app)
    try:
        with app.test_request_context("/advies"):
            first = drafts.Shape("pijncheck", "Anna", "anna@example.nl", "0612345678", None, False)
            drafts.draft(first, "nl").rows(7)
            assert rendered  # the look was new
            rendered.clear()
            second = drafts.Shape("pijncheck", "Bert", "bert@example.nl", "0687654321", None, False)
            rows = drafts.draft(second, "nl").rows(8)
            unnumbered = drafts.draft(second, "nl").rows(None)
    finally:
        template_rendered.disconnect(record, app)
    assert rendered == []
    assert rows[0]["to_addr"] == "bert@example.nl"
    assert rows[0]["headers"]["to_name"] == "Bert"
    assert "(#8)" in rows[1]["subject"]
    assert [row["body_text"] for row in rows] == [None, None]  # rendered when sent
    # Without the id (the one statement draws it), the notice's subject is left in pieces.
    before, role, after = unnumbered[1]["subject"]
    assert (role, f"{before}8{after}") == ("id", rows[1]["subject"])
    assert unnumbered[0]["subject"] == rows[0]["subject"]
