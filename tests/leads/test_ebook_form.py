"""The e-book form: every outcome a visitor can meet, and the bad inputs we could think of."""

from __future__ import annotations

import pytest

from leadgen.extensions import db
from leadgen.models import Consent, Counter, OutboxMail
from tests.conftest import ADVIES_FIELDS, EBOOK_FIELDS, form_token
from tests.factories import said


def test_form_has_the_fixed_field_names(client):
    page = client.get("/ebook").get_data(as_text=True)
    for name in ("name", "email", "privacy", "newsletter", "website", "form_token"):
        assert f'name="{name}"' in page
    assert 'name="newsletter" type="checkbox" value="y">' in page  # unticked by default


def test_valid_request_stores_lead_and_redirects_to_download(submit, client, leads):
    response = submit()
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/ebook/bedankt?t=")
    [lead] = leads()
    assert (lead.kind, lead.name, lead.email) == ("ebook", "Anna de Vries", "anna@example.nl")
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'href="/download/' in thanks
    assert "ook naar je e-mailadres gestuurd" in thanks


def test_valid_request_queues_the_link_mail_in_the_same_transaction(submit, app):
    submit(newsletter="y")
    with app.app_context():
        [mail] = db.session.execute(db.select(OutboxMail)).scalars()
        assert mail.to_addr == "anna@example.nl"
        assert mail.status == "pending"
        assert "/download/" in said(app, mail).text
        assert "/bevestig/" in said(app, mail).text


def test_consent_is_recorded_as_evidence(submit, app):
    submit(newsletter="y", headers={"Origin": "http://localhost"})
    with app.app_context():
        consents = {c.purpose: c for c in db.session.execute(db.select(Consent)).scalars()}
    assert set(consents) == {"privacy", "newsletter"}
    privacy = consents["privacy"]
    assert privacy.text.startswith("Ik ga akkoord met de privacyverklaring")
    assert len(privacy.text_version) == 16
    assert privacy.origin == "http://localhost"
    assert privacy.form == "ebook"
    assert privacy.granted_at is not None and privacy.granted_at.tzinfo is not None
    assert consents["newsletter"].confirmed_at is None  # double opt-in still to come


def test_newsletter_is_not_required_for_the_ebook(submit, app):
    assert submit(newsletter=None).status_code == 303
    with app.app_context():
        purposes = [c.purpose for c in db.session.execute(db.select(Consent)).scalars()]
    assert purposes == ["privacy"]


def test_repeat_request_is_recorded_on_the_same_lead(submit, leads, app):
    submit()
    submit(name="Anna Jansen", email="ANNA@example.nl")
    [lead] = leads()
    assert lead.request_count == 2
    assert lead.name == "Anna Jansen"
    with app.app_context():
        assert db.session.query(OutboxMail).count() == 2  # a fresh link each time
        assert db.session.query(Consent).count() == 1  # the same consent text, once


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": ""}, "name", "Vul je naam in."),
        ({"name": None}, "name", "Vul je naam in."),
        ({"email": ""}, "email", "Vul je e-mailadres in."),
        ({"email": "anna@"}, "email", "geen geldig e-mailadres"),
        ({"email": "anna@example.nl\r\nBcc: x@y.nl"}, "email", "geen geldig e-mailadres"),
        ({"privacy": None}, "privacy", "privacyverklaring"),
        ({"name": "Anna\r\nBcc: evil@example.com"}, "name", "alleen letters"),
        ({"name": "A" * 5000}, "name", "hoogstens 100 tekens"),
        ({"name": "<script>alert(1)</script>"}, "name", "alleen letters"),
        ({"name": '=HYPERLINK("http://x")'}, "name", "alleen letters"),
        ({"name": "Anna\x00"}, "name", "alleen letters"),
        ({"name": "12345"}, "name", "alleen letters"),
    ],
)
def test_invalid_input_gets_dutch_errors_and_stores_nothing(submit, leads, fields, field, message):
    response = submit(**fields)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert f'id="{field}-error"' in page
    assert leads() == []


