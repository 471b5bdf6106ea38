"""Names in every script, however the keyboard composed them; never digits, markup or controls."""

from __future__ import annotations

import unicodedata

import pytest

from leadgen.extensions import db
from leadgen.models import OutboxMail
from tests.factories import said

REAL_NAMES = [
    "Zoe\u0308 van ’t Hek",  # typed decomposed (NFD), as macOS and some keyboards send it
    "Jose\u0301 A\u0301lvarez",
    "अनुराधा शर्मा",  # Devanagari: vowel signs and virama are combining marks
    "สมชาย ใจดี",  # Thai
    "مُحَمَّد",  # Arabic with its vowel marks
    "Nguyễn Văn An",
    "Małgorzata Żółć",
    "زهرا\u200cسادات",  # Persian: the zero-width non-joiner belongs in the name
]


@pytest.mark.parametrize("name", REAL_NAMES)
def test_real_names_are_accepted_and_stored_composed(submit, leads, name):
    response = submit(name=name)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert leads()[0].name == unicodedata.normalize("NFC", name)


@pytest.mark.parametrize("name", ["अनुराधा शर्मा", "Zoe\u0308 Jansen"])
def test_the_mail_greets_them_by_first_name(submit, app, name):
    submit(name=name)
    first = unicodedata.normalize("NFC", name).split()[0]
    with app.app_context():
        [mail] = db.session.execute(db.select(OutboxMail)).scalars()
    assert mail.headers.get("to_name") == first
    assert first in said(app, mail).text


@pytest.mark.parametrize(
    "name",
    [
        "Anna2",
        "अनुराधा ४",  # a Devanagari digit is a digit too
        "<b>Anna</b>",
        "Anna\u202eav",  # a right-to-left override, for spoofing
        "Anna\x07",
        "\u0301Anna",  # a mark with no letter to sit on
        "Anna  -  Maria",
        "Anna_Maria",
    ],
)
def test_digits_markup_and_control_characters_are_refused(submit, leads, name):
    response = submit(name=name)
    assert response.status_code == 422
    assert "alleen letters" in response.get_data(as_text=True)
    assert leads() == []
