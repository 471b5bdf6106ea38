"""People's names: letters of any script with their combining marks, composed as NFC."""

from __future__ import annotations

import re
import unicodedata

SEPARATORS = " '’.-"
# Zero-width (non-)joiners are part of how Persian and Indic names are written.
JOINERS = "\u200c\u200d"
# Over the name's shape: L a letter, M a mark or joiner, separators as themselves.
NAME_SHAPE = re.compile(r"L[LM]*(?:[ '’.-]{1,2}L[LM]*)*\.?")
FIRST_NAME_SHAPE = re.compile(r"L[LM]*(?:['’.-]L[LM]*)*\.?")


def compose(value: str | None) -> str | None:
    """The text in NFC: a name typed decomposed (e + ◌̈) is stored as the one letter ë."""
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def _shape(text: str) -> str:
    # A digit, symbol, control or format character becomes "?", which no shape allows.
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        if category[0] == "L":
            out.append("L")
        elif category[0] == "M" or ch in JOINERS:
            out.append("M")
        else:
            out.append(ch if ch in SEPARATORS else "?")
    return "".join(out)


def is_name(text: str) -> bool:
    """Words of letters (and their marks) joined by a space, hyphen, apostrophe or dot."""
    return NAME_SHAPE.fullmatch(_shape(compose(text) or "")) is not None


def is_first_name(text: str) -> bool:
    """One such word: what a mail may put in a greeting or a To: display name."""
    return FIRST_NAME_SHAPE.fullmatch(_shape(compose(text) or "")) is not None
