"""Routes of the catalog feature: the public catalogue of the offer.

The activity page itself (``catalog.activity``) lives in :mod:`lms.catalog.activity_page`,
imported at the bottom so it registers on the same blueprint.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.catalog.forms import MODES, CatalogueFilterForm, filter_args
from lms.catalog.queries import (
    all_themes,
    month_choices,
    my_statuses,
    search_catalogue,
    today_in_brussels,
)
from lms.display_dates import display_month
from lms.models import KIND_LABELS, utcnow

bp = Blueprint("catalog", __name__)


@bp.get("/activities")
def index() -> Any:
    """The catalogue: published activities as cards, filtered by query parameters.

    SAM's website links here; every parameter is optional and can be combined:

    ``q``
        words to find in the title and summary (case and accents do not matter;
        a programme is also found by its modules' titles), e.g. ``q=woonbeleid``.
    ``soort``
        the kind: ``programme``, ``course``, ``lecture``, ``intervision``,
        ``practice_group``.
    ``thema``
        a theme's slug, e.g. ``thema=wonen``, ``thema=politiserend-sociaal-werk``.
    ``maand``
        ``jjjj-mm``: activities with a session in that month (Brussels time), e.g.
        ``maand=2026-12``. A month that is over also shows activities that are over.
    ``vorm``
        ``online`` (at least one session can be followed online) or ``ter-plaatse``
        (at least one session has a place); hybrid activities match both.
    ``vrij``
        ``1``: only activities with a free seat (or no limit) whose enrolment has not
        closed.
    ``afgelopen``
        ``1``: also activities whose sessions are all over (hidden by default).
    ``pagina``
        the page number (12 per page); beyond the last page shows the last page.

    Example: ``/activities?soort=course&thema=wonen&maand=2026-12&vorm=online&vrij=1``.
    Unknown values are ignored with a message next to their field.
    """
    now = utcnow()
    themes = all_themes()
    form = CatalogueFilterForm(formdata=request.args)
    form.prepare(themes, month_choices(today_in_brussels(now)))
    filters = form.to_filters(themes, page=request.args.get("pagina"))
    result = search_catalogue(filters, now=now)
    mine = {}
    if current_user.is_authenticated and result.items:
        mine = my_statuses(current_user.id, [entry.activity.id for entry in result.items])
    args = filter_args(filters)

    def page_url(number: int) -> str:
        return url_for("catalog.index", **args, **({"pagina": str(number)} if number > 1 else {}))

    return render_template(
        "catalog/index.html",
        form=form,
        filters=filters,
        result=result,
        now=now,
        page_url=page_url,
        mine=mine,
        active_filters=_active_filters(filters, args, themes),
        form_filter_count=len([name for name in args if name != "q"]),
        clear_url=url_for("catalog.index"),
        past_url=url_for("catalog.index", **{**args, "afgelopen": "1"}),
    )


def _active_filters(filters: Any, args: dict[str, str], themes: list[Any]) -> list[dict[str, str]]:
    """Each active filter with a link that removes it."""
    labels = {
        "q": lambda: f"‘{filters.text}’",
        "soort": lambda: _(KIND_LABELS[filters.kind]),
        "thema": lambda: next(t.name for t in themes if t.slug == filters.theme),
        "maand": lambda: display_month(filters.month.year, filters.month.month),
        "vorm": lambda: str(MODES[filters.mode]).lower(),
        "vrij": lambda: _("met vrije plaatsen"),
        "afgelopen": lambda: _("ook afgelopen"),
    }
    active = []
    for name in args:
        rest = {key: value for key, value in args.items() if key != name}
        active.append(
            {"name": name, "label": labels[name](), "url": url_for("catalog.index", **rest)}
        )
    return active


from lms.catalog import activity_page  # noqa: E402,F401
