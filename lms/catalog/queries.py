"""The catalogue's questions: which published activities match, in what order, one page.

Whatever the number of activities and sessions, a page costs the same six queries:

1. the themes and the months that have something (for the filter form, :func:`all_themes`,
   :func:`months_with_activities`);
2. the page: the database filters, orders and cuts the matching activities on their ids
   and session dates alone (with the total as a window count), then joins only the
   page's rows to ``activities`` (:func:`search_catalogue`);
3. the first and last date, places, session and module counts of the page's activities
   (:func:`_facts_by_root`);
4. the themes of those activities and of their modules (:func:`_themes_by_root`);
5. their seat counts (:func:`lms.enrolment.queries.seat_summaries`).

Only a page number beyond the last page adds a count and a second fetch of the last page.

**Cost.** The statements are built once per combination of filters and reused with bound
parameters (building and hashing a statement of this size cost more than running it).
Ordering needs each activity's next session, so query 2 groups the sessions that are not
over yet (all sessions only when past activities are asked for); filters on sessions and
themes are EXISTS that the database answers through an index, never an OR that makes it
visit every activity's sessions for every activity.

**Programmes.** A beroepsopleiding is one card; its modules are not cards of their own.
Enrolling in a programme enrols into every module at once, so a module card would invite
an enrolment that is not possible on its own. The programme's card therefore shows the
dates, places and themes of its modules, and every filter (month, online, theme, text)
looks at the programme *and* its published modules.

**Custom activities** (leeractiviteit op maat) are organised for one organisation and
joined by invitation only; they are left out of the public catalogue (the API still lists
them, see :mod:`lms.api.views.activities`). The kind filter still offers them ("op aanvraag /
maatwerk"): that choice finds no cards, and the page says how to ask SAM for one.

**Text search** looks at the title, summary and description, the titles of a programme's
modules, the places of the sessions and the names of the themes (:func:`_matches_text`).

**Text search** ignores case and accents: "beinvloeden" finds "beïnvloeden", "ZOE" finds
"Zoë", on SQLite and PostgreSQL alike (:mod:`lms.common.text_search`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    and_,
    bindparam,
    case,
    distinct,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased, lazyload

from lms.common.pagination import Page
from lms.common.text_search import folded_contains, like_pattern, search_words, word_regex
from lms.common.timeutil import BRUSSELS, local_to_utc, to_local
from lms.enrolment.queries import SeatSummary, seat_summaries
from lms.extensions import db
from lms.models import (
    ACTIVE_STATUSES,
    Activity,
    ActivityKind,
    ActivitySession,
    ActivityStatus,
    Enrolment,
    EnrolmentStatus,
    SessionStatus,
    Theme,
    activity_themes,
)
from lms.models.base import UTCDateTime

PAGE_SIZE = 12

#: Kinds a person can find in the public catalogue (custom activities are by invitation).
CATALOGUE_KINDS = tuple(kind for kind in ActivityKind if kind != ActivityKind.CUSTOM)


# --- Filters and results -------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueFilters:
    """What a visitor asked for; ``None``/empty means "no filter"."""

    kind: ActivityKind | None = None
    theme: str | None = None  # a theme's slug
    month: date | None = None  # the first day of a month
    mode: str | None = None  # "online" or "ter-plaatse"
    seats_free: bool = False
    text: str = ""
    include_past: bool = False
    page: int = 1

    @property
    def is_filtered(self) -> bool:
        return bool(
            self.kind or self.theme or self.month or self.mode or self.seats_free or self.text
        )


@dataclass
class CatalogueEntry:
    """One card: an activity with what the card shows, computed without extra queries."""

    activity: Activity
    seats: SeatSummary
    first_start: datetime | None
    last_end: datetime | None
    next_start: datetime | None
    session_count: int
    module_count: int
    location: str | None  # one of the places (None: no place, e.g. online only)
    location_count: int
    has_online: bool
    themes: list[Theme] = field(default_factory=list)

    @property
    def is_past(self) -> bool:
        return self.first_start is not None and self.next_start is None

    @property
    def is_online_only(self) -> bool:
        return self.has_online and self.location_count == 0

    @property
    def single_day(self) -> bool:
        if self.first_start is None or self.last_end is None:
            return False
        return to_local(self.first_start).date() == to_local(self.last_end).date()


#: A page of the catalogue: its ``items`` are :class:`CatalogueEntry` cards.
CataloguePage = Page[CatalogueEntry]


#: "The activity or one of its modules" in subqueries. Built once: an alias proxies every
#: column of ``activities``, which costs more than the rest of a query's construction.
OWNER = aliased(Activity, name="owner")

# Statements are built once and reused with new parameters: building a statement of this
# size and computing its cache key costs more Python than the database spends running it.
# Each ``_statement`` function is cached; the values arrive as bound parameters.
_NOW = bindparam("now", type_=UTCDateTime())
_IDS = bindparam("ids", expanding=True)


def all_themes() -> list[Theme]:
    """Every theme, by name (for the filter form)."""
    return list(db.session.scalars(_themes_statement()))


@cache
def _themes_statement():  # type: ignore[no-untyped-def]
    return select(Theme).order_by(Theme.name)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The UTC interval [start, end) of a calendar month in Brussels."""
    start = local_to_utc(datetime(month.year, month.month, 1))
    following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    end = local_to_utc(datetime(following.year, following.month, 1))
    return start, end


