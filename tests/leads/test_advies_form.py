"""The advice-call and pain-check form."""

from __future__ import annotations

import pytest

from leadgen.extensions import db
from leadgen.models import Consent, OutboxMail
from tests.factories import said


def test_form_has_the_fixed_field_names(client):
    page = client.get("/advies").get_data(as_text=True)
    for name in ("name", "email", "phone", "kind", "complaint", "health_consent", "privacy"):
        assert f'name="{name}"' in page


def test_kind_from_the_link_is_preselected(client):
    page = client.get("/advies?kind=pijncheck").get_data(as_text=True)
    assert '<input checked class="check-input" id="kind-1" name="kind"' in page


@pytest.mark.parametrize("kind", ["adviesgesprek", "pijncheck"])
def test_valid_request_is_stored_with_e164_phone(submit, leads, kind):
    response = submit("/advies", kind=kind, phone="06-12 34 56 78")
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/advies/bedankt?t={kind}&afspraak=")
    [lead] = leads()
    assert (lead.kind, lead.phone) == (kind, "+31612345678")


def test_thank_you_page_says_what_happens_next(submit, client):
    response = submit("/advies", kind="pijncheck")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "binnen twee werkdagen" in page
    assert "pijncheck" in page


def test_request_queues_confirmation_and_staff_notification(submit, app):
    submit("/advies", complaint="Pijn onderin mijn rug", health_consent="y")
    with app.app_context():
        mails = db.session.execute(db.select(OutboxMail).order_by(OutboxMail.id)).scalars().all()
    assert [m.template for m in mails] == ["request_confirmation", "staff_notification"]
    staff = mails[1]
    assert "/admin/leads/" in said(app, staff).text
    for mail in mails:
        assert "Pijn onderin" not in said(app, mail).text + said(app, mail).html


def test_complaint_needs_its_own_consent(submit, leads):
    response = submit("/advies", complaint="Pijn onderin mijn rug")
    assert response.status_code == 422
    assert "toestemming" in response.get_data(as_text=True)
    assert leads() == []


def test_complaint_with_consent_is_stored_with_evidence(submit, leads, app):
    assert submit("/advies", complaint="Pijn in mijn rug", health_consent="y").status_code == 303
    assert leads()[0].complaint == "Pijn in mijn rug"
    with app.app_context():
        purposes = sorted(c.purpose for c in db.session.execute(db.select(Consent)).scalars())
    assert purposes == ["health_data", "privacy"]


def test_health_consent_without_complaint_records_nothing_extra(submit, app):
    submit("/advies", health_consent="y")
    with app.app_context():
        purposes = [c.purpose for c in db.session.execute(db.select(Consent)).scalars()]
    assert purposes == ["privacy"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"phone": ""}, "Vul je telefoonnummer in"),
        ({"phone": "12"}, "geen geldig telefoonnummer"),
        ({"phone": "=HYPERLINK(1)"}, "geen geldig telefoonnummer"),
        ({"kind": "massage"}, "Ongeldige keuze"),
        ({"kind": None}, "Kies een adviesgesprek of een pijncheck"),
        ({"complaint": "x" * 2001, "health_consent": "y"}, "hoogstens 2000 tekens"),
        ({"complaint": "pijn\x00", "health_consent": "y"}, "tekens die we niet kunnen opslaan"),
        ({"preferred_moment": "nacht"}, "Ongeldige keuze"),
    ],
)
def test_invalid_input_gets_422_and_stores_nothing(submit, leads, fields, message):
    response = submit("/advies", **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert leads() == []


def test_white_space_around_a_phone_number_is_trimmed(submit, leads):
    assert submit("/advies", phone=" 06 1234 5678\r\n").status_code == 303
    assert leads()[0].phone == "+31612345678"
