"""The catalogue's questions: which published activities match, in what order, one page.

Whatever the number of activities and sessions, a page costs the same five queries:

1. the themes (for the filter form, :func:`all_themes`);
2. the page of matching activities with the total (a window count), ordered by their
   next session, the dates computed from one grouped pass over the sessions;
3. the places, session and module counts of the page's activities (:func:`_facts_by_root`);
4. the themes of those activities and of their modules (:func:`_themes_by_root`);
5. their seat counts (:func:`lms.enrolment.queries.seat_summaries`).

Only a page number beyond the last page adds a count and a second fetch of the last page.

**Programmes.** A beroepsopleiding is one card; its modules are not cards of their own.
Enrolling in a programme enrols into every module at once, so a module card would invite
an enrolment that is not possible on its own. The programme's card therefore shows the
dates, places and themes of its modules, and every filter (month, online, theme, text)
looks at the programme *and* its published modules.

**Custom activities** (leeractiviteit op maat) are organised for one organisation and
joined by invitation only; they are left out of the public catalogue (the API still lists
them, see :mod:`lms.api.activities`).

**Text search** ignores case and accents: "beinvloeden" finds "beïnvloeden", "ZOE" finds
"Zoë". SQLite compares :func:`fold_text` of both sides (a function ``lms_fold`` registered
on every connection); PostgreSQL matches a regular expression that lists every accented
form of each letter (see :class:`folded_contains`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    and_,
    case,
    distinct,
    event,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased, lazyload
from sqlalchemy.sql.functions import FunctionElement

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
from lms.timeutil import BRUSSELS, local_to_utc, to_local

PAGE_SIZE = 12
MAX_SEARCH_WORDS = 8

#: Kinds a person can find in the public catalogue (custom activities are by invitation).
CATALOGUE_KINDS = tuple(kind for kind in ActivityKind if kind != ActivityKind.CUSTOM)


# --- Case and accent folding ----------------------------------------------------------

_FOLD_PAIRS = {
    "a": "àáâãäåāăą",
    "c": "çćčĉċ",
    "d": "ďđ",
    "e": "èéêëēĕėęě",
    "g": "ğĝġģ",
    "i": "ìíîïīĭįı",
    "l": "łľĺļ",
    "n": "ñńňņ",
    "o": "òóôõöøōŏő",
    "r": "řŕ",
    "s": "śšşșŝ",
    "t": "ťţț",
    "u": "ùúûüūŭůűų",
    "y": "ýÿ",
    "z": "źżž",
}
FOLD_FROM = "".join(_FOLD_PAIRS.values())
FOLD_TO = "".join(plain * len(accented) for plain, accented in _FOLD_PAIRS.items())
_FOLD_TABLE = str.maketrans(FOLD_FROM, FOLD_TO)


def fold_text(value: str | None) -> str | None:
    """Lower case without accents: ``"Beïnvloeden"`` → ``"beinvloeden"``."""
    if value is None:
        return None
    return value.lower().translate(_FOLD_TABLE)


#: Per plain letter: itself and its accented forms, lower and upper case.
_LETTER_CLASSES = {
    plain: "".join(dict.fromkeys(plain + accented + (plain + accented).upper()))
    for plain, accented in _FOLD_PAIRS.items()
}


def word_regex(word: str) -> str:
    """A PostgreSQL regular expression matching ``word`` (folded) with any case or accent.

    ``"cafe"`` → ``[cCçÇ…][aAàÀ…][fF][eEèÈ…]``; other characters are matched literally.
    """
    parts = []
    for char in word:
        if char.isalpha():
            letters = _LETTER_CLASSES.get(char, char + char.upper())
            parts.append(f"[{''.join(dict.fromkeys(letters))}]")
        elif char.isalnum():
            parts.append(char)
        else:
            parts.append("\\" + char)  # a backslash before a non-alphanumeric: literal
    return "".join(parts)


class folded_contains(FunctionElement):  # noqa: N801 (an SQL construct, named like one)
    """SQL: ``column`` contains a word, ignoring case and accents.

    SQLite: ``lms_fold(column) LIKE '%word%'`` (``lms_fold`` is :func:`fold_text`,
    registered on every connection). PostgreSQL: ``column ~ '[wW][oOòÒ…]…'``, a regular
    expression with every accented form (fast; ``translate()`` per row is not).
    """

    type = Boolean()
    name = "folded_contains"
    inherit_cache = True


def contains_folded(column, word: str) -> folded_contains:  # type: ignore[no-untyped-def]
    return folded_contains(column, literal(_like_pattern(word)), literal(word_regex(word)))


@compiles(folded_contains)
def _folded_contains_sqlite(element: folded_contains, compiler, **kw) -> str:  # type: ignore[no-untyped-def]
    column, like, _regex = list(element.clauses)
    return (
        f"lms_fold({compiler.process(column, **kw)}) LIKE {compiler.process(like, **kw)} "
        "ESCAPE '\\'"
    )


@compiles(folded_contains, "postgresql")
def _folded_contains_postgresql(element: folded_contains, compiler, **kw) -> str:  # type: ignore[no-untyped-def]
    column, _like, regex = list(element.clauses)
    return f"({compiler.process(column, **kw)} ~ {compiler.process(regex, **kw)})"


def _register_sqlite_fold(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.create_function("lms_fold", 1, fold_text, deterministic=True)


if not event.contains(Engine, "connect", _register_sqlite_fold):
    event.listen(Engine, "connect", _register_sqlite_fold)


def _like_pattern(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_words(text: str) -> list[str]:
    """The folded words of a search text (at most :data:`MAX_SEARCH_WORDS`)."""
    return [w for w in (fold_text(text) or "").split() if w][:MAX_SEARCH_WORDS]


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


@dataclass
class CataloguePage:
    entries: list[CatalogueEntry]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return min(self.page * self.per_page, self.total)

    def page_numbers(self, around: int = 2) -> list[int | None]:
        """Page numbers to link, ``None`` where a gap is (``1 … 4 5 6 … 20``)."""
        shown = {1, self.pages, *range(self.page - around, self.page + around + 1)}
        numbers: list[int | None] = []
        for number in sorted(n for n in shown if 1 <= n <= self.pages):
            if numbers and number - (numbers[-1] or 0) > 1:
                numbers.append(None)
            numbers.append(number)
        return numbers


#: "The activity or one of its modules" in subqueries. Built once: an alias proxies every
#: column of ``activities``, which costs more than the rest of a query's construction.
OWNER = aliased(Activity, name="owner")


def all_themes() -> list[Theme]:
    return list(db.session.scalars(select(Theme).order_by(Theme.name)))


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The UTC interval [start, end) of a calendar month in Brussels."""
    start = local_to_utc(datetime(month.year, month.month, 1))
    following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    end = local_to_utc(datetime(following.year, following.month, 1))
    return start, end