def _session_dates(*, future_only: bool):  # type: ignore[no-untyped-def]
    """Per top-level activity: ``next_start`` (first session not over at ``:now``) and
    ``last_end``, over its scheduled sessions and those of its published modules.

    The sessions are first grouped per activity (one pass, no join), then those rows per
    top-level activity. ``future_only`` looks at sessions not yet over only: enough to
    order what is upcoming (an activity with a session to come ends after everything
    that is over) and cheaper than aggregating every session ever held; without it,
    ``last_end`` covers the past too (to order what is over) and an activity without
    any session has no row.
    """
    session = ActivitySession
    if future_only:
        per_activity = select(
            session.activity_id,
            func.min(session.starts_at).label("next_start"),
            func.max(session.ends_at).label("last_end"),
        ).where(session.status == SessionStatus.SCHEDULED, session.ends_at > _NOW)
    else:
        per_activity = select(
            session.activity_id,
            func.min(case((session.ends_at > _NOW, session.starts_at))).label("next_start"),
            func.max(session.ends_at).label("last_end"),
        ).where(session.status == SessionStatus.SCHEDULED)
    dates = per_activity.group_by(session.activity_id).subquery("activity_dates")
    owner = OWNER
    root = func.coalesce(owner.parent_id, owner.id)
    return (
        select(
            root.label("root_id"),
            func.min(dates.c.next_start).label("next_start"),
            func.max(dates.c.last_end).label("last_end"),
        )
        .join(owner, owner.id == dates.c.activity_id)
        .where(owner.status == ActivityStatus.PUBLISHED)
        .group_by(root)
        .subquery("session_dates")
    )


def _has_session(*conditions):  # type: ignore[no-untyped-def]
    """A scheduled session of the activity or of one of its published modules (meeting
    ``conditions``) exists.

    Two EXISTS, each found through an index (sessions by activity, modules by parent):
    one EXISTS over "the activity or a module" (an OR) made the database look at every
    activity's sessions for every activity.
    """
    session, module = ActivitySession, OWNER
    own = exists(
        select(literal(1))
        .select_from(session)
        .where(
            session.activity_id == Activity.id,
            session.status == SessionStatus.SCHEDULED,
            *conditions,
        )
    )
    of_module = exists(
        select(literal(1))
        .select_from(module)
        .join(session, session.activity_id == module.id)
        .where(
            module.parent_id == Activity.id,
            module.status == ActivityStatus.PUBLISHED,
            session.status == SessionStatus.SCHEDULED,
            *conditions,
        )
    )
    return or_(own, of_module)


