"""The error pages' Dutch texts, marked for the catalog; the templates translate them by msgid.

`site/views.py` keeps the texts in ERRORS; a test checks that each of them is listed here.
"""

from __future__ import annotations


def N_(text: str) -> str:  # gettext's name for "mark only", which pybabel looks for
    """Mark `text` for the catalog; the template translates it when it renders."""
    return text


TEXTS = (
    N_("Ongeldig verzoek"),
    N_("Dit verzoek konden we niet verwerken. Probeer het opnieuw."),
    N_("Geen toegang"),
    N_("Dit verzoek komt niet van een pagina die wij kennen."),
    N_("Pagina niet gevonden"),
    N_("Deze pagina bestaat niet (meer)."),
    N_("Methode niet toegestaan"),
    N_("Deze pagina kan op deze manier niet worden gebruikt."),
    N_("Link verlopen"),
    N_("Deze link is verlopen."),
    N_("Te veel gegevens"),
    N_("Het formulier bevatte meer tekst dan we aannemen. Maak het korter en probeer opnieuw."),
    N_("Controleer je gegevens"),
    N_("Niet alle velden zijn goed ingevuld."),
    N_("Even rustig aan"),
    N_("We kregen in korte tijd te veel aanvragen. Wacht een paar minuten en probeer het opnieuw."),
    N_("Er ging iets mis"),
    N_("Er ging aan onze kant iets mis. Probeer het later opnieuw."),
    N_("Tijdelijk niet beschikbaar"),
    N_(
        "We kunnen je aanvraag nu even niet opslaan. Probeer het over een paar minuten opnieuw;"
        " er is niets bewaard."
    ),
)