def _session_dates(now: datetime):  # type: ignore[no-untyped-def]
    """Per top-level activity: first start, last end and next start of its sessions.

    The sessions of an activity and of its published modules, grouped by the top-level
    activity, in one pass over the sessions (a hash join on PostgreSQL).
    """
    owner, session = OWNER, ActivitySession
    root = func.coalesce(owner.parent_id, owner.id)
    return (
        select(
            root.label("root_id"),
            func.min(session.starts_at).label("first_start"),
            func.max(session.ends_at).label("last_end"),
            func.min(case((session.ends_at > now, session.starts_at))).label("next_start"),
        )
        .join(owner, owner.id == session.activity_id)
        .where(
            session.status == SessionStatus.SCHEDULED,
            owner.status == ActivityStatus.PUBLISHED,
        )
        .group_by(root)
        .subquery("session_dates")
    )


def _has_session(*conditions):  # type: ignore[no-untyped-def]
    """EXISTS a scheduled session of the activity or of one of its published modules."""
    owner = OWNER
    return exists(
        select(literal(1))
        .select_from(ActivitySession)
        .join(owner, owner.id == ActivitySession.activity_id)
        .where(
            ActivitySession.status == SessionStatus.SCHEDULED,
            owner.status == ActivityStatus.PUBLISHED,
            or_(owner.id == Activity.id, owner.parent_id == Activity.id),
            *conditions,
        )
    )