def _word_params(index: int) -> tuple[Any, Any]:
    """The bound LIKE pattern and regular expression of the ``index``-th search word."""
    return (
        bindparam(f"word_like_{index}", type_=String()),
        bindparam(f"word_regex_{index}", type_=String()),
    )


def _matches_text(word_count: int):  # type: ignore[no-untyped-def]
    """Every one of ``word_count`` words (bound parameters) somewhere in the activity: its
    title, summary or description, a published module's title, the place of a session
    (venue and city: "Antwerpen" finds what is held in Antwerp) or the name of a theme
    ("kinderrechten" finds the theme "Jeugd- en kinderrechten"). Places and themes of
    published modules count for their programme."""
    module = OWNER
    conditions = []
    for index in range(word_count):
        like, regex = _word_params(index)
        conditions.append(
            or_(
                folded_contains(Activity.title, like, regex),
                folded_contains(Activity.summary, like, regex),
                folded_contains(Activity.description, like, regex),
                _has_session(folded_contains(ActivitySession.location, like, regex)),
                _has_theme(folded_contains(Theme.name, like, regex)),
                exists(
                    select(literal(1))
                    .select_from(module)
                    .where(
                        module.parent_id == Activity.id,
                        module.status == ActivityStatus.PUBLISHED,
                        folded_contains(module.title, like, regex),
                    )
                ),
            )
        )
    return and_(*conditions)


def _has_theme(condition=None):  # type: ignore[no-untyped-def]
    """The activity or one of its published modules has a theme meeting ``condition``
    (default: the theme ``:theme``, a slug).

    Two EXISTS, each found through an index (see :func:`_has_session`).
    """
    link, module = activity_themes, OWNER
    if condition is None:
        condition = Theme.slug == bindparam("theme", type_=String())
    own = exists(
        select(literal(1))
        .select_from(link)
        .join(Theme, Theme.id == link.c.theme_id)
        .where(link.c.activity_id == Activity.id, condition)
    )
    of_module = exists(
        select(literal(1))
        .select_from(module)
        .join(link, link.c.activity_id == module.id)
        .join(Theme, Theme.id == link.c.theme_id)
        .where(
            module.parent_id == Activity.id,
            module.status == ActivityStatus.PUBLISHED,
            condition,
        )
    )
    return or_(own, of_module)


def _seats_taken():  # type: ignore[no-untyped-def]
    """Confirmed seats plus seats held by an open offer (as :class:`SeatSummary.taken`)."""
    status = Enrolment.status
    return (
        select(func.count(Enrolment.id))
        .where(
            Enrolment.activity_id == Activity.id,
            or_(
                status == EnrolmentStatus.CONFIRMED,
                and_(status == EnrolmentStatus.WAITLISTED, Enrolment.offer_expires_at.is_not(None)),
            ),
        )
        .scalar_subquery()
    )


@dataclass(frozen=True)
class _Shape:
    """Which filters a search uses (not their values): one statement per shape."""

    kind: bool
    theme: bool
    month: bool
    mode: str | None
    seats_free: bool
    word_count: int
    include_past: bool
    per_page: int


