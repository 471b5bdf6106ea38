"""The domain's words: every value has its labels, and tables and forms agree with the list."""

from __future__ import annotations

import pytest

from leadgen import vocab
from leadgen.leads.forms import AdviesForm, EbookForm
from leadgen.models import Consent, Lead


@pytest.mark.parametrize(
    ("values", "labels"),
    [
        (vocab.LEAD_KINDS, vocab.KIND_LABELS),
        (vocab.CALL_KINDS, vocab.CALL_KIND_CHOICES),
        (vocab.CALL_KINDS, vocab.CALL_KIND_OFFERS),
        (vocab.CALL_KINDS, vocab.CALL_KIND_WORDS),
        (vocab.LEAD_STATUSES, vocab.STATUS_LABELS),
        (("", *vocab.MOMENTS), vocab.MOMENT_CHOICES),
        (vocab.MOMENTS, vocab.MOMENT_PHRASES),
        (vocab.CONSENT_PURPOSES, vocab.PURPOSE_LABELS),
    ],
)
def test_every_value_has_exactly_one_label(values, labels):
    assert tuple(labels) == tuple(values)


def test_subsets_are_drawn_from_their_list():
    assert set(vocab.CALL_KINDS) < set(vocab.LEAD_KINDS)
    assert set(vocab.OPEN_STATUSES) < set(vocab.STATUS_STEPS) <= set(vocab.LEAD_STATUSES)


def _allowed(table, column: str) -> set[str]:
    """The values the table's check constraint on `column` lets in."""
    text = next(str(c.sqltext) for c in table.constraints if c.name == f"ck_{table.name}_{column}")
    return set(text.split(" IN ", 1)[1].strip("()")[1:-1].split("', '"))


def test_the_tables_accept_exactly_the_listed_values():
    assert _allowed(Lead.__table__, "kind") == set(vocab.LEAD_KINDS)
    assert _allowed(Lead.__table__, "status") == set(vocab.LEAD_STATUSES)
    assert _allowed(Consent.__table__, "purpose") == set(vocab.CONSENT_PURPOSES)


@pytest.mark.parametrize("form", [EbookForm, AdviesForm])
def test_public_forms_carry_every_tracking_param(form):
    assert all(hasattr(form, key) for key in vocab.TRACKING_PARAMS)


def test_the_landing_page_passes_every_tracking_param_to_the_forms(client):
    query = {key: f"w{n}" for n, key in enumerate(vocab.TRACKING_PARAMS)}
    page = client.get("/", query_string=query | {"other": "x"}).get_data(as_text=True)
    link = next(part for part in page.split('"') if part.startswith("/advies?"))
    assert all(f"{key}={value}" in link for key, value in query.items())
    assert "other" not in link
