"""``lms theme list|add|rename``: the themes activities are filed under.

Themes are few and change rarely (a new focus of SAM's work). Coordinators keep them on
``/admin/themes`` too; both use the rules of :mod:`lms.admin.themes` (a rename keeps the
slug and marks the activities of the theme as changed, so that the calendar feeds rebuild).
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from lms.admin import themes
from lms.admin.themes import ThemeError
from lms.cli import fail
from lms.extensions import db


@click.group("theme", cls=AppGroup)
def theme_group() -> None:
    """Thema's van het aanbod."""


@theme_group.command("list")
def list_themes() -> None:
    """Toon elk thema met zijn slug en het aantal activiteiten."""
    rows = themes.list_themes()
    for row in rows:
        click.echo(f"{row.theme.slug:<40} {row.theme.name} ({row.activities})")
    if not rows:
        click.echo("Nog geen thema's.")


@theme_group.command("add")
@click.argument("name")
def add_theme(name: str) -> None:
    """Voeg een thema toe (de slug in de URL's volgt uit de naam)."""
    try:
        theme = themes.create_theme(name, actor=None)
    except ThemeError as error:
        db.session.rollback()
        fail(error.message)
    db.session.commit()
    click.echo(f"Thema „{theme.name}” toegevoegd ({theme.slug}).")


@theme_group.command("rename")
@click.argument("slug")
@click.argument("name")
def rename_theme(slug: str, name: str) -> None:
    """Geef een thema een nieuwe naam; de slug (en dus elke link) blijft dezelfde."""
    theme = themes.find_by_slug(slug)
    if theme is None:
        fail(f"Geen thema met slug „{slug}” (zie lms theme list).")
    try:
        renamed = themes.rename_theme(theme, name, actor=None)
    except ThemeError as error:
        db.session.rollback()
        fail(error.message)
    db.session.commit()
    if not renamed.changed:
        click.echo(f"Thema „{renamed.old}” heet al zo; er is niets gewijzigd.")
        return
    click.echo(
        f"Thema „{renamed.old}” heet nu „{renamed.new}” ({renamed.activities} activiteiten "
        "bijgewerkt)."
    )