def _shape_and_params(
    filters: CatalogueFilters, now: datetime, per_page: int
) -> tuple[_Shape, dict[str, Any]]:
    """The statement's shape and the values of its parameters."""
    params: dict[str, Any] = {"now": now}
    include_past = filters.include_past
    if filters.kind is not None:
        params["kind"] = filters.kind
    if filters.theme:
        params["theme"] = filters.theme
    if filters.month is not None:
        params["month_start"], params["month_end"] = month_bounds(filters.month)
        # Asking for a month that is over means asking for what happened then.
        include_past = include_past or params["month_end"] <= now
    words = search_words(filters.text)
    for index, word in enumerate(words):
        params[f"word_like_{index}"] = like_pattern(word)
        params[f"word_regex_{index}"] = word_regex(word)
    shape = _Shape(
        kind=filters.kind is not None,
        theme=bool(filters.theme),
        month=filters.month is not None,
        mode=filters.mode if filters.mode in ("online", "ter-plaatse") else None,
        seats_free=filters.seats_free,
        word_count=len(words),
        include_past=include_past,
        per_page=per_page,
    )
    return shape, params


def _conditions(shape: _Shape) -> list:  # type: ignore[type-arg]
    """The WHERE conditions on ``activities`` for a search of this shape."""
    conditions = [
        Activity.parent_id.is_(None),
        Activity.status == ActivityStatus.PUBLISHED,
        Activity.kind.in_(CATALOGUE_KINDS),
    ]
    if shape.kind:
        conditions.append(Activity.kind == bindparam("kind", type_=Activity.kind.type))
    if shape.theme:
        conditions.append(_has_theme())
    if shape.month:
        starts_at = ActivitySession.starts_at
        conditions.append(
            _has_session(
                starts_at >= bindparam("month_start", type_=UTCDateTime()),
                starts_at < bindparam("month_end", type_=UTCDateTime()),
            )
        )
    if shape.mode == "online":
        conditions.append(_has_session(ActivitySession.online_url != ""))
    elif shape.mode == "ter-plaatse":
        conditions.append(_has_session(ActivitySession.location != ""))
    if shape.seats_free:
        conditions.append(or_(Activity.capacity.is_(None), _seats_taken() < Activity.capacity))
        conditions.append(
            or_(Activity.enrolment_closes_at.is_(None), Activity.enrolment_closes_at > _NOW)
        )
    if shape.word_count:
        conditions.append(_matches_text(shape.word_count))
    return conditions


@lru_cache(maxsize=512)
def _search_statements(shape: _Shape):  # type: ignore[no-untyped-def]
    """The page statement and the count statement (only for a page beyond the last).

    The database selects, sorts and cuts the page on activity ids and dates alone (with
    the total as a window count); only the page's rows are then joined to
    ``activities`` for the cards. Order: upcoming first (by next session, then the one
    that ends last), then undated, then (only when asked for) what is over, latest
    first; then by title.
    """
    dates = _session_dates(future_only=not shape.include_past)
    if shape.include_past:
        keep = []
        bucket = case(
            (dates.c.next_start.is_not(None), 0),
            (dates.c.root_id.is_(None), 1),  # no sessions: "data volgen"
            else_=2,
        )
    else:
        # Hide what is over; keep what has no sessions yet ("data volgen").
        keep = [or_(dates.c.next_start.is_not(None), ~_has_session())]
        bucket = case((dates.c.next_start.is_not(None), 0), else_=1)
    conditions = _conditions(shape)
    # "+ 0": SQLite then indexes the grouped subquery for the join (an automatic index)
    # instead of scanning it once per activity; PostgreSQL hash-joins either way.
    matching = select(Activity.id).outerjoin(dates, dates.c.root_id == Activity.id + 0)
    page = (
        matching.add_columns(
            Activity.title,
            bucket.label("bucket"),
            dates.c.next_start,
            dates.c.last_end,
            func.count().over().label("total"),
        )
        .where(*conditions, *keep)
        .order_by(bucket, dates.c.next_start, dates.c.last_end.desc(), Activity.title, Activity.id)
        .limit(shape.per_page)
        .offset(bindparam("offset", type_=Integer()))
        .subquery("page")
    )
    page_statement = (
        select(Activity, page.c.next_start, page.c.total)
        .join(page, page.c.id == Activity.id)
        .options(lazyload(Activity.themes))
        .order_by(page.c.bucket, page.c.next_start, page.c.last_end.desc(), page.c.title, page.c.id)
    )
    count_statement = (
        select(func.count(Activity.id))
        .outerjoin(dates, dates.c.root_id == Activity.id + 0)
        .where(*conditions, *keep)
    )
    return page_statement, count_statement