def test_invalid_input_is_kept(submit):
    page = submit(email="anna@").get_data(as_text=True)
    assert 'value="Anna de Vries"' in page
    assert 'value="anna@"' in page


def test_html_in_a_name_is_never_rendered(submit):
    page = submit(name='<b onmouseover="x">Anna</b>').get_data(as_text=True)
    assert "<b onmouseover" not in page
    assert "&lt;b onmouseover=" in page


@pytest.mark.parametrize(
    "name", ["José Álvarez", "Zoë van ’t Hek", "Anne-Marie O'Brien", "محمد", "Dr. Jansen"]
)
def test_real_names_are_accepted(submit, leads, name):
    assert submit(name=name).status_code == 303
    assert leads()[0].name == name


def test_invalid_utf8_is_refused(client, leads):
    token = form_token(client, "/ebook")
    body = b"name=Ann%FF%FEa&email=anna%40example.nl&privacy=y&form_token=" + token.encode()
    response = client.post("/ebook", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 422
    assert leads() == []


def test_json_body_is_refused(client, leads):
    response = client.post("/ebook", json=EBOOK_FIELDS)
    assert response.status_code in (400, 422)
    assert leads() == []


def test_oversize_body_gets_413(client, leads):
    token = form_token(client, "/ebook")
    response = client.post(
        "/ebook", data=EBOOK_FIELDS | {"form_token": token, "name": "A" * 70_000}
    )
    assert response.status_code == 413
    assert "Te veel gegevens" in response.get_data(as_text=True)
    assert leads() == []


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_wrong_method_gets_405(client, method):
    response = getattr(client, method)("/ebook")
    assert response.status_code == 405
    assert "Methode niet toegestaan" in response.get_data(as_text=True)


def test_missing_token_is_refused(client, leads):
    response = client.post("/ebook", data=EBOOK_FIELDS)
    assert response.status_code == 400
    assert "kon niet worden gecontroleerd" in response.get_data(as_text=True)
    assert leads() == []


def test_forged_token_is_refused(client, leads):
    response = client.post("/ebook", data=EBOOK_FIELDS | {"form_token": "eyJmIjoiZWJvb2sifQ.x.y"})
    assert response.status_code == 400
    assert leads() == []


def test_token_of_another_form_is_refused(client, leads):
    token = form_token(client, "/advies")
    assert client.post("/ebook", data=EBOOK_FIELDS | {"form_token": token}).status_code == 400
    assert leads() == []


def test_expired_token_asks_to_send_again(make_app, leads):
    app = make_app(LEADGEN_FORM_MAX_AGE_SECONDS=60)
    client = app.test_client()
    token = form_token(client, "/ebook")
    import itsdangerous

    real = itsdangerous.TimestampSigner.get_timestamp
    try:
        itsdangerous.TimestampSigner.get_timestamp = lambda self: real(self) + 3600
        response = client.post("/ebook", data=EBOOK_FIELDS | {"form_token": token})
    finally:
        itsdangerous.TimestampSigner.get_timestamp = real
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "te lang open" in page
    assert 'value="Anna de Vries"' in page


def test_honeypot_looks_like_success_and_stores_nothing_but_a_count(submit, leads, app):
    response = submit(website="http://spam.example")
    assert response.status_code == 303
    assert leads() == []
    with app.app_context():
        [counter] = db.session.execute(db.select(Counter)).scalars()
        assert (counter.name, counter.value) == ("honeypot", 1)
        assert db.session.query(OutboxMail).count() == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
    ],
)
def test_cross_site_post_is_refused(submit, leads, headers):
    response = submit(headers=headers)
    assert response.status_code == 403
    assert "Geen toegang" in response.get_data(as_text=True)
    assert leads() == []


