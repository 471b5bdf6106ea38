"""Mail links: built through the URL map, so a route that is gone fails loudly."""

from __future__ import annotations

import pytest
from werkzeug.routing import BuildError

from leadgen import links


def test_a_link_is_the_base_url_and_the_routes_path(app):
    with app.app_context():  # no request: the mail worker writes links too
        assert links.external("leads.resend") == "http://localhost/ebook/opnieuw"
        assert links.external("leads.confirm", token="a/b") == "http://localhost/bevestig/a/b"


def test_the_language_joins_the_link_when_it_is_not_the_default(app):
    with app.app_context():
        assert links.external("leads.advies_form", lang="en") == "http://localhost/advies?lang=en"
        assert links.external("leads.advies_form", lang="nl") == "http://localhost/advies"


def test_a_route_that_does_not_exist_fails_loudly(app):
    with app.app_context(), pytest.raises(BuildError):
        links.external("leads.ebook_again")


def test_the_base_url_wins_over_the_request_host(app):
    with app.test_request_context("/", base_url="http://intern:8000"):
        assert links.external("leads.resend").startswith("http://localhost/")
