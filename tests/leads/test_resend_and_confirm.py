"""Lost links (/ebook/opnieuw) and newsletter double opt-in (/bevestig/<token>)."""

from __future__ import annotations

import re

from leadgen.extensions import db
from leadgen.models import Consent, OutboxMail
from tests.conftest import form_token, statements_sent
from tests.factories import said


def _resend(client, email: str, **extra):
    data = {"email": email, "form_token": form_token(client, "/ebook/opnieuw")} | extra
    return client.post("/ebook/opnieuw", data=data)


def _mails(app) -> list[OutboxMail]:
    with app.app_context():
        return db.session.execute(db.select(OutboxMail).order_by(OutboxMail.id)).scalars().all()


def test_known_address_gets_a_fresh_link(submit, client, app):
    submit()
    response = _resend(client, "Anna@Example.nl")
    assert response.status_code == 200
    assert "Als dit e-mailadres bij ons bekend is" in response.get_data(as_text=True)
    mails = _mails(app)
    assert len(mails) == 2
    assert "/download/" in said(app, mails[-1]).text


def test_unknown_address_gets_the_same_answer_and_no_mail(client, app):
    response = _resend(client, "onbekend@example.nl")
    assert response.status_code == 200
    assert "Als dit e-mailadres bij ons bekend is" in response.get_data(as_text=True)
    assert _mails(app) == []


def test_invalid_address_gets_422(client):
    response = _resend(client, "geen-adres")
    assert response.status_code == 422
    assert "geen geldig e-mailadres" in response.get_data(as_text=True)


def test_resend_without_token_is_refused(client, submit, app):
    submit()
    response = client.post("/ebook/opnieuw", data={"email": "anna@example.nl"})
    assert response.status_code == 400
    assert len(_mails(app)) == 1


def test_resend_is_rate_limited_per_address(make_app, submit):
    app = make_app(LEADGEN_RATE_LIMIT_EMAIL="2 per hour")
    client = app.test_client()
    statuses = [_resend(client, "anna@example.nl").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def _confirm_path(app) -> str:
    [mail] = _mails(app)
    return re.search(r"(/bevestig/\S+)", said(app, mail).text).group(1)


def _newsletter(app) -> Consent:
    with app.app_context():
        return db.session.execute(db.select(Consent).filter_by(purpose="newsletter")).scalar_one()


def test_confirm_link_shows_a_button_and_a_get_confirms_nothing(submit, client, app):
    submit(newsletter="y")
    path = _confirm_path(app)
    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'<form method="post" action="{path}">' in html
    assert "Je aanmelding is bevestigd" not in html
    client.get(path)  # a mail scanner following the link, twice
    assert _newsletter(app).confirmed_at is None


def test_confirm_button_records_the_time_and_repeats_are_harmless(submit, client, app):
    submit(newsletter="y")
    path = _confirm_path(app)
    first = client.post(path)
    assert first.status_code == 200
    assert "Je aanmelding is bevestigd" in first.get_data(as_text=True)
    confirmed_at = _newsletter(app).confirmed_at
    assert confirmed_at is not None
    assert client.post(path).status_code == 200
    assert _newsletter(app).confirmed_at == confirmed_at
    assert "Je aanmelding is bevestigd" in client.get(path).get_data(as_text=True)


def test_confirm_link_after_a_withdrawal_says_so_and_confirms_nothing(submit, client, app):
    submit(newsletter="y")
    path = _confirm_path(app)
    client.post(_unsubscribe_path(app))
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "Je bent afgemeld voor de nieuwsbrief" in page
        assert "bevestigd" not in page
        assert "<form" not in page
    assert _newsletter(app).confirmed_at is None


def test_forged_confirm_link_gets_404(client):
    for response in (client.get("/bevestig/WzEsMV0.forged.sig"), client.post("/bevestig/x.y.z")):
        assert response.status_code == 404
        assert "kennen we niet" in response.get_data(as_text=True)


def test_download_token_is_no_confirm_token(submit, client):
    location = submit(newsletter="y").headers["Location"]
    token = location.split("t=", 1)[1]
    assert client.get(f"/bevestig/{token}").status_code == 404


def _unsubscribe_path(app) -> str:
    from leadgen import tokens
    from leadgen.models import Lead

    with app.app_context():
        lead = db.session.execute(db.select(Lead)).scalar_one()
        return "/afmelden/" + tokens.unsubscribe_token(lead.id, lead.secret)


def test_unsubscribe_asks_first_then_withdraws_the_newsletter_consent(submit, client, app):
    submit(newsletter="y")
    client.post(_confirm_path(app))
    path = _unsubscribe_path(app)
    page = client.get(path)
    assert page.status_code == 200
    assert 'method="post"' in page.get_data(as_text=True)
    with app.app_context():
        consent = db.session.execute(
            db.select(Consent).filter_by(purpose="newsletter")
        ).scalar_one()
        assert consent.withdrawn_at is None  # a link scanner's GET changes nothing
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert "Je bent afgemeld" in done.get_data(as_text=True)
    with app.app_context():
        consents = db.session.execute(db.select(Consent).order_by(Consent.id)).scalars().all()
    by_purpose = {c.purpose: c for c in consents}
    assert by_purpose["newsletter"].withdrawn_at is not None
    assert by_purpose["privacy"].withdrawn_at is None  # only the newsletter is withdrawn
    assert client.post(path).status_code == 200  # a repeat is harmless


def test_forged_unsubscribe_link_gets_404_and_changes_nothing(client):
    assert client.get("/afmelden/WzEsMF0.forged.sig").status_code == 404
    response = client.post("/afmelden/WzEsMF0.forged.sig")
    assert response.status_code == 404
    assert "afmeldlink kennen we niet" in response.get_data(as_text=True)


def test_ebook_mail_offers_one_click_unsubscribe(submit, app):
    from leadgen.mail.messages import build_message
    from leadgen.models import OutboxMail

    submit(newsletter="y")
    with app.app_context():
        mail = db.session.execute(db.select(OutboxMail)).scalar_one()
        message = build_message(mail, app.config)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = message["List-Unsubscribe"].split(",")[0].strip("<> ")
    assert link.startswith("http://localhost/afmelden/")


def test_unsubscribe_page_keeps_its_token_out_of_referers_and_caches(submit, client, app):
    submit(newsletter="y")
    response = client.get(_unsubscribe_path(app))
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "private, no-store"


def _statements_of_resend(app, client, email: str) -> list[str]:
    """The SQL one POST to /ebook/opnieuw sends to the database, in order."""
    token = form_token(client, "/ebook/opnieuw")
    answers = []
    seen = statements_sent(
        app,
        lambda: answers.append(
            client.post("/ebook/opnieuw", data={"email": email, "form_token": token})
        ),
    )
    (response,) = answers
    assert response.status_code == 200
    return seen


def test_known_and_unknown_addresses_cost_the_same_database_work(submit, client, app):
    submit()
    known = _statements_of_resend(app, client, "anna@example.nl")
    unknown = _statements_of_resend(app, client, "onbekend@example.nl")
    assert any(statement.startswith("INSERT INTO outbox_mail") for statement in known)
    assert unknown == known
    mails = _mails(app)
    assert [mail.to_addr for mail in mails] == ["anna@example.nl", "anna@example.nl"]
