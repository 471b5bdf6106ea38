"""Which consents count as evidence: plain rules, apart from the form and the request."""

from __future__ import annotations

from leadgen.leads.consent import ConsentText, counted, given_at

SHOWN = {
    "privacy": ConsentText("privacy", "Ik ga akkoord met de privacyverklaring."),
    "health_data": ConsentText("health_data", "Ik geef toestemming voor mijn klacht."),
}


def test_only_ticked_consents_count_in_the_words_shown():
    assert counted(SHOWN, {"privacy"}, complaint="Rugpijn") == {"privacy": SHOWN["privacy"]}
    assert counted(SHOWN, {"privacy", "health_data"}, complaint="Rugpijn") == SHOWN
    assert counted(SHOWN, {"newsletter"}, complaint=None) == {}


def test_health_data_consent_counts_only_with_a_complaint_it_covers():
    assert counted(SHOWN, {"privacy", "health_data"}, complaint=None) == {
        "privacy": SHOWN["privacy"]
    }
    assert "health_data" not in counted(SHOWN, {"health_data"}, complaint="")


def test_the_form_and_origin_the_consent_was_given_on():
    own = "https://leadgen.example.nl"
    assert given_at("ebook", False, None, own) == ("ebook", own)
    assert given_at("advies", True, "https://blog.example.nl", own) == (
        "embed/advies",
        "https://blog.example.nl",
    )
