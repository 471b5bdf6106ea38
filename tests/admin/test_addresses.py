"""Staff find and erase a person by any spelling of their address."""

from __future__ import annotations

import pytest

from leadgen.extensions import db
from leadgen.models import Lead, OutboxMail
from tests.admin.test_leads_list import names
from tests.factories import plain_mail
from tests.test_addresses import wide


@pytest.mark.parametrize(
    ("stored", "written"),
    [
        ("victim@gmail.com", "VICTIM@ｇmail.com"),
        ("victim@gmail.com", wide("victim@gmail.com")),
        ("piet@bücher.de", "piet@xn--bcher-kva.de"),
        ("piet@bücher.de", "Piet@BÜCHER.de"),
        ("jöhn@example.nl", "JÖHN@example.nl"),  # stored before such addresses were refused
    ],
)
def test_erase_finds_the_person_by_any_spelling(app, runner, create_lead, read, stored, written):
    create_lead(email=stored, kind="ebook")
    create_lead(email=stored, kind="pijncheck")
    other = create_lead(email="bert@example.nl")
    with app.app_context():
        db.session.add(plain_mail(1, to_addr=stored))
        db.session.commit()
    result = runner.invoke(args=["leads", "erase", written, "--yes"])
    assert result.exit_code == 0, result.output
    assert "Gewist: 2" in result.output
    assert [lead.id for lead in read(Lead)] == [other.id]
    assert read(OutboxMail) == []


@pytest.mark.parametrize("written", ["PIET@xn--bcher-kva.de", "piet@ｂücher.de", "bücher"])
def test_search_finds_an_address_by_any_spelling(staff_client, create_lead, written):
    create_lead(name="Piet Bücher", email="piet@bücher.de")
    create_lead(name="Anna Ander", email="anna@example.nl")
    assert names(staff_client.get("/admin/leads", query_string={"q": written})) == ["Piet Bücher"]