def _matches_text(words: list[str]):  # type: ignore[no-untyped-def]
    module = OWNER
    conditions = []
    for word in words:
        conditions.append(
            or_(
                contains_folded(Activity.title, word),
                contains_folded(Activity.summary, word),
                exists(
                    select(literal(1))
                    .select_from(module)
                    .where(
                        module.parent_id == Activity.id,
                        module.status == ActivityStatus.PUBLISHED,
                        contains_folded(module.title, word),
                    )
                ),
            )
        )
    return and_(*conditions)


def _has_theme(slug: str):  # type: ignore[no-untyped-def]
    owner = OWNER
    return exists(
        select(literal(1))
        .select_from(activity_themes)
        .join(Theme, Theme.id == activity_themes.c.theme_id)
        .join(owner, owner.id == activity_themes.c.activity_id)
        .where(
            Theme.slug == slug,
            or_(
                owner.id == Activity.id,
                and_(owner.parent_id == Activity.id, owner.status == ActivityStatus.PUBLISHED),
            ),
        )
    )


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


def _conditions(filters: CatalogueFilters, now: datetime) -> tuple[list, bool]:  # type: ignore[type-arg]
    """The WHERE conditions on ``activities``, and whether activities that are over count."""
    conditions = [
        Activity.parent_id.is_(None),
        Activity.status == ActivityStatus.PUBLISHED,
        Activity.kind.in_(CATALOGUE_KINDS),
    ]
    include_past = filters.include_past
    if filters.kind is not None:
        conditions.append(Activity.kind == filters.kind)
    if filters.theme:
        conditions.append(_has_theme(filters.theme))
    if filters.month is not None:
        start, end = month_bounds(filters.month)
        conditions.append(
            _has_session(ActivitySession.starts_at >= start, ActivitySession.starts_at < end)
        )
        # Asking for a month that is over means asking for what happened then.
        include_past = include_past or end <= now
    if filters.mode == "online":
        conditions.append(_has_session(ActivitySession.online_url != ""))
    elif filters.mode == "ter-plaatse":
        conditions.append(_has_session(ActivitySession.location != ""))
    if filters.seats_free:
        conditions.append(or_(Activity.capacity.is_(None), _seats_taken() < Activity.capacity))
        conditions.append(
            or_(Activity.enrolment_closes_at.is_(None), Activity.enrolment_closes_at > now)
        )
    words = search_words(filters.text)
    if words:
        conditions.append(_matches_text(words))
    return conditions, include_past


def search_catalogue(
    filters: CatalogueFilters, *, now: datetime, per_page: int = PAGE_SIZE
) -> CataloguePage:
    """One page of the catalogue: upcoming first (by next session), then undated, then past.

    One query finds the page and the total (a window count), whatever the size of the
    offer; further queries only concern the page's activities. A page number beyond the
    last page gives the last page (one count more, only then).
    """
    conditions, include_past = _conditions(filters, now)
    dates = _session_dates(now)
    keep = (
        []
        if include_past
        else [
            # Hide what is over; keep what has no sessions yet ("data volgen").
            or_(dates.c.next_start.is_not(None), dates.c.first_start.is_(None))
        ]
    )
    bucket = case(
        (dates.c.next_start.is_not(None), 0),
        (dates.c.first_start.is_(None), 1),
        else_=2,
    )
    # "+ 0": SQLite then indexes the grouped subquery for the join (an automatic index)
    # instead of scanning it once per activity; PostgreSQL hash-joins either way.
    joined = select(Activity).outerjoin(dates, dates.c.root_id == Activity.id + 0)
    page_query = (
        joined.add_columns(
            dates.c.first_start,
            dates.c.last_end,
            dates.c.next_start,
            func.count().over().label("total"),
        )
        .where(*conditions, *keep)
        .options(lazyload(Activity.themes))
        .order_by(bucket, dates.c.next_start, dates.c.last_end.desc(), Activity.title, Activity.id)
        .limit(per_page)
    )
    page = max(filters.page, 1)
    rows = db.session.execute(page_query.offset((page - 1) * per_page)).all()
    if not rows and page > 1:  # beyond the last page: show the last one
        count = select(func.count(Activity.id)).outerjoin(dates, dates.c.root_id == Activity.id + 0)
        total = db.session.scalar(count.where(*conditions, *keep)) or 0
        page = max(1, math.ceil(total / per_page))
        rows = db.session.execute(page_query.offset((page - 1) * per_page)).all() if total else []
    if not rows:
        return CataloguePage([], 0, 1, per_page)

    activities = [row[0] for row in rows]
    ids = [a.id for a in activities]
    facts = _facts_by_root(ids)
    themes = _themes_by_root(ids)
    summaries = seat_summaries(activities)
    entries = []
    for row in rows:
        activity = row[0]
        fact = facts.get(activity.id, _NO_FACTS)
        entries.append(
            CatalogueEntry(
                activity=activity,
                seats=summaries[activity.id],
                first_start=row.first_start,
                last_end=row.last_end,
                next_start=row.next_start,
                session_count=fact.session_count,
                module_count=fact.module_count,
                location=fact.location,
                location_count=fact.location_count,
                has_online=fact.has_online,
                themes=themes.get(activity.id, []),
            )
        )
    return CataloguePage(entries, int(rows[0].total), page, per_page)