def search_catalogue(
    filters: CatalogueFilters, *, now: datetime, per_page: int = PAGE_SIZE
) -> CataloguePage:
    """One page of the catalogue: upcoming first (by next session), then undated, then past.

    One query finds the page and the total (a window count), whatever the size of the
    offer; further queries only concern the page's activities. A page number beyond the
    last page gives the last page (one count more, only then).
    """
    shape, params = _shape_and_params(filters, now, per_page)
    page_statement, count_statement = _search_statements(shape)
    page = max(filters.page, 1)
    rows = db.session.execute(page_statement, {**params, "offset": (page - 1) * per_page}).all()
    if not rows and page > 1:  # beyond the last page: show the last one
        total = db.session.scalar(count_statement, params) or 0
        page = max(1, math.ceil(total / per_page))
        if total:
            offset = (page - 1) * per_page
            rows = db.session.execute(page_statement, {**params, "offset": offset}).all()
    if not rows:
        return CataloguePage(items=[], page=1, per_page=per_page, total=0)

    activities = [row[0] for row in rows]
    ids = [a.id for a in activities]
    facts = _facts_by_root(ids)
    themes = _themes_by_root(ids)
    summaries = seat_summaries(activities)
    entries = []
    for activity, next_start, _total in rows:
        fact = facts.get(activity.id, _NO_FACTS)
        entries.append(
            CatalogueEntry(
                activity=activity,
                seats=summaries[activity.id],
                first_start=fact.first_start,
                last_end=fact.last_end,
                next_start=next_start,
                session_count=fact.session_count,
                module_count=fact.module_count,
                location=fact.location,
                location_count=fact.location_count,
                has_online=fact.has_online,
                themes=themes.get(activity.id, []),
            )
        )
    return CataloguePage(items=entries, page=page, per_page=per_page, total=int(rows[0].total))


@dataclass(frozen=True)
class _Facts:
    first_start: datetime | None = None
    last_end: datetime | None = None
    session_count: int = 0
    module_count: int = 0
    location: str | None = None
    location_count: int = 0
    has_online: bool = False


_NO_FACTS = _Facts()


def _of_roots():  # type: ignore[no-untyped-def]
    """``OWNER`` is one of the activities ``:ids`` or a published module of one."""
    owner = OWNER
    return or_(
        owner.id.in_(_IDS),
        and_(owner.parent_id.in_(_IDS), owner.status == ActivityStatus.PUBLISHED),
    )


@cache
def _facts_statement():  # type: ignore[no-untyped-def]
    owner = OWNER
    session = ActivitySession
    root = func.coalesce(owner.parent_id, owner.id)
    place = func.nullif(session.location, "")
    return (
        select(
            root,
            func.count(session.id),
            func.count(distinct(case((owner.parent_id.is_not(None), owner.id)))),
            func.count(distinct(place)),
            func.min(place),
            func.max(case((session.online_url != "", 1), else_=0)),
            func.min(session.starts_at),
            func.max(session.ends_at),
        )
        .select_from(owner)
        .outerjoin(
            session,
            and_(session.activity_id == owner.id, session.status == SessionStatus.SCHEDULED),
        )
        .where(_of_roots())
        .group_by(root)
    )


def _facts_by_root(activity_ids: list[int]) -> dict[int, _Facts]:
    """First and last date, sessions, places and modules of each activity (with its
    published modules), in one query."""
    rows = db.session.execute(_facts_statement(), {"ids": activity_ids}).all()
    return {
        row[0]: _Facts(
            first_start=row[6],
            last_end=row[7],
            session_count=int(row[1] or 0),
            module_count=int(row[2] or 0),
            location=row[4],
            location_count=int(row[3] or 0),
            has_online=bool(row[5]),
        )
        for row in rows
    }


