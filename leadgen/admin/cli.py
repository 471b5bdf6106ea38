"""`flask users …` for staff accounts and `flask leads …` for export, retention and erasure."""

from __future__ import annotations

import sys
from datetime import date, datetime

import click
from flask import current_app
from flask.cli import AppGroup

from leadgen.admin import auth, export, formats, service
from leadgen.admin.queries import DATE_MAX, DATE_MIN, LeadFilter
from leadgen.models import utcnow
from leadgen.vocab import LEAD_KINDS, LEAD_STATUSES

users_cli = AppGroup("users", help="Accounts van medewerkers beheren.")
leads_cli = AppGroup("leads", help="Aanvragen exporteren, opschonen en wissen.")
DATE = click.DateTime(formats=["%Y-%m-%d", "%d-%m-%Y"])


def _day(moment: datetime | None, option: str) -> date | None:
    """The day of a date option, refused in Dutch when the filter cannot compute with it."""
    if moment is None:
        return None
    if not DATE_MIN <= moment.date() <= DATE_MAX:
        # Year 1 or 9999 would overflow the day's start and end in Amsterdam time.
        raise click.ClickException(
            f"{option}: kies een datum tussen {DATE_MIN:%d-%m-%Y} en {DATE_MAX:%d-%m-%Y}."
        )
    return moment.date()


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Wachtwoord", hide_input=True, confirmation_prompt="Nog een keer")
    return sys.stdin.readline().rstrip("\r\n")


@users_cli.command("create")
@click.argument("email")
def create_user(email: str) -> None:
    """Maak een account; wachtwoord uit een prompt, of van stdin als dat geen terminal is."""
    password = _read_password()
    try:
        staff = auth.create_staff(email, password)
    except auth.AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Account aangemaakt voor {staff.email}. Inloggen kan op /admin/login.")


@users_cli.command("list")
def list_users() -> None:
    """Toon alle accounts: e-mailadres, actief, aangemaakt en laatst ingelogd."""
    accounts = auth.list_staff()
    if not accounts:
        click.echo("Nog geen accounts. Maak er een met: flask --app wsgi users create E-MAIL")
    for staff in accounts:
        state = "actief" if staff.active else "uitgezet"
        last = formats.nl_datetime(staff.last_login_at) or "nooit"
        click.echo(
            f"{staff.email}\t{state}\taangemaakt {formats.nl_date(staff.created_at)}"
            f"\tlaatst ingelogd {last}"
        )


@users_cli.command("deactivate")
@click.argument("email")
def deactivate_user(email: str) -> None:
    """Zet een account uit en beëindig meteen al zijn sessies."""
    try:
        staff = auth.deactivate_staff(email)
    except auth.AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Account {staff.email} is uitgezet.")


@leads_cli.command("export")
@click.option("--kind", type=click.Choice(LEAD_KINDS), help="Alleen dit aanbod.")
@click.option("--status", type=click.Choice(LEAD_STATUSES), help="Alleen deze status.")
@click.option(
    "--from", "date_from", type=DATE, help="Aangevraagd vanaf (jjjj-mm-dd of dd-mm-jjjj)."
)
@click.option("--to", "date_to", type=DATE, help="Aangevraagd tot en met.")
@click.option("--source", help="Bron of utm_source bevat deze tekst.")
@click.option("--search", help="Naam, e-mail of telefoon bevat deze tekst.")
@click.option(
    "--with-complaint", is_flag=True, help="Neem de klacht mee (gezondheidsgegevens; gelogd)."
)
@click.option(
    "-o",
    "--output",
    default="-",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Bestand om naar te schrijven (standaard: stdout).",
)
def export_leads(
    kind: str | None,
    status: str | None,
    date_from: datetime | None,
    date_to: datetime | None,
    source: str | None,
    search: str | None,
    with_complaint: bool,
    output: str,
) -> None:
    """Exporteer aanvragen als CSV voor Excel (UTF-8 met BOM, puntkomma's), net als in de admin."""
    lead_filter = LeadFilter(
        kind=kind,
        status=status,
        date_from=_day(date_from, "--from"),
        date_to=_day(date_to, "--to"),
        source=source,
        search=search,
    )
    chunks = export.start_export(lead_filter, with_complaint, staff_id=None, via="cli")
    with click.open_file(output, "wb") as stream:
        for chunk in chunks:
            stream.write(chunk.encode("utf-8"))
    if output != "-":
        click.echo(f"Geschreven naar {output}.", err=True)


@leads_cli.command("purge")
def purge_leads() -> None:
    """Verwijder aanvragen ouder dan LEADGEN_RETENTION_DAYS (patiënten blijven) en
    nieuwsbrieftoestemmingen die na 7 dagen nog niet bevestigd zijn."""
    days = current_app.config["LEADGEN_RETENTION_DAYS"]
    result = service.purge(utcnow(), days)
    click.echo(
        f"Verwijderd: {result.leads} aanvragen ouder dan {days} dagen (patiënten uitgezonderd), "
        f"{result.newsletter_consents} onbevestigde nieuwsbrieftoestemmingen."
    )


@leads_cli.command("erase")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Niet om bevestiging vragen.")
def erase_leads(email: str, yes: bool) -> None:
    """Wis alles van één persoon: aanvragen, toestemmingen, downloads, notities, e-mails, en
    de bestanden: persoonlijke e-books en mails in instance/mail/."""
    if not yes:
        click.confirm(f"Alles van {email} definitief wissen?", abort=True)
    ids = service.erase_email(email)
    if ids:
        click.echo(f"Gewist: {len(ids)} aanvraag/aanvragen ({', '.join(map(str, ids))}).")
    else:
        click.echo(f"Geen aanvragen gevonden voor {email}; eventuele e-mails zijn verwijderd.")
