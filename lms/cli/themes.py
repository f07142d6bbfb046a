"""``lms theme list|add|rename``: the themes activities are filed under.

Themes are few and change rarely (a new focus of SAM's work), so they are kept from the
command line. Renaming marks the activities of the theme as changed: the calendar feeds
show themes as CATEGORIES and rebuild only when an activity or session changed.
"""

from __future__ import annotations

import click
from sqlalchemy import func, select, update

from lms import audit
from lms.cli import fail, lms_group
from lms.extensions import db
from lms.models import Activity, Theme, activity_themes, utcnow
from lms.slugs import slugify


@lms_group.group("theme")
def theme_group() -> None:
    """Thema's van het aanbod."""


@theme_group.command("list")
def list_themes() -> None:
    """Toon elk thema met zijn slug en het aantal activiteiten."""
    rows = db.session.execute(
        select(Theme.slug, Theme.name, func.count(activity_themes.c.activity_id))
        .outerjoin(activity_themes, activity_themes.c.theme_id == Theme.id)
        .group_by(Theme.id)
        .order_by(Theme.name)
    ).all()
    for slug, name, count in rows:
        click.echo(f"{slug:<40} {name} ({count})")
    if not rows:
        click.echo("Nog geen thema's.")


def _name_or_fail(name: str) -> str:
    name = " ".join(name.split())
    if not name or len(name) > 120:
        fail("Een thema heeft een naam van 1 tot 120 tekens.")
    taken = db.session.scalar(select(Theme).where(func.lower(Theme.name) == name.lower()))
    if taken is not None:
        fail(f"Er is al een thema „{taken.name}” ({taken.slug}).")
    return name


@theme_group.command("add")
@click.argument("name")
def add_theme(name: str) -> None:
    """Voeg een thema toe (de slug in de URL's volgt uit de naam)."""
    name = _name_or_fail(name)
    slug = slugify(name, max_length=120)
    if not slug or db.session.scalar(select(Theme.id).where(Theme.slug == slug)) is not None:
        fail(f"De slug „{slug}” is al in gebruik of leeg; kies een andere naam.")
    theme = Theme(name=name, slug=slug)
    db.session.add(theme)
    audit.record("theme.created", actor=None, summary=f"Thema „{name}” toegevoegd ({slug})")
    db.session.commit()
    click.echo(f"Thema „{name}” toegevoegd ({slug}).")


@theme_group.command("rename")
@click.argument("slug")
@click.argument("name")
def rename_theme(slug: str, name: str) -> None:
    """Geef een thema een nieuwe naam; de slug (en dus elke link) blijft dezelfde."""
    theme = db.session.scalar(select(Theme).where(Theme.slug == slug))
    if theme is None:
        fail(f"Geen thema met slug „{slug}” (zie lms theme list).")
    old = theme.name
    name = _name_or_fail(name)
    theme.name = name
    ids = select(activity_themes.c.activity_id).where(activity_themes.c.theme_id == theme.id)
    changed = db.session.execute(
        update(Activity).where(Activity.id.in_(ids)).values(updated_at=utcnow())
    ).rowcount
    audit.record("theme.renamed", actor=None, summary=f"Thema „{old}” heet nu „{name}”")
    db.session.commit()
    click.echo(f"Thema „{old}” heet nu „{name}” ({changed} activiteiten bijgewerkt).")
