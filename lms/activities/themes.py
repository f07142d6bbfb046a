"""The themes of the offer: list, add, rename. Used by the admin pages and ``lms theme``.

A theme's slug follows from its name when it is added and never changes after that: it is
in links (``/aanbod?thema=wonen``), bookmarks and reports. A rename marks the activities
of the theme as changed, because the calendar feeds show themes as CATEGORIES and rebuild
only when an activity or session changed. Every refusal is a :class:`ThemeError` (Dutch,
for the person); the caller commits.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from lms.audit import record
from lms.common.errors import RuleError
from lms.common.slugs import slugify
from lms.extensions import db
from lms.models import MAX_ID, Activity, Theme, User, activity_themes, utcnow

MAX_NAME = 120


class ThemeError(RuleError, ValueError):
    """A rule refused the change; the message is Dutch and meant for the person."""

    def __init__(self, message: str, field: str | None = "name") -> None:
        super().__init__(message, field=field, status=422)


@dataclass(frozen=True)
class ThemeRow:
    theme: Theme
    activities: int


@dataclass(frozen=True)
class Renamed:
    old: str
    new: str
    #: Activities marked as changed (their calendar feeds rebuild).
    activities: int

    @property
    def changed(self) -> bool:
        return self.old != self.new


def list_themes() -> list[ThemeRow]:
    """Every theme by name, with the number of activities filed under it."""
    rows = db.session.execute(
        select(Theme, func.count(activity_themes.c.activity_id))
        .outerjoin(activity_themes, activity_themes.c.theme_id == Theme.id)
        .group_by(Theme.id)
        .order_by(Theme.name, Theme.id)
    ).all()
    return [ThemeRow(theme, count) for theme, count in rows]


def find_theme(theme_id: int) -> Theme | None:
    return db.session.get(Theme, theme_id) if 0 < theme_id <= MAX_ID else None


def find_by_slug(slug: str) -> Theme | None:
    return db.session.scalar(select(Theme).where(Theme.slug == slug))


def _clean_name(name: str, *, theme: Theme | None = None) -> str:
    """``name`` with its spaces tidied, or a refusal: empty, too long, or already the name
    of another theme (case does not count)."""
    name = " ".join((name or "").split())
    if not name or len(name) > MAX_NAME:
        raise ThemeError(_("Een thema heeft een naam van 1 tot %(max)d tekens.", max=MAX_NAME))
    query = select(Theme).where(func.lower(Theme.name) == name.lower())
    if theme is not None and theme.id is not None:
        query = query.where(Theme.id != theme.id)
    taken = db.session.scalar(query)
    if taken is not None:
        raise ThemeError(
            _("Er is al een thema „%(name)s” (%(slug)s).", name=taken.name, slug=taken.slug)
        )
    return name


def _has_slug_letters(name: str) -> bool:
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.search(r"[A-Za-z0-9]", ascii_text) is not None


def create_theme(name: str, actor: User | None) -> Theme:
    """Add a theme; its slug follows from the name."""
    name = _clean_name(name)
    if not _has_slug_letters(name):
        raise ThemeError(_("Gebruik minstens één letter of cijfer in de naam (voor de slug)."))
    slug = slugify(name, max_length=MAX_NAME)
    if db.session.scalar(select(Theme.id).where(Theme.slug == slug)) is not None:
        raise ThemeError(_("De slug „%(slug)s” is al in gebruik; kies een andere naam.", slug=slug))
    theme = Theme(name=name, slug=slug)
    db.session.add(theme)
    db.session.flush()
    record("theme.created", actor=actor, summary=f"Thema „{name}” toegevoegd ({slug})")
    return theme


def rename_theme(theme: Theme, name: str, actor: User | None) -> Renamed:
    """Give ``theme`` a new name; the slug stays. The same name again changes nothing."""
    old = theme.name
    name = _clean_name(name, theme=theme)
    if name == old:
        return Renamed(old, name, 0)
    theme.name = name
    ids = select(activity_themes.c.activity_id).where(activity_themes.c.theme_id == theme.id)
    changed = db.session.execute(
        update(Activity).where(Activity.id.in_(ids)).values(updated_at=utcnow())
    ).rowcount
    record("theme.renamed", actor=actor, summary=f"Thema „{old}” heet nu „{name}”")
    return Renamed(old, name, changed)
