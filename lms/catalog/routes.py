"""Routes of the catalog feature: the public catalogue of the offer.

The activity page itself (``catalog.activity``) lives in :mod:`lms.catalog.activity_page`,
imported at the bottom so it registers on the same blueprint.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    make_response,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from lms.catalog.cache import Entry, fingerprint, make_entry, next_change, render_cache
from lms.catalog.forms import MODES, CatalogueFilterForm, filter_args
from lms.catalog.page_cache import PAGE_KEY, SHAREABLE, VERSION, CataloguePageCache
from lms.catalog.queries import (
    all_themes,
    months_with_activities,
    my_statuses,
    search_catalogue,
)
from lms.display_dates import display_month
from lms.models import KIND_LABELS, EnrolmentStatus, utcnow
from lms.web import FONT_SIZE_COOKIE

bp = Blueprint("catalog", __name__)


@bp.record_once
def _install_page_cache(state: Any) -> None:
    """Visitors' pages are answered in front of Flask (lms.catalog.page_cache)."""
    app = state.app
    pages = render_cache(app, "lms_catalogue_pages")
    app.wsgi_app = CataloguePageCache(app.wsgi_app, app, pages)


@bp.get("/activities")
def index() -> Any:
    """The catalogue: published activities as cards, filtered by query parameters.

    SAM's website links here; every parameter is optional and can be combined:

    ``q``
        words to find in the title, summary, description, the sessions' places and
        the themes' names (case and accents do not matter; a programme is also found
        by its modules' titles, places and themes), e.g. ``q=woonbeleid``, ``q=antwerpen``.
    ``soort``
        the kind: ``programme``, ``course``, ``lecture``, ``intervision``,
        ``practice_group``; ``custom`` (op aanvraag / maatwerk) lists nothing and says
        how to ask SAM for an activity on request.
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

    **Cached** (:mod:`lms.catalog.cache`): the content block is rendered once per version
    of the offer, per language and query, and kept until the offer or the clock changes
    it; the person's own statuses are filled in per request (:func:`fill_in_mine`). For
    visitors who are not signed in (and carry no session) the whole response is kept and
    answered before Flask (:mod:`lms.catalog.page_cache`), with an ``ETag`` (304 when
    unchanged) and ``Cache-Control: public, no-cache`` with ``Vary: Cookie``, so a reverse
    proxy may keep it but asks first. A signed-in person's whole page is kept per person
    (:func:`_personal_key`) and sent ``private, no-store``.
    """
    now = utcnow()
    # Before anything is read (see lms.catalog.cache); the page cache may have read it.
    version = request.environ[VERSION] if VERSION in request.environ else fingerprint()
    cache = render_cache()
    anonymous = not current_user.is_authenticated
    locale = str(get_locale() or "nl")
    personal_key = None
    if not anonymous and version is not None and "_flashes" not in session:
        personal_key = _personal_key(locale)
        kept = cache.get(personal_key, version, now)
        if kept is not None:
            return _private_response(kept.body.replace(_CSRF_MARKER, generate_csrf()))

    content_key = ("content", locale, request.query_string)
    content = cache.get(content_key, version, now) if version is not None else None
    if content is None:
        body, page_number = _render_content(now)
        expires_at = next_change(now) if version is not None else now
        content = make_entry(body, version or (0, 0, 0), expires_at, page_number=page_number)
        if version is not None:
            cache.put(content_key, content)
    mine: dict[int, EnrolmentStatus] = {}
    if not anonymous:
        ids = [int(value) for value in _MINE_MARKER.findall(content.body)]
        if ids:
            mine = my_statuses(current_user.id, ids)
    html = render_template(
        "catalog/index.html",
        content=Markup(fill_in_mine(content.body, mine)),  # noqa: S704 (our own rendering)
        page_number=content.page_number,
        # Shadows the global: the token is put in per request (see _personal_key).
        **({"csrf_token": lambda: _CSRF_MARKER} if personal_key else {}),
    )
    if not anonymous:
        if personal_key is not None:
            cache.put(personal_key, make_entry(html, content.fingerprint, content.expires_at))
            html = html.replace(_CSRF_MARKER, generate_csrf())
        return _private_response(html)
    shareable = current_app.config["SESSION_COOKIE_NAME"] not in request.cookies
    if not shareable:
        return _private_response(html)
    entry = make_entry(html, content.fingerprint, content.expires_at)
    if version is not None and PAGE_KEY in request.environ:
        # The complete response is kept by lms.catalog.page_cache and answered from there.
        request.environ[SHAREABLE] = (request.environ[PAGE_KEY], entry)
    return _public_response(entry)


#: Where a signed-in person's kept page gets this request's CSRF token.
_CSRF_MARKER = "lms-csrf-token-placeholder"


def _personal_key(locale: str) -> tuple[Any, ...]:
    """What a signed-in person's whole page varies by, besides the offer's version: who
    they are as the page shows them (name, roles for the menu), language, text size and
    URL (the preference forms return to it). Their own statuses change the version (the
    enrolments are watched), flashed messages bypass the cache, and the CSRF token is put
    in per request."""
    user = current_user
    return (
        "personal",
        user.id,
        user.name,
        tuple(sorted(user.roles)),
        locale,
        request.cookies.get(FONT_SIZE_COOKIE, ""),
        request.full_path,
    )


def _private_response(html: str) -> Response:
    response = make_response(html)
    response.headers["Cache-Control"] = "private, no-store"
    response.vary.add("Cookie")
    return response


#: Where a card shows the person's own status (templates/catalog/_card.html).
_MINE_MARKER = re.compile(r"<!--lms-mine-(\d+)-->")


def fill_in_mine(body: str, mine: dict[int, EnrolmentStatus]) -> str:
    """The shared rendering with "Jij: …" on the cards of the person's own enrolments."""

    def badge(match: re.Match[str]) -> str:
        status = mine.get(int(match.group(1)))
        if status is None:
            return ""
        label = escape(_("Jij: %(status)s", status=_(status.label)))
        return f'<span class="badge badge-kind cat-mine">{label}</span> '

    return _MINE_MARKER.sub(badge, body)


def _public_response(entry: Entry) -> Response:
    """The page for visitors who are not signed in: the same for all of them (per language,
    text size and URL), so a shared cache may keep it, revalidating each time (ETag)."""
    if request.if_none_match.contains(entry.etag):
        response = Response(status=304)
    else:
        response = make_response(entry.body)
    response.set_etag(entry.etag)
    response.headers["Cache-Control"] = "public, no-cache"
    # Signed-in visitors (session cookie), text size and language (cookies) vary the page.
    response.vary.add("Cookie")
    return response


def _render_content(now: datetime) -> tuple[str, int]:
    """The content block (the same for everyone) and its page number."""
    themes = all_themes()
    form = CatalogueFilterForm(formdata=request.args)
    form.prepare(themes, months_with_activities(now))
    filters = form.to_filters(themes, page=request.args.get("pagina"))
    result = search_catalogue(filters, now=now)
    args = filter_args(filters)

    def page_url(number: int) -> str:
        return url_for("catalog.index", **args, **({"pagina": str(number)} if number > 1 else {}))

    body = render_template(
        "catalog/_content.html",
        form=form,
        filters=filters,
        result=result,
        now=now,
        page_url=page_url,
        active_filters=_active_filters(filters, args, themes),
        form_filter_count=len([name for name in args if name != "q"]),
        clear_url=url_for("catalog.index"),
        past_url=url_for("catalog.index", **{**args, "afgelopen": "1"}),
    )
    return body, result.page


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
