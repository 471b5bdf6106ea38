"""E-mail addresses: one stored form for every way of writing one, ASCII on the wire."""

from __future__ import annotations

import pytest

from leadgen import addresses

FULL_WIDTH = {ch: chr(ord(ch) + 0xFEE0) for ch in "abcdefghijklmnopqrstuvwxyz.@"}


def wide(text: str) -> str:
    return "".join(FULL_WIDTH.get(ch, ch) for ch in text)


@pytest.mark.parametrize(
    "written",
    [
        "victim@gmail.com",
        "VICTIM@GMAIL.COM",
        "victim@ｇmail.com",
        wide("victim@gmail.com"),
        "victim＠gmail.com",
        " victim@gmail.com\u3000",
    ],
)
def test_every_written_form_of_an_address_has_one_stored_form(written):
    assert addresses.normalise(written) == "victim@gmail.com"
    assert addresses.canonical(written) == "victim@gmail.com"


@pytest.mark.parametrize(
    "written", ["piet@bücher.de", "Piet@BÜCHER.DE", "piet@xn--bcher-kva.de", "piet@bu\u0308cher.de"]
)
def test_an_idn_domain_is_stored_readable_and_sent_as_punycode(written):
    assert addresses.normalise(written) == "piet@bücher.de"
    assert addresses.canonical(written) == "piet@bücher.de"
    assert addresses.for_sending(addresses.normalise(written)) == "piet@xn--bcher-kva.de"


@pytest.mark.parametrize("written", ["jöhn@example.nl", "jo\u0308hn@example.nl", "Zoë@bücher.de"])
def test_a_local_part_we_cannot_mail_is_refused_in_dutch(written):
    with pytest.raises(addresses.AddressError, match="vóór de @") as caught:
        addresses.normalise(written)
    assert caught.value.undeliverable


@pytest.mark.parametrize("written", ["", "anna@", "anna", "anna@example..nl", "a@b@c.nl"])
def test_an_address_that_is_none_is_refused_in_dutch(written):
    with pytest.raises(addresses.AddressError, match="geen geldig e-mailadres") as caught:
        addresses.normalise(written)
    assert not caught.value.undeliverable


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (
            "JÖHN@Example.NL",
            "jöhn@example.nl",
        ),  # stored before it was refused: erase still finds it
        ("  Anna@ ", "anna@"),
        ("ANNA@ｅxample", "anna@example"),
        ("x" * 70_000, "x" * 254),
        ("\x00", "\x00"),
    ],
)
def test_canonical_never_raises_and_folds_what_it_cannot_parse(written, expected):
    assert addresses.canonical(written)[:254] == expected


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("anna@example.nl", "anna@example.nl"),
        ("piet@bücher.de", "piet@xn--bcher-kva.de"),
        ("jöhn@bücher.de", "jöhn@xn--bcher-kva.de"),  # the server decides (SMTPUTF8)
        ("not an address ö", "not an address ö"),
    ],
)
def test_for_sending_makes_the_domain_ascii_and_leaves_the_rest(address, expected):
    assert addresses.for_sending(address) == expected
