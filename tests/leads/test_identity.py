"""Links are bound to the person: an erased visitor's old links never act on the next one."""

from __future__ import annotations

import re

import pytest

from leadgen.extensions import db
from leadgen.mail.messages import build_message
from leadgen.models import Consent, Lead, OutboxMail
from tests.factories import said

ANNA = {"name": "Anna de Vries", "email": "anna@example.nl", "privacy": "y", "newsletter": "y"}
BERT = {"name": "Bert Bakker", "email": "bert@example.nl", "privacy": "y", "newsletter": "y"}


def _links(app, submit, fields: dict) -> dict[str, str]:
    """Ask for the e-book and keep every link the visitor is given: page and mail."""
    location = submit(**fields).headers["Location"]
    with app.app_context():
        lead = db.session.execute(db.select(Lead).filter_by(email=fields["email"])).scalar_one()
        mail = (
            db.session.execute(
                db.select(OutboxMail).filter_by(lead_id=lead.id).order_by(OutboxMail.id.desc())
            )
            .scalars()
            .first()
        )
        unsubscribe = build_message(mail, app.config)["List-Unsubscribe"]
    return {
        "download": "/download/" + location.split("t=", 1)[1],
        "confirm": re.search(r"(/bevestig/\S+)", said(app, mail).text).group(1),
        "unsubscribe": re.search(r"http://localhost(/afmelden/[^>]+)>", unsubscribe).group(1),
    }


def _newsletter(app, email: str) -> Consent:
    with app.app_context():
        consent = db.session.execute(
            db.select(Consent)
            .join(Lead)
            .where(Lead.email == email, Consent.purpose == "newsletter")
        ).scalar_one()
        db.session.expunge(consent)
        return consent


def _bert(app) -> Lead:
    with app.app_context():
        lead = db.session.execute(db.select(Lead).filter_by(email=BERT["email"])).scalar_one()
        db.session.expunge(lead)
        return lead


@pytest.fixture
def anna_erased_then_bert(app, client, submit, runner) -> dict[str, str]:
    """Anna keeps her links, is erased, then Bert asks: the setting of issue 11's repro."""
    anna = _links(app, submit, ANNA)
    result = runner.invoke(args=["leads", "erase", ANNA["email"], "--yes"])
    assert result.exit_code == 0, result.output
    _links(app, submit, BERT)
    return anna


def test_an_erased_persons_download_link_is_not_the_next_persons(
    client, app, anna_erased_then_bert
):
    response = client.get(anna_erased_then_bert["download"])
    response.close()
    assert response.status_code in (404, 410)
    assert response.mimetype == "text/html"
    assert _bert(app).download_count == 0


def test_an_erased_persons_confirm_link_does_not_confirm_the_next_person(
    client, app, anna_erased_then_bert
):
    path = anna_erased_then_bert["confirm"]
    assert client.get(path).status_code in (404, 410)
    assert client.post(path).status_code in (404, 410)
    assert _newsletter(app, BERT["email"]).confirmed_at is None


def test_an_erased_persons_unsubscribe_link_does_not_withdraw_the_next_persons_consent(
    client, app, anna_erased_then_bert
):
    path = anna_erased_then_bert["unsubscribe"]
    assert client.get(path).status_code in (404, 410)
    assert client.post(path).status_code in (404, 410)
    assert _newsletter(app, BERT["email"]).withdrawn_at is None


def test_ids_in_links_are_never_handed_out_again(app, submit, runner):
    submit(**ANNA)
    runner.invoke(args=["leads", "erase", ANNA["email"], "--yes"])
    submit(**BERT)
    with app.app_context():
        bert = db.session.execute(db.select(Lead).filter_by(email=BERT["email"])).scalar_one()
        consent_ids = [c.id for c in bert.consents]
    assert bert.id == 2
    assert min(consent_ids) > 2  # Anna had privacy 1 and newsletter 2


def test_every_lead_gets_its_own_random_secret(app, submit):
    submit(**ANNA)
    submit(**BERT)
    with app.app_context():
        secrets = db.session.execute(db.select(Lead.secret)).scalars().all()
    assert len(set(secrets)) == 2
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{32}", secret) for secret in secrets)