@cache
def _themes_by_root_statement():  # type: ignore[no-untyped-def]
    owner = OWNER
    root = func.coalesce(owner.parent_id, owner.id)
    return (
        select(root, Theme)
        .select_from(activity_themes)
        .join(Theme, Theme.id == activity_themes.c.theme_id)
        .join(owner, owner.id == activity_themes.c.activity_id)
        .where(_of_roots())
        .order_by(Theme.name)
    )


def _themes_by_root(activity_ids: list[int]) -> dict[int, list[Theme]]:
    """The themes of each activity and of its published modules, by name, in one query."""
    if not activity_ids:
        return {}
    rows = db.session.execute(_themes_by_root_statement(), {"ids": activity_ids}).all()
    result: dict[int, list[Theme]] = {}
    for root_id, theme in rows:
        themes = result.setdefault(root_id, [])
        if theme not in themes:
            themes.append(theme)
    return result


@cache
def _my_statuses_statement():  # type: ignore[no-untyped-def]
    return select(Enrolment.activity_id, Enrolment.status).where(
        Enrolment.user_id == bindparam("user_id"),
        Enrolment.activity_id.in_(_IDS),
        Enrolment.status.in_(ACTIVE_STATUSES),
    )


def my_statuses(user_id: int, activity_ids: list[int]) -> dict[int, EnrolmentStatus]:
    """The person's enrolment status per activity (active ones only), in one query."""
    if not activity_ids:
        return {}
    rows = db.session.execute(
        _my_statuses_statement(), {"user_id": user_id, "ids": activity_ids}
    ).all()
    return dict(rows)  # type: ignore[arg-type]


def month_choices(today: date, count: int = 12) -> list[date]:
    """The first days of this month and the ``count - 1`` following ones."""
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def months_with_activities(now: datetime, count: int = 12) -> list[date]:
    """Of this month and the ``count - 1`` following ones, those in which the catalogue
    has something: a scheduled session, not over yet, of a published activity it lists
    (or of a published module of one). One query, whatever the offer: per month one
    EXISTS that the database answers from the index on ``starts_at``."""
    months = month_choices(today_in_brussels(now), count)
    params: dict[str, Any] = {"now": now}
    for index, month in enumerate(months):
        params[f"month_start_{index}"], params[f"month_end_{index}"] = month_bounds(month)
    found = set(db.session.scalars(_months_statement(len(months)), params))
    return [month for index, month in enumerate(months) if index in found]


@cache
def _months_statement(count: int):  # type: ignore[no-untyped-def]
    session, owner = ActivitySession, OWNER
    parent = aliased(Activity, name="parent")
    listed = or_(
        and_(owner.parent_id.is_(None), owner.kind.in_(CATALOGUE_KINDS)),
        and_(parent.status == ActivityStatus.PUBLISHED, parent.kind.in_(CATALOGUE_KINDS)),
    )
    selects = []
    for index in range(count):
        starts_at = session.starts_at
        has_session = exists(
            select(literal(1))
            .select_from(session)
            .join(owner, owner.id == session.activity_id)
            .outerjoin(parent, parent.id == owner.parent_id)
            .where(
                starts_at >= bindparam(f"month_start_{index}", type_=UTCDateTime()),
                starts_at < bindparam(f"month_end_{index}", type_=UTCDateTime()),
                session.ends_at > _NOW,
                session.status == SessionStatus.SCHEDULED,
                owner.status == ActivityStatus.PUBLISHED,
                listed,
            )
        )
        selects.append(select(literal(index, Integer()).label("month")).where(has_session))
    return union_all(*selects)


def today_in_brussels(now: datetime) -> date:
    return now.astimezone(BRUSSELS).date()
