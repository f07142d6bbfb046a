"""The rules of interest lists; the only writer of :class:`~lms.models.Interest` and
:class:`~lms.models.EditionLink`.

A signed-in person puts themselves on the list of an activity (to hear of its next
edition) or of a theme. When an activity is published (:func:`activity_published`, called
by :mod:`lms.activities.service` in the publishing transaction), everyone on the list of an
earlier edition it was copied from (:mod:`lms.activities.copy_edition`) or of one of its themes
gets one mail — one per person per published activity, whatever the number of lists they
are on: the outbox's dedup key ``interest:<activity>:<user>`` makes it once, ever, even if
the activity is unpublished and published again. Stopping deletes the row, so someone who
stopped is not mailed again. Nothing here commits.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import delete, or_, select

from lms.audit import record
from lms.common.errors import RuleError
from lms.common.urls import absolute_url
from lms.extensions import db
from lms.interest import queries
from lms.interest.tokens import stop_token
from lms.mail.outbox import queue_mail
from lms.models import Activity, ActivityStatus, EditionLink, Interest, Theme, User


class InterestError(RuleError):
    """A refusal of an interest list (Dutch, translated): a missing or unpublished subject."""

    code = "not_found"
    status = 404


def subscribe(user: User, *, activity: Activity | None = None, theme: Theme | None = None) -> bool:
    """Put ``user`` on a list; False when they already were."""
    if (activity is None) == (theme is None):
        raise InterestError(_("Kies een activiteit of een thema."))
    if activity is not None and activity.status == ActivityStatus.DRAFT:
        raise InterestError(_("Deze activiteit bestaat niet."))
    activity_id = activity.id if activity is not None else None
    theme_id = theme.id if theme is not None else None
    if queries.is_interested(user.id, activity_id=activity_id, theme_id=theme_id):
        return False
    db.session.add(Interest(user_id=user.id, activity_id=activity_id, theme_id=theme_id))
    db.session.flush()
    record(
        "interest.subscribed",
        actor=user,
        subject_user=user,
        activity=activity,
        summary="Op de hoogte houden van "
        + (
            f"een volgende editie van „{activity.title}”." if activity else f"thema „{theme.name}”."
        ),  # type: ignore[union-attr]
        theme_id=theme_id,
    )
    return True


def unsubscribe(user_id: int, *, kind: str, target_id: int) -> bool:
    """Take the person off one list; False when they were not on it."""
    column = Interest.activity_id if kind == "activity" else Interest.theme_id
    removed = db.session.execute(
        delete(Interest)
        .where(Interest.user_id == user_id, column == target_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if removed:
        user = db.session.get(User, user_id)
        record(
            "interest.stopped",
            actor=user,
            subject_user=user,
            summary=f"Niet meer op de hoogte houden ({kind} {target_id}).",
            kind=kind,
            target_id=target_id,
        )
    return bool(removed)


def link_edition(copy: Activity, source: Activity) -> None:
    """Remember that ``copy`` is the next edition of ``source``."""
    db.session.add(EditionLink(activity_id=copy.id, previous_id=source.id))
    db.session.flush()


def activity_published(activity: Activity) -> int:
    """Mail everyone interested in a next edition of this activity or in one of its
    themes (once per person and activity, ever). Returns how many mails were queued."""
    if activity.parent_id is not None:
        return 0  # a module comes with its programme
    earlier = queries.earlier_editions(activity.id)
    theme_ids = [t.id for t in activity.themes]
    conditions = []
    if earlier:
        conditions.append(Interest.activity_id.in_(earlier))
    if theme_ids:
        conditions.append(Interest.theme_id.in_(theme_ids))
    if not conditions:
        return 0
    interests = list(
        db.session.scalars(
            select(Interest)
            .where(or_(*conditions))
            .order_by(Interest.user_id, Interest.activity_id.is_(None), Interest.id)
        )
    )
    queued = 0
    seen: set[int] = set()
    for interest in interests:
        if interest.user_id in seen:
            continue
        seen.add(interest.user_id)
        user = interest.user
        if not user.is_active or user.erased_at is not None:
            continue
        if interest.activity_id is not None:
            kind, target = "activity", interest.activity_id
            list_name = interest.activity.title if interest.activity else activity.title
        else:
            kind, target = "theme", interest.theme_id
            list_name = interest.theme.name if interest.theme else ""
        mail = queue_mail(
            kind="interest_published",
            to=user,
            # Mail is always Dutch (rendered by lms/mail/rendering.py with force_locale).
            subject=f"Nieuw in het aanbod van SAM: {activity.title}",
            facts={
                "title": activity.title,
                "summary": activity.summary or "",
                "first_start": activity.first_start,
                "activity_url": absolute_url("enrolment.activity", activity_id=activity.id),
                "first_name": user.first_name,
                "list_kind": kind,
                "list_name": list_name,
                "unsubscribe_url": absolute_url(
                    "interest.stop",
                    token=stop_token(user.id, kind, target),  # type: ignore[arg-type]
                ),
            },
            dedup_key=f"interest:{activity.id}:{user.id}",
        )
        if mail is not None:
            queued += 1
    return queued


def erase_for_user(user_id: int) -> int:
    """Delete every list the person is on (erasure on request). Returns how many."""
    return db.session.execute(
        delete(Interest)
        .where(Interest.user_id == user_id)
        .execution_options(synchronize_session=False)
    ).rowcount
