"""``lms demo``: load the demo offer and accounts (idempotent) and print the logins."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from lms.demo import database_is_empty, demo_logins, load_demo


@click.command("demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Alleen laden als de databank nog leeg is.")
def demo(if_empty: bool) -> None:
    """Laad het demo-aanbod en de demo-accounts."""
    if if_empty and not database_is_empty():
        click.echo("De databank bevat al gegevens; demo niet opnieuw geladen.")
    else:
        result = load_demo()
        if result.created:
            click.echo(f"Demo geladen: {len(result.created)} onderdelen aangemaakt.")
        else:
            click.echo("Demo was al geladen; niets gewijzigd.")
    click.echo("")
    click.echo("Demo-aanmeldingen (wachtwoord voor allemaal hetzelfde):")
    for email, password, roles in demo_logins():
        click.echo(f"  {email:<28} {password}   ({roles})")
