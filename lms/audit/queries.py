"""Reading the audit log: who did what to whom, when; filtered and paged.

One page costs a constant number of queries: the count, the page (with actor, subject
and activity joined) and the list of actions for the filter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased, joinedload

from lms.common.pagination import Page, page_number, paginate
from lms.common.text_search import contains_folded, search_words
from lms.common.timeutil import local_day_bounds
from lms.extensions import db
from lms.models import MAX_ID, Activity, AuditEntry, User

#: Groups of actions for the filter (a prefix and its Dutch name).
ACTION_GROUPS = (
    ("enrolment.", "Inschrijvingen"),
    ("attendance.", "Aanwezigheden"),
    ("certificate.", "Attesten"),
    ("user.", "Gebruikers en rollen"),
    ("activity.", "Activiteiten"),
    ("session.", "Sessies"),
    ("policy.", "Leerbeleid"),
    ("mail.", "Mail"),
    ("token.", "API-sleutels"),
)


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""
    person: str = ""
    activity: str = ""
    since: date | None = None
    until: date | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args: Any) -> AuditFilters:
        return cls(
            action=(args.get("action") or "").strip()[:60],
            person=(args.get("person") or "").strip()[:200],
            activity=(args.get("activity") or "").strip()[:200],
            since=_date(args.get("since")),
            until=_date(args.get("until")),
            page=page_number(args.get("page")),
        )

    def args(self, **changes: Any) -> dict[str, Any]:
        values = {
            "action": self.action or None,
            "person": self.person or None,
            "activity": self.activity or None,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "page": self.page if self.page > 1 else None,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v is not None}

    @property
    def is_filtered(self) -> bool:
        return bool(self.action or self.person or self.activity or self.since or self.until)


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _person_matches(user: Any, text: str):  # type: ignore[no-untyped-def]
    if text.isdigit():
        return user.id == int(text)
    words = search_words(text)
    return and_(
        *[or_(contains_folded(user.name, w), contains_folded(user.email, w)) for w in words]
    )


def list_entries(filters: AuditFilters, per_page: int = 50) -> Page[AuditEntry]:
    query = select(AuditEntry)
    if filters.action:
        if filters.action.endswith("."):
            query = query.where(AuditEntry.action.startswith(filters.action, autoescape=True))
        else:
            query = query.where(AuditEntry.action == filters.action)
    if filters.person and (filters.person.isdigit() or search_words(filters.person)):
        actor, subject = aliased(User), aliased(User)
        query = (
            query.outerjoin(actor, actor.id == AuditEntry.actor_id)
            .outerjoin(subject, subject.id == AuditEntry.subject_user_id)
            .where(
                or_(
                    _person_matches(actor, filters.person), _person_matches(subject, filters.person)
                )
            )
        )
    if filters.activity:
        if filters.activity.isdigit():
            query = query.where(AuditEntry.activity_id == int(filters.activity))
        elif search_words(filters.activity):
            target = aliased(Activity)
            query = query.join(target, target.id == AuditEntry.activity_id).where(
                *[contains_folded(target.title, w) for w in search_words(filters.activity)]
            )
    if filters.since is not None:
        query = query.where(AuditEntry.at >= local_day_bounds(filters.since)[0])
    if filters.until is not None:
        query = query.where(AuditEntry.at < local_day_bounds(filters.until)[1])
    query = query.options(
        # The page shows names only: the people's roles (eager by default) are not needed.
        joinedload(AuditEntry.actor).lazyload(User.role_rows),
        joinedload(AuditEntry.subject_user).lazyload(User.role_rows),
        joinedload(AuditEntry.activity),
    ).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    return paginate(query, filters.page, per_page)


def known_actions() -> list[str]:
    return list(
        db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    )


def activity_title(value: str) -> str | None:
    """The title of the activity an ``activity`` filter given as an id refers to."""
    if not value.isdigit() or int(value) > MAX_ID:
        return None
    return db.session.scalar(select(Activity.title).where(Activity.id == int(value)))
