"""Addresses at the public forms: one stored form for all ways of writing one, limits included."""

from __future__ import annotations

import pytest

from leadgen.extensions import db
from leadgen.models import OutboxMail
from tests.conftest import EBOOK_FIELDS, form_token
from tests.test_addresses import wide


def outbox_addresses(app) -> list[str]:
    with app.app_context():
        return list(db.session.execute(db.select(OutboxMail.to_addr)).scalars())


@pytest.mark.parametrize("written", ["piet@bücher.de", "PIET@xn--bcher-kva.de"])
def test_an_idn_domain_is_accepted_and_stored_readable(submit, leads, written):
    assert submit(email=written).status_code == 303
    assert [lead.email for lead in leads()] == ["piet@bücher.de"]


@pytest.mark.parametrize("written", ["jöhn@example.nl", "ｊöhn@bücher.de"])
def test_a_local_part_we_cannot_mail_is_refused_at_the_form(submit, leads, app, written):
    response = submit(email=written)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "vóór de @ kunnen we nog niet mailen" in page
    assert 'id="email-error"' in page
    assert leads() == []
    assert outbox_addresses(app) == []


def test_the_refusal_reads_in_english_on_the_english_form(submit):
    page = submit("/ebook?lang=en", email="jöhn@example.nl").get_data(as_text=True)
    assert "before the @" in page


def test_variants_of_one_address_are_one_lead(submit, leads):
    for written in ("victim@gmail.com", "VICTIM@ｇmail.com", wide("victim@gmail.com")):
        assert submit(email=written).status_code == 303
    [lead] = leads()
    assert (lead.email, lead.request_count) == ("victim@gmail.com", 3)


def variants(address: str, count: int) -> list[str]:
    """`count` different spellings of `address`: one or two characters made full-width."""
    spots = [i for i, ch in enumerate(address) if ch != "@"]
    spellings = [address[:i] + wide(address[i]) + address[i + 1 :] for i in spots]
    spellings += [s[:j] + wide(s[j]) + s[j + 1 :] for s in spellings for j in spots]
    return list(dict.fromkeys(spellings))[:count]


@pytest.mark.parametrize("path", ["/ebook", "/ebook/opnieuw"])
def test_the_per_address_limit_holds_for_every_spelling(make_app, path):
    app = make_app(LEADGEN_RATE_LIMIT_EMAIL="5 per hour")
    client = app.test_client()
    first = EBOOK_FIELDS | {"email": "victim@gmail.com", "form_token": form_token(client, "/ebook")}
    assert client.post("/ebook", data=first).status_code == 303
    statuses = []
    for written in variants("victim@gmail.com", 12):
        data = EBOOK_FIELDS | {"email": written, "form_token": form_token(client, path)}
        statuses.append(client.post(path, data=data).status_code)
    assert statuses.count(429) == 12 - 4, statuses  # the first request used one of five
    assert len(outbox_addresses(app)) == 5
    assert set(outbox_addresses(app)) <= {"victim@gmail.com"}
