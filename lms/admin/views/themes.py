"""The themes of the offer: the list with the number of activities, adding one, renaming
one. Rules (name unique whatever the case, slug fixed once added, a rename refreshes the
calendar feeds of the activities concerned): :mod:`lms.activities.themes`."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from lms.activities import themes as theme_service
from lms.activities.themes import ThemeError
from lms.admin.forms import ThemeForm
from lms.extensions import db
from lms.models import Theme, activity_themes
from lms.web.errors import flash_refusal


def _theme_or_404(theme_id: int) -> Theme:
    theme = theme_service.find_theme(theme_id)
    if theme is None:
        abort(404)
    return theme


def _show(form: ThemeForm, error: ThemeError) -> None:
    db.session.rollback()
    target = getattr(form, error.field or "", None)
    if target is not None and hasattr(target, "errors"):
        target.errors = [*target.errors, error.message]
    else:
        flash_refusal(error)


def themes() -> Any:
    form = ThemeForm()
    status = 200
    if form.validate_on_submit():
        try:
            theme = theme_service.create_theme(form.name.data or "", actor=current_user)
        except ThemeError as error:
            _show(form, error)
        else:
            db.session.commit()
            flash(
                _(
                    "Thema „%(name)s” toegevoegd (slug: %(slug)s).",
                    name=theme.name,
                    slug=theme.slug,
                ),
                "success",
            )
            return redirect(url_for("admin.themes"))
    if request.method == "POST":
        status = 422
    return render_template("admin/themes.html", rows=theme_service.list_themes(), form=form), status


def theme(theme_id: int) -> Any:
    subject = _theme_or_404(theme_id)
    form = ThemeForm()
    if request.method == "GET":
        form.name.data = subject.name
    status = 200
    if form.validate_on_submit():
        try:
            renamed = theme_service.rename_theme(subject, form.name.data or "", actor=current_user)
        except ThemeError as error:
            _show(form, error)
            subject = _theme_or_404(theme_id)
        else:
            db.session.commit()
            if renamed.changed:
                flash(
                    _(
                        "Thema „%(old)s” heet nu „%(new)s”; de slug blijft %(slug)s.",
                        old=renamed.old,
                        new=renamed.new,
                        slug=subject.slug,
                    ),
                    "success",
                )
            else:
                flash(_("Er was niets gewijzigd."), "info")
            return redirect(url_for("admin.theme", theme_id=theme_id))
    if request.method == "POST":
        status = 422
    activities = db.session.scalar(
        select(func.count()).where(activity_themes.c.theme_id == subject.id)
    )
    return (
        render_template("admin/theme.html", theme=subject, form=form, activities=activities or 0),
        status,
    )
