"""Dutch first, English too: the language switch, both flows end to end, dates, the catalogs."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from leadgen import i18n
from leadgen.extensions import db
from leadgen.models import Consent
from leadgen.site.error_texts import TEXTS as ERROR_TEXTS
from leadgen.site.views import ERRORS
from tests.conftest import ADVIES_FIELDS, EBOOK_FIELDS, form_token
from tests.factories import built, outbox_rows, post_form, said

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "leadgen" / "translations"
POT = TRANSLATIONS / "messages.pot"
CATALOGS = sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))
DUTCH_DAY = re.compile(r"\b\d{2}-\d{2}-\d{4}\b")


def _read(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def _extract(target: Path) -> None:
    """Extract every msgid as `make messages` does."""
    CommandLineInterface().run(
        [
            "pybabel",
            "--quiet",
            "extract",
            "-F",
            str(ROOT / "leadgen" / "babel.cfg"),
            "-k",
            "_l",
            "--no-location",
            "--sort-output",
            "--ignore-dirs",
            ".* node_modules __pycache__",
            "-o",
            str(target),
            str(ROOT),
        ]
    )


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set[str]:
    target = tmp_path_factory.mktemp("pot") / "messages.pot"
    _extract(target)
    return {message.id for message in _read(target) if message.id}


def test_the_committed_template_matches_the_source(extracted):
    committed = {message.id for message in _read(POT) if message.id}
    assert extracted - committed == set(), "new texts: run `make messages`, then translate"
    assert committed - extracted == set(), "texts gone from the code: run `make messages`"


def test_there_is_an_english_catalog():
    assert [path.parts[-3] for path in CATALOGS] == ["en"]


@pytest.mark.parametrize("path", CATALOGS, ids=lambda path: path.parts[-3])
def test_every_text_is_translated(path, extracted):
    catalog = _read(path)
    translated = {
        message.id
        for message in catalog
        if message.id and message.string and "fuzzy" not in message.flags
    }
    assert sorted(extracted - translated) == []


@pytest.mark.parametrize("path", CATALOGS, ids=lambda path: path.parts[-3])
def test_translations_keep_their_placeholders(path):
    problems = [
        f"{message.id!r}: {error}" for message, errors in _read(path).check() for error in errors
    ]
    assert problems == []


def test_every_error_page_text_is_in_the_catalog():
    assert {text for pair in ERRORS.values() for text in pair} <= set(ERROR_TEXTS)


# Which language a reader gets.


@pytest.mark.parametrize(
    ("query", "accept", "heading"),
    [
        ("", None, "Minder lage rugpijn"),
        ("", "en-GB,en;q=0.9", "Less low back pain"),
        ("", "de-DE,de;q=0.9", "Minder lage rugpijn"),
        ("", "en-US,nl;q=0.5", "Less low back pain"),
        ("", "de-DE,nl-BE;q=0.8,en;q=0.5", "Minder lage rugpijn"),
        ("?lang=en", "nl-NL", "Less low back pain"),
        ("?lang=nl", "en-GB", "Minder lage rugpijn"),
        ("?lang=fr", None, "Minder lage rugpijn"),
    ],
)
def test_language_follows_the_switch_then_the_browser_then_dutch(client, query, accept, heading):
    headers = {"Accept-Language": accept} if accept else {}
    page = client.get(f"/{query}", headers=headers).get_data(as_text=True)
    assert heading in page


def test_html_lang_names_the_language(client):
    assert '<html lang="nl">' in client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in client.get("/?lang=en").get_data(as_text=True)


def test_each_page_offers_the_other_language(client):
    dutch = client.get("/ebook?utm_source=blog").get_data(as_text=True)
    assert 'href="/ebook?utm_source=blog&amp;lang=en" lang="en" hreflang="en">English</a>' in dutch
    english = client.get("/ebook?lang=en").get_data(as_text=True)
    assert 'href="/ebook?lang=nl" lang="nl" hreflang="nl">Nederlands</a>' in english


def test_a_chosen_language_stays_for_the_visit_without_a_cookie(client):
    response = client.get("/?lang=en")
    page = response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
    assert 'href="/ebook?lang=en"' in page
    assert 'href="/privacy?lang=en"' in page
    form = client.get("/ebook?lang=en").get_data(as_text=True)
    assert 'action="/ebook?lang=en"' in form


def test_without_a_choice_links_stay_as_they_were(client):
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'href="/ebook"' in page


def test_the_embed_keeps_language_and_parent(make_app):
    blog = "https://blog.example.nl"
    client = make_app(LEADGEN_EMBED_ORIGINS=[blog]).test_client()
    page = client.get(f"/embed/ebook?lang=en&parent={blog}").get_data(as_text=True)
    assert "Free e-book: train your gluteus medius" in page
    action = re.search(r'<form class="lead-form" method="post" action="([^"]+)"', page).group(1)
    assert "lang=en" in action and "parent=" in action


# The whole flow, in each language.


def _english(client, path: str, **fields):
    data = (ADVIES_FIELDS if path.endswith("advies") else EBOOK_FIELDS) | fields
    data["form_token"] = form_token(client, f"{path}?lang=en")
    return client.post(f"{path}?lang=en", data=data)


def test_an_english_reader_gets_the_ebook_form_in_english(client):
    page = client.get("/ebook?lang=en").get_data(as_text=True)
    for text in ("Name", "E-mail address", "I agree to the", "Send me the e-book"):
        assert text in page
    assert "Stuur mij het e-book" not in page


def test_an_english_reader_gets_errors_in_english(client):
    response = _english(client, "/ebook", name="", email="anna@", privacy=None)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Not all fields are filled in correctly." in page
    assert "Enter your name." in page
    assert "This does not look like a valid e-mail address. Please check it." in page
    assert "Without your agreement to the privacy statement we cannot send you anything." in page
    assert "Vul je naam in." not in page


def test_an_english_reader_gets_the_thank_you_page_and_mail_in_english(app, client):
    response = _english(client, "/ebook", newsletter="y")
    assert response.status_code == 303
    assert "lang=en" in response.headers["Location"]
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you! Your e-book is ready" in thanks
    assert "Download your e-book (PDF)" in thanks

    [row] = outbox_rows(app)
    message = built(app, row)
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert message["Subject"] == "Your gluteus medius training guide"
    assert message["Content-Language"] == "en"
    assert text.startswith("Hi Anna,")
    assert "ONE MORE STEP FOR THE NEWSLETTER" in text
    assert "The guide is written in Dutch." in text
    assert '<html lang="en">' in html and "Yes, send me the newsletter" in html
    assert "Hoi" not in text + html
    assert "/ebook/opnieuw?lang=en" in text and "/advies?lang=en" in text


def test_consent_is_recorded_in_the_words_the_reader_saw(app, client, submit):
    _english(client, "/ebook", email="eve@example.nl", newsletter="y")
    submit("/ebook", newsletter="y")
    with app.app_context():
        texts = {(c.lead.email, c.purpose): c.text for c in db.session.scalars(db.select(Consent))}
    assert texts[("eve@example.nl", "privacy")] == "I agree to the privacy statement."
    assert texts[("anna@example.nl", "privacy")] == "Ik ga akkoord met de privacyverklaring."
    assert texts[("eve@example.nl", "newsletter")].startswith("Also send me the newsletter")


def test_an_english_call_request_confirms_in_english_but_tells_staff_in_dutch(app, client):
    response = _english(client, "/advies", kind="pijncheck", preferred_moment="avond")
    assert response.status_code == 303
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "free pain check at the practice" in thanks

    visitor, staff = (built(app, row) for row in outbox_rows(app))
    text = visitor.get_body(("plain",)).get_content()
    assert visitor["Subject"] == "We have received your request for a free pain check"
    assert "within two working days on 06 12345678, preferably in the evening." in text
    assert staff["Subject"].startswith("Nieuwe aanvraag: pijncheck")
    assert staff["Content-Language"] == "nl"
    assert "Belmoment: ’s avonds" in staff.get_body(("plain",)).get_content()


def test_a_dutch_reader_gets_the_whole_flow_in_dutch(app, client, submit):
    assert "Stuur mij het e-book" in client.get("/ebook").get_data(as_text=True)
    invalid = submit("/ebook", name="")
    assert invalid.status_code == 422 and "Vul je naam in." in invalid.get_data(as_text=True)
    response = submit("/ebook")
    assert "lang=" not in response.headers["Location"]
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Bedankt! Je e-book staat klaar" in thanks
    [row] = outbox_rows(app)
    message = built(app, row)
    assert message["Subject"] == "Je trainingsgids voor de gluteus medius"
    assert message["Content-Language"] == "nl"
    assert message.get_body(("plain",)).get_content().startswith("Hoi Anna,")


def test_error_pages_speak_the_readers_language(client):
    assert "Page not found" in client.get("/nope?lang=en").get_data(as_text=True)
    assert "Pagina niet gevonden" in client.get("/nope").get_data(as_text=True)


# Dates.


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("nl", "05-03-2026"), ("en", "5 March 2026")],
)
def test_dates_are_written_as_readers_of_the_language_do(app, lang, expected):
    with app.test_request_context(f"/?lang={lang}"):
        assert i18n.format_day(date(2026, 3, 5)) == expected


def test_a_date_near_midnight_is_the_day_in_amsterdam(app):
    with app.test_request_context("/"):
        assert i18n.format_day(datetime.fromisoformat("2026-03-04T23:30:00+00:00")) == "05-03-2026"


def test_the_thank_you_page_and_mail_give_the_last_day_in_dutch_format(app, client, submit):
    location = submit("/ebook").headers["Location"]
    assert DUTCH_DAY.search(client.get(location).get_data(as_text=True))
    [row] = outbox_rows(app)
    assert DUTCH_DAY.search(said(app, row).text)


def test_outside_a_request_the_practice_language_is_used(app):
    with app.app_context():
        assert i18n.select_locale() == "nl"


# Staff pages: the same switch, remembered in a cookie on /admin only.


def test_staff_pages_are_dutch_by_default(staff_client):
    page = staff_client.get("/admin/leads").get_data(as_text=True)
    assert "<h1>Aanvragen</h1>" in page and "Exporteren voor Excel" in page


def test_a_staff_member_can_switch_to_english_and_it_is_remembered(staff_client):
    response = staff_client.get("/admin/leads?lang=en")
    assert "<h1>Leads</h1>" in response.get_data(as_text=True)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=en;") and "Path=/admin" in cookie and "HttpOnly" in cookie
    later = staff_client.get("/admin/").get_data(as_text=True)
    assert "Sign-ups per day" in later
    assert "Minder lage rugpijn" in staff_client.get("/").get_data(as_text=True)  # public: no


def test_english_flash_messages_and_form_errors_for_staff(staff_client):
    staff_client.get("/admin/leads?lang=en")
    page = staff_client.get("/admin/leads?date_from=gisteren").get_data(as_text=True)
    assert "Enter a date as dd-mm-yyyy." in page
    response = post_form(staff_client, "/admin/leads", "/admin/logout")
    assert response.status_code == 303
    assert "You are logged out." in staff_client.get("/admin/login").get_data(as_text=True)
