"""The error pages' Dutch texts, marked for the catalog; the templates translate them by msgid.

`site/views.py` keeps the texts in ERRORS; a test checks that each of them is listed here.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

TEXTS = (
    _l("Ongeldig verzoek"),
    _l("Dit verzoek konden we niet verwerken. Probeer het opnieuw."),
    _l("Geen toegang"),
    _l("Dit verzoek komt niet van een pagina die wij kennen."),
    _l("Pagina niet gevonden"),
    _l("Deze pagina bestaat niet (meer)."),
    _l("Methode niet toegestaan"),
    _l("Deze pagina kan op deze manier niet worden gebruikt."),
    _l("Link verlopen"),
    _l("Deze link is verlopen."),
    _l("Te veel gegevens"),
    _l("Het formulier bevatte meer tekst dan we aannemen. Maak het korter en probeer opnieuw."),
    _l("Controleer je gegevens"),
    _l("Niet alle velden zijn goed ingevuld."),
    _l("Even rustig aan"),
    _l("We kregen in korte tijd te veel aanvragen. Wacht een paar minuten en probeer het opnieuw."),
    _l("Er ging iets mis"),
    _l("Er ging aan onze kant iets mis. Probeer het later opnieuw."),
    _l("Tijdelijk niet beschikbaar"),
    _l(
        "We kunnen je aanvraag nu even niet opslaan. Probeer het over een paar minuten opnieuw;"
        " er is niets bewaard."
    ),
)
