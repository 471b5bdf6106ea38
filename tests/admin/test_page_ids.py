"""Every id on a staff page is unique: several forms on one page each carry a CSRF field."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pytest


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.ids += [value for name, value in attrs if name == "id"]


def duplicate_ids(html: str) -> list[str]:
    parser = _Ids()
    parser.feed(html)
    return sorted(name for name, count in Counter(parser.ids).items() if count > 1)


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/leads",
        "/admin/leads/vandaag",
        "/admin/leads/{lead}",
        "/admin/leads/{lead}/wissen",
        "/admin/audit",
        "/admin/insluiten",
    ],
)
def test_staff_pages_have_no_duplicate_ids(staff_client, create_lead, path):
    lead = create_lead(kind="adviesgesprek", phone="0612345678")
    response = staff_client.get(path.format(lead=lead.id))
    assert response.status_code == 200
    assert duplicate_ids(response.get_data(as_text=True)) == []


def test_the_login_page_has_no_duplicate_ids(client):
    assert duplicate_ids(client.get("/admin/login").get_data(as_text=True)) == []
