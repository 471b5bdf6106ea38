"""Callback numbers: premium-rate numbers refused, an extension kept and shown to staff."""

from __future__ import annotations

import pytest

from leadgen import phone
from leadgen.admin import auth
from leadgen.models import Lead
from tests.factories import PASSWORD, login


@pytest.mark.parametrize("typed", ["06 12345678 toestel 12345678901", "0900 1234567 x1"])
def test_a_number_too_long_or_paid_with_an_extension_is_refused(submit, leads, typed):
    assert submit("/advies", phone=typed).status_code == 422
    assert leads() == []


@pytest.mark.parametrize(
    "number",
    ["0900 1234567", "0906-1234567", "0909 1234567", "+44 909 879 0000", "+1 900 200 0000"],
)
def test_premium_rate_numbers_are_refused_in_dutch(submit, leads, number):
    response = submit("/advies", phone=number)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "betaalnummer" in page
    assert 'id="phone-error"' in page
    assert leads() == []


@pytest.mark.parametrize(
    "typed",
    [
        "06 12345678 toestel 123",
        "06-12345678 tst. 123",
        "06 12345678 ext. 123",
        "06 12345678 x123",
        "+31 6 12345678 #123",
    ],
)
def test_an_extension_is_kept(submit, leads, typed):
    assert submit("/advies", phone=typed).status_code == 303
    assert leads()[0].phone == "+31612345678;ext=123"


def test_staff_see_the_extension(submit, leads, app, client):
    with app.app_context():
        auth.create_staff("lisa@praktijk.nl", PASSWORD)
    submit("/advies", phone="0229 123456 toestel 45")
    login(client, "lisa@praktijk.nl")
    page = client.get(f"/admin/leads/{leads()[0].id}").get_data(as_text=True)
    assert "0229 123 456 toestel 45" in page
    assert 'href="tel:+31229123456;ext=45"' in page


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+31612345678", "06 12345678"),
        ("+31612345678;ext=123", "06 12345678 toestel 123"),
        ("+3222123456;ext=9", "+32 2 212 34 56 toestel 9"),
        ("", ""),
        (None, ""),
    ],
)
def test_stored_numbers_are_shown_as_dialled(app, stored, shown):
    with app.test_request_context():
        assert phone.for_display(stored) == shown


def test_the_longest_stored_form_fits_the_column():
    longest = phone.normalise("+1 201 555 0123 ext. 1234567")
    assert len(longest) <= Lead.phone.type.length == 40