def test_allowed_embed_origin_may_post(make_app):
    app = make_app(LEADGEN_EMBED_ORIGINS=["https://blog.example.nl"])
    client = app.test_client()
    token = form_token(client, "/ebook")
    response = client.post(
        "/ebook",
        data=EBOOK_FIELDS | {"form_token": token},
        headers={"Origin": "https://blog.example.nl", "Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 303


def test_too_many_requests_from_one_address_get_429(make_app):
    app = make_app(LEADGEN_RATE_LIMIT_FORM="3 per minute")
    client = app.test_client()
    statuses = [
        client.post(
            "/ebook",
            data=EBOOK_FIELDS
            | {"email": f"a{i}@example.nl", "form_token": form_token(client, "/ebook")},
        ).status_code
        for i in range(4)
    ]
    assert statuses == [303, 303, 303, 429]
    assert "Even rustig aan" in client.post("/ebook", data=EBOOK_FIELDS).get_data(as_text=True)


def test_too_many_requests_for_one_address_get_429(make_app):
    app = make_app(LEADGEN_RATE_LIMIT_EMAIL="2 per hour")
    client = app.test_client()
    statuses = [
        client.post(
            "/ebook", data=EBOOK_FIELDS | {"form_token": form_token(client, "/ebook")}
        ).status_code
        for _ in range(3)
    ]
    assert statuses == [303, 303, 429]


def test_utm_parameters_on_the_page_are_carried_into_the_lead(client, leads):
    page = client.get(
        "/ebook?utm_source=blog&utm_campaign=rugpijn&source=https://blog.example.nl/gluteus"
    ).get_data(as_text=True)
    assert 'name="utm_source" type="hidden" value="blog"' in page
    token = form_token(client, "/ebook")
    client.post(
        "/ebook",
        data=EBOOK_FIELDS
        | {
            "form_token": token,
            "utm_source": "blog",
            "utm_campaign": "rugpijn",
            "source": "https://blog.example.nl/gluteus",
        },
    )
    [lead] = leads()
    assert (lead.utm_source, lead.utm_campaign, lead.source) == (
        "blog",
        "rugpijn",
        "https://blog.example.nl/gluteus",
    )


def test_bad_tracking_values_are_dropped_not_stored(submit, leads):
    assert submit(source="javascript:alert(1)", utm_source="x" * 500).status_code == 303
    [lead] = leads()
    assert lead.source is None
    assert lead.utm_source is None


def test_hosted_and_embedded_forms_share_one_allowance(make_app):
    app = make_app(LEADGEN_RATE_LIMIT_FORM="2 per minute")
    client = app.test_client()
    statuses = [
        client.post(
            path,
            data=EBOOK_FIELDS
            | {"email": f"b{i}@example.nl", "form_token": form_token(client, path)},
        ).status_code
        for i, path in enumerate(["/ebook", "/embed/ebook", "/ebook"])
    ]
    assert statuses == [303, 303, 429]


def test_an_oversize_body_leaves_the_rate_limit_storage_in_use(client):
    from leadgen.extensions import limiter

    token = form_token(client, "/ebook")
    response = client.post(
        "/ebook", data=EBOOK_FIELDS | {"form_token": token, "name": "A" * 70_000}
    )
    assert response.status_code == 413
    assert limiter._storage_dead is False  # no silent switch to per-process memory


TRACKED = {"utm_source": "blog", "utm_campaign": "rugpijn", "source": "https://blog.example.nl/g"}


@pytest.mark.parametrize(
    ("path", "fields"),
    [("/ebook", EBOOK_FIELDS), ("/advies", ADVIES_FIELDS), ("/embed/advies", ADVIES_FIELDS)],
)
@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"email": "geen-adres"}, 422),  # a mistake: the page again, with the error
        ({"form_token": "vervalst"}, 400),  # a forged token: the page again, nothing checked
    ],
)
def test_a_page_shown_again_sends_the_tracking_values_on(
    client, leads, path, fields, change, status
):
    """A POST is checked without the hidden tracking fields; the page it gets back has them."""
    data = fields | TRACKED | {"form_token": form_token(client, path)} | change
    answer = client.post(path, data=data)
    assert answer.status_code == status
    page = answer.get_data(as_text=True)
    for name, value in TRACKED.items():
        assert f'name="{name}" type="hidden" value="{value}"' in page
    # The mistake is shown at its field; a forged token shows the form without checking it.
    assert ('id="email-error"' in page) == (status == 422)
    assert leads() == []