@dataclass(frozen=True)
class _Facts:
    session_count: int = 0
    module_count: int = 0
    location: str | None = None
    location_count: int = 0
    has_online: bool = False


_NO_FACTS = _Facts()


def _facts_by_root(activity_ids: list[int]) -> dict[int, _Facts]:
    """Sessions, places and modules of each activity (with its published modules), one query."""
    owner = OWNER
    session = ActivitySession
    root = func.coalesce(owner.parent_id, owner.id)
    place = func.nullif(session.location, "")
    rows = db.session.execute(
        select(
            root,
            func.count(session.id),
            func.count(distinct(case((owner.parent_id.is_not(None), owner.id)))),
            func.count(distinct(place)),
            func.min(place),
            func.max(case((session.online_url != "", 1), else_=0)),
        )
        .select_from(owner)
        .outerjoin(
            session,
            and_(session.activity_id == owner.id, session.status == SessionStatus.SCHEDULED),
        )
        .where(
            or_(
                owner.id.in_(activity_ids),
                and_(
                    owner.parent_id.in_(activity_ids),
                    owner.status == ActivityStatus.PUBLISHED,
                ),
            )
        )
        .group_by(root)
    ).all()
    return {
        row[0]: _Facts(
            session_count=int(row[1] or 0),
            module_count=int(row[2] or 0),
            location=row[4],
            location_count=int(row[3] or 0),
            has_online=bool(row[5]),
        )
        for row in rows
    }


def _themes_by_root(activity_ids: list[int]) -> dict[int, list[Theme]]:
    """The themes of each activity and of its published modules, by name, in one query."""
    if not activity_ids:
        return {}
    owner = OWNER
    root = func.coalesce(owner.parent_id, owner.id)
    rows = db.session.execute(
        select(root, Theme)
        .select_from(activity_themes)
        .join(Theme, Theme.id == activity_themes.c.theme_id)
        .join(owner, owner.id == activity_themes.c.activity_id)
        .where(
            or_(
                owner.id.in_(activity_ids),
                and_(
                    owner.parent_id.in_(activity_ids),
                    owner.status == ActivityStatus.PUBLISHED,
                ),
            )
        )
        .order_by(Theme.name)
    ).all()
    result: dict[int, list[Theme]] = {}
    for root_id, theme in rows:
        themes = result.setdefault(root_id, [])
        if theme not in themes:
            themes.append(theme)
    return result


def my_statuses(user_id: int, activity_ids: list[int]) -> dict[int, EnrolmentStatus]:
    """The person's enrolment status per activity (active ones only), in one query."""
    if not activity_ids:
        return {}
    rows = db.session.execute(
        select(Enrolment.activity_id, Enrolment.status).where(
            Enrolment.user_id == user_id,
            Enrolment.activity_id.in_(activity_ids),
            Enrolment.status.in_(ACTIVE_STATUSES),
        )
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


def today_in_brussels(now: datetime) -> date:
    return now.astimezone(BRUSSELS).date()
