"""A blank form page filled from its shape is the page a fresh render gives, for any link."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadgen import tokens
from leadgen.leads import pages, views

PAGES = {
    "/ebook": ("ebook", views.LAYOUT),
    "/advies": ("advies", views.LAYOUT),
    "/embed/ebook": ("ebook", "embed_base.html"),
    "/embed/advies": ("advies", "embed_base.html"),
}
TOKEN = re.compile(r'(name="form_token" type="hidden" value=")([^"]*)(")')
TRICKY = st.text(alphabet=st.sampled_from("aé<>&\"' /:?=#%+mx0123456789abcdef\u200b"), max_size=40)


def query() -> st.SearchStrategy[dict[str, str]]:
    return st.fixed_dictionaries(
        {},
        optional={
            "source": st.one_of(TRICKY, st.just("https://blog.example.nl/rug?x=1&y=<2>")),
            "utm_source": TRICKY,
            "utm_medium": TRICKY,
            "utm_campaign": TRICKY,
            "utm_content": TRICKY,
            "kind": st.sampled_from(["adviesgesprek", "pijncheck", "anders", ""]),
            "lang": st.sampled_from(["nl", "en", "de", ""]),
            "parent": st.sampled_from(["https://blog.example.nl", "https://evil.example", ""]),
            "other": TRICKY,
        },
    )


def _without_token(page: str) -> tuple[str, str]:
    found = TOKEN.search(page)
    assert found, "the page carries a form token"
    return TOKEN.sub(r"\1TOKEN\3", page), found[2]


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_a_filled_shape_equals_a_fresh_render(make_app):
    app = make_app(LEADGEN_EMBED_ORIGINS=["https://blog.example.nl"])

    @settings(
        max_examples=150,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.sampled_from(sorted(PAGES)), query(), st.sampled_from(["nl", "en-GB,en", "de"]))
    def compare(path, args, accept):
        form_name, layout = PAGES[path]
        url = f"{path}?{urlencode(args)}"
        with app.test_request_context(url, headers={"Accept-Language": accept}):
            app.preprocess_request()
            fresh, _status = views._render(views.blank_form(form_name), form_name, layout)
            filled = pages.render_blank(views.blank_form(form_name), form_name, layout)
        fresh, _ = _without_token(fresh)
        filled, token = _without_token(filled)
        assert filled == fresh
        with app.app_context():
            check = tokens.check_form_token(token, form_name)
            assert check.ok or check.reason == "too_fast"

    compare()
    shapes = app.extensions["leadgen.form_pages"]
    assert 1 < len(shapes) <= pages.MAX_SHAPES  # the shapes were used, and are bounded


def test_the_served_page_is_a_filled_shape_with_a_new_token_each_time(app, client):
    first = client.get("/ebook?source=https://blog.example.nl/rug&utm_campaign=a%22b")
    shapes = dict(app.extensions["leadgen.form_pages"])
    second = client.get("/ebook?source=https://blog.example.nl/rug&utm_campaign=other")
    assert app.extensions["leadgen.form_pages"] == shapes  # the second was filled, not rendered
    assert first.status_code == second.status_code == 200
    (one, token_one), (two, token_two) = (_without_token(r.text) for r in (first, second))
    assert token_one != token_two
    assert one.replace('value="a&#34;b"', 'value="other"').replace("a%22b", "other") == two
    assert 'value="https://blog.example.nl/rug"' in one
