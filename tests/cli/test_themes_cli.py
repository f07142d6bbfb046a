"""``lms theme list|add|rename``: themes kept from the command line."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lms.extensions import db
from lms.models import AuditEntry, Theme, utcnow


def invoke(app, *args):
    return app.test_cli_runner().invoke(args=["lms", "theme", *args])


def test_add_list_and_refuse_a_duplicate(app):
    result = invoke(app, "add", "  Armoede   en uitsluiting ")
    assert result.exit_code == 0, result.output
    theme = db.session.scalar(select(Theme).where(Theme.slug == "armoede-en-uitsluiting"))
    assert theme is not None and theme.name == "Armoede en uitsluiting"
    assert "armoede-en-uitsluiting" in invoke(app, "list").output

    again = invoke(app, "add", "armoede EN uitsluiting")
    assert again.exit_code == 1
    assert "Er is al een thema „Armoede en uitsluiting”" in again.output
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "theme.created"))


def test_rename_keeps_the_slug_and_marks_the_activities_changed(app, create_activity):
    theme = Theme(name="Wonen", slug="wonen")
    activity = create_activity(title="Huurders organiseren")
    activity.themes.append(theme)
    activity.updated_at = utcnow() - timedelta(days=3)
    db.session.commit()
    before = activity.updated_at

    result = invoke(app, "rename", "wonen", "Wonen en huisvesting")
    assert result.exit_code == 0, result.output
    assert "1 activiteiten bijgewerkt" in result.output
    db.session.expire_all()
    renamed = db.session.scalar(select(Theme).where(Theme.slug == "wonen"))
    assert renamed.name == "Wonen en huisvesting"
    assert renamed.slug == "wonen"
    assert db.session.get(type(activity), activity.id).updated_at > before


def test_rename_of_an_unknown_slug_fails_with_a_hint(app):
    result = invoke(app, "rename", "bestaat-niet", "Iets")
    assert result.exit_code == 1
    assert "lms theme list" in result.output
