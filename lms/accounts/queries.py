"""Finding people: the user list (role, organisation, active, text) and the picker used to
enrol someone on their behalf. Constant query counts whatever the number of people."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import joinedload

from lms.common.pagination import Page, page_number, paginate
from lms.common.text_search import contains_folded, search_words
from lms.extensions import db
from lms.models import MAX_ID, Enrolment, EnrolmentStatus, Organisation, Role, User, UserRole

ACTIVE_CHOICES = ("active", "inactive", "all")


@dataclass(frozen=True)
class UserFilters:
    text: str = ""
    role: Role | None = None
    organisation_id: int | None = None
    active: str = "active"
    page: int = 1

    @classmethod
    def from_args(cls, args: Any) -> UserFilters:
        try:
            role = Role(args.get("role")) if args.get("role") else None
        except ValueError:
            role = None
        organisation = args.get("organisation") or ""
        active = args.get("active") or "active"
        return cls(
            text=(args.get("q") or "").strip()[:200],
            role=role,
            organisation_id=int(organisation)
            if organisation.isdigit() and int(organisation) <= MAX_ID
            else None,
            active=active if active in ACTIVE_CHOICES else "active",
            page=page_number(args.get("page")),
        )

    def args(self, **changes: Any) -> dict[str, Any]:
        values = {
            "q": self.text or None,
            "role": self.role.value if self.role else None,
            "organisation": self.organisation_id,
            "active": self.active if self.active != "active" else None,
            "page": self.page if self.page > 1 else None,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v is not None}


def _text_matches(text: str):  # type: ignore[no-untyped-def]
    return and_(
        *[
            or_(contains_folded(User.name, word), contains_folded(User.email, word))
            for word in search_words(text)
        ]
    )


def list_users(filters: UserFilters, per_page: int = 50) -> Page[User]:
    query = select(User).where(User.erased_at.is_(None))
    if filters.text and search_words(filters.text):
        query = query.where(_text_matches(filters.text))
    if filters.role is not None:
        query = query.where(
            exists().where(UserRole.user_id == User.id, UserRole.role == filters.role)
        )
    if filters.organisation_id is not None:
        query = query.where(User.organisation_id == filters.organisation_id)
    if filters.active == "active":
        query = query.where(User.active.is_(True))
    elif filters.active == "inactive":
        query = query.where(User.active.is_(False))
    query = query.options(joinedload(User.organisation)).order_by(User.name, User.id)
    return paginate(query, filters.page, per_page)


def organisations() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))


@dataclass(frozen=True)
class Candidate:
    user: User
    #: Their current enrolment status in the activity, if any.
    status: EnrolmentStatus | None


def candidates(activity_id: int, text: str, limit: int = 20) -> list[Candidate]:
    """Active people whose name or email matches ``text``, with their status in the
    activity (two queries)."""
    if not search_words(text):
        return []
    users = list(
        db.session.scalars(
            select(User)
            .where(User.active.is_(True), User.erased_at.is_(None), _text_matches(text))
            .options(joinedload(User.organisation))
            .order_by(User.name, User.id)
            .limit(limit)
        )
    )
    statuses = (
        dict(
            db.session.execute(
                select(Enrolment.user_id, Enrolment.status).where(
                    Enrolment.activity_id == activity_id,
                    Enrolment.user_id.in_([u.id for u in users]),
                )
            ).all()
        )
        if users
        else {}
    )
    return [Candidate(user, statuses.get(user.id)) for user in users]
