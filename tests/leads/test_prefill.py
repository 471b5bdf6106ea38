"""The advice form opened from a follow-up mail: name and address filled in by a signed link."""

from __future__ import annotations

import pytest

from leadgen import tokens
from leadgen.admin import service as admin
from leadgen.extensions import db
from leadgen.models import Lead


@pytest.fixture
def anna(app, create_lead) -> Lead:
    return create_lead(name="Anna de Vries", email="anna@example.nl")


def _link(app, lead: Lead, purpose: str = "prefill") -> str:
    with app.app_context():
        return tokens.issue_lead_token(purpose, lead.id, lead.secret)


def test_the_link_fills_in_name_and_address_and_is_not_cached(client, app, anna):
    response = client.get(f"/advies?van={_link(app, anna)}&kind=pijncheck")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Anna de Vries"' in body and 'value="anna@example.nl"' in body
    assert '<input checked class="check-input" id="kind-1" name="kind"' in body
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize(
    "token",
    ["", "rommel", "a" * 300, "%0d%0aSet-Cookie:x=1", "=HYPERLINK(1)"],
    ids=["empty", "garbage", "long", "crlf", "formula"],
)
def test_a_link_that_is_not_ours_leaves_the_form_empty(client, anna, token):
    response = client.get(f"/advies?van={token}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Anna de Vries" not in body and "anna@example.nl" not in body
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_an_expired_or_other_purpose_link_leaves_the_form_empty(client, app, anna, monkeypatch):
    unsubscribe = _link(app, anna, "unsubscribe")
    assert "anna@example.nl" not in client.get(f"/advies?van={unsubscribe}").get_data(as_text=True)
    monkeypatch.setattr(tokens, "PREFILL_MAX_AGE", -1)
    assert "anna@example.nl" not in client.get(f"/advies?van={_link(app, anna)}").get_data(
        as_text=True
    )


def test_the_link_of_an_erased_person_fills_in_nothing(client, app, anna):
    link = _link(app, anna)
    with app.app_context():
        admin.erase_email("anna@example.nl")
    assert "Anna de Vries" not in client.get(f"/advies?van={link}").get_data(as_text=True)


def test_the_e_book_form_ignores_the_link(client, app, anna):
    body = client.get(f"/ebook?van={_link(app, anna)}").get_data(as_text=True)
    assert "anna@example.nl" not in body


def test_sending_the_filled_in_form_makes_a_call_request(client, app, anna, submit):
    response = submit("/advies", name="Anna de Vries", email="anna@example.nl")
    assert response.status_code == 303
    with app.app_context():
        kinds = db.session.execute(
            db.select(Lead.kind).where(Lead.email == "anna@example.nl").order_by(Lead.id)
        ).scalars()
        assert list(kinds) == ["ebook", "adviesgesprek"]
