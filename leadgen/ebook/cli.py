"""`flask ebook ...`: build the training guide from the command line."""

import click
from flask.cli import AppGroup

from leadgen.ebook import service

cli = AppGroup("ebook", help="De e-book-trainingsgids bouwen.")


@cli.command("build")
def build_command() -> None:
    """Bouw de gids (of gebruik de versie die al klaarstaat) en toon pagina's, bytes en seconden."""
    result = service.build()
    state = "al gebouwd, uit de cache" if result.cached else f"gebouwd in {result.seconds:.2f} s"
    click.echo(
        f"E-book {result.version}: {result.pages} pagina's, {result.bytes} bytes, {state}\n"
        f"{result.path}"
    )
