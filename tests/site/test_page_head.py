"""What a browser tab and a search result show: a favicon and a Dutch (or English) description."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

PUBLIC_PAGES = ["/", "/ebook", "/advies", "/privacy", "/ebook/opnieuw", "/bestaat-niet"]


class _Head(HTMLParser):
    """The page's meta descriptions and icon links."""

    def __init__(self) -> None:
        super().__init__()
        self.descriptions: list[str] = []
        self.icons: list[dict] = []

    def handle_starttag(self, tag, attrs) -> None:
        attributes = dict(attrs)
        if tag == "meta" and attributes.get("name") == "description":
            self.descriptions.append(attributes.get("content") or "")
        if tag == "link" and attributes.get("rel") == "icon":
            self.icons.append(attributes)


def head(client, path: str) -> _Head:
    parser = _Head()
    parser.feed(client.get(path).get_data(as_text=True))
    return parser


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_each_public_page_has_one_description(client, path):
    [description] = head(client, path).descriptions
    assert 50 <= len(description) <= 160  # what a search result shows without cutting it


def test_the_offers_describe_themselves(client):
    landing, ebook, advies = (head(client, p).descriptions[0] for p in ("/", "/ebook", "/advies"))
    assert "rugpijn" in landing
    assert "e-book" in ebook
    assert "adviesgesprek" in advies
    assert len({landing, ebook, advies}) == 3


@pytest.mark.parametrize("path", ["/", "/ebook", "/advies"])
def test_the_description_is_translated(client, path):
    dutch = head(client, path).descriptions[0]
    english = head(client, f"{path}?lang=en").descriptions[0]
    assert english != dutch
    assert "back pain" in english or "e-book" in english or "advice" in english


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_each_public_page_links_a_favicon_that_exists(client, path):
    [icon] = head(client, path).icons
    assert icon["type"] == "image/svg+xml"
    response = client.get(icon["href"])
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert b"<svg" in response.get_data()
    response.close()


def test_favicon_ico_leads_to_the_icon(client):
    response = client.get("/favicon.ico", follow_redirects=True)
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    response.close()


def test_staff_pages_are_not_described_for_search_engines(client):
    assert head(client, "/admin/login").descriptions == []


@pytest.mark.parametrize(
    "path", ["/ebook", "/advies", "/ebook/opnieuw", "/embed/ebook", "/embed/advies"]
)
def test_a_head_request_answers_like_the_page(client, path):
    # Monitors and link checkers ask HEAD; a form page is a page, not a submission.
    page = client.get(path)
    head = client.head(path)
    assert head.status_code == page.status_code == 200
    assert head.get_data() == b""
