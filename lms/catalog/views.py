"""Routes of the catalog feature: the public catalogue of the offer.

The page of one activity (``enrolment.activity``) belongs to the enrolment feature.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import (
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
from lms.catalog.page_cache import (
    CONTENT_MARKER,
    CSRF_MARKER,
    FRAME,
    FRAME_KEY,
    MINE_MARKER,
    PAGE_KEY,
    SHAREABLE,
    VERSION,
    CataloguePageCache,
    Frame,
    compose,
    public_response,
    split_frame,
)
from lms.catalog.queries import (
    all_themes,
    months_with_activities,
    my_statuses,
    search_catalogue,
)
from lms.common.display_dates import display_month
from lms.common.vocabulary import enrolment_label
from lms.models import ACTIVE_STATUSES, KIND_LABELS, utcnow


def _install_page_cache(state: Any) -> None:
    """Visitors' pages are answered in front of Flask (lms.catalog.page_cache)."""
    app = state.app
    pages = render_cache(app, "lms_catalogue_pages")
    contents = render_cache(app)
    frames = render_cache(app, "lms_catalogue_frames")
    app.wsgi_app = CataloguePageCache(app.wsgi_app, app, pages, contents, frames)


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
    it. For visitors who are not signed in (and carry no session) the whole response is
    kept and answered before Flask (:mod:`lms.catalog.page_cache`), with an ``ETag`` (304
    when unchanged) and ``Cache-Control: public, no-cache`` with ``Vary: Cookie``, so a
    reverse proxy may keep it but asks first. For a signed-in person the frame around the
    content block (header, menu, footer: theirs) is kept per person and the page is put
    together in front of Flask with their own statuses, from one query
    (:func:`_signed_in_page`), and sent ``private, no-store``.
    """
    now = utcnow()
    # Before anything is read (see lms.catalog.cache); the page cache may have read it.
    version = request.environ[VERSION] if VERSION in request.environ else fingerprint()
    cache = render_cache()
    anonymous = not current_user.is_authenticated
    locale = str(get_locale() or "nl")
    content_key = ("content", locale, request.query_string)
    content = cache.get(content_key, version, now) if version is not None else None
    if content is None:
        body, page_number = _render_content(now)
        expires_at = next_change(now) if version is not None else now
        content = make_entry(body, version or (0, 0, 0), expires_at, page_number=page_number)
        if version is not None:
            cache.put(content_key, content)
    if not anonymous:
        return _signed_in_page(content, locale, keep=version is not None)
    html = render_template(
        "catalog/index.html",
        content=Markup(content.body),  # noqa: S704 (our own rendering)
        page_number=content.page_number,
    )
    shareable = current_app.config["SESSION_COOKIE_NAME"] not in request.cookies
    if not shareable:
        return _private_response(html)
    entry = make_entry(html, content.fingerprint, content.expires_at)
    if version is not None and PAGE_KEY in request.environ:
        # The complete response is kept by lms.catalog.page_cache and answered from there.
        request.environ[SHAREABLE] = (request.environ[PAGE_KEY], entry)
    return public_response(entry)


def _signed_in_page(content: Entry, locale: str, *, keep: bool) -> Response:
    """A signed-in person's page: the frame (header, menu, footer: theirs) around the
    shared content block, with their own statuses on the cards.

    The frame is handed to lms.catalog.page_cache, which answers their next requests
    itself, when it is plain: the key the page cache computed is this person's as the
    frame shows them, and no flashed message is in it."""
    key = request.environ.get(FRAME_KEY)
    plain = keep and "_flashes" not in session
    frame = _render_frame(content.page_number)
    ids = [int(value) for value in MINE_MARKER.findall(content.body)]
    mine = my_statuses(current_user.id, ids) if ids else {}
    statuses = {activity_id: status.value for activity_id, status in mine.items()}
    html = compose(frame, content.body, statuses, generate_csrf())
    if plain and key is not None and key[1:6] == _frame_identity(locale):
        request.environ[FRAME] = (key, frame)
    return _private_response(html)


def _frame_identity(locale: str) -> tuple[Any, ...]:
    """Who the person is as the frame shows them, as the page cache's frame key has it."""
    user = current_user
    return (
        user.id,
        user.session_version,
        user.name,
        tuple(sorted(str(role) for role in user.roles)),
        locale,
    )


def _render_frame(page_number: int) -> Frame:
    """The page around the content block, with a marker where the CSRF token goes, and
    the "Jij: …" badges in this language."""
    html = render_template(
        "catalog/index.html",
        content=Markup(CONTENT_MARKER),  # noqa: S704 (our own marker)
        page_number=page_number,
        # Shadows the global: the token is put in per request.
        csrf_token=lambda: CSRF_MARKER,
    )
    parts = split_frame(html)
    if parts is None:  # cannot happen with our templates; render as one piece then
        raise RuntimeError("The catalogue frame has no single place for the content.")
    badges = {
        status.value: '<span class="badge badge-kind cat-mine">'
        f"{escape(_('Jij: %(status)s', status=enrolment_label(status).inline))}</span> "
        for status in ACTIVE_STATUSES
    }
    return Frame(parts[0], parts[1], badges, page_number)


def _private_response(html: str) -> Response:
    response = make_response(html)
    response.headers["Cache-Control"] = "private, no-store"
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
