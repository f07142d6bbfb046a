"""``lms token create``: a personal API token for scripts and integrations."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from lms.accounts.service import find_user_by_email
from lms.accounts.tokens import create_api_token
from lms.cli import fail
from lms.extensions import db


@click.group("token", cls=AppGroup)
def token_group() -> None:
    """Persoonlijke API-sleutels."""


@token_group.command("create")
@click.option("--email", required=True, help="E-mailadres van de gebruiker.")
@click.option("--label", default="CLI", show_default=True, help="Waarvoor de sleutel dient.")
def create_token(email: str, label: str) -> None:
    """Maak een nieuwe API-sleutel; de sleutel staat alleen op de laatste regel."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        fail(f"Geen actieve gebruiker met e-mailadres {email}.")
    raw = create_api_token(user, label)
    db.session.commit()
    click.echo(f"API-sleutel voor {user.email} (bewaar hem nu: hij wordt niet opnieuw getoond):")
    click.echo(raw)
