"""Creating and changing activities: the rules the API and the coordinators' forms share.

Plain functions on ``db.session``: they validate (every refusal an :class:`ActivityError`
with a Dutch message and the field it is about), write, leave an audit entry and never
commit. Sessions are added through :mod:`lms.schedule.service` (one place for session
rules: end after start, no overlap, a valid link); what a change means for enrolments
(capacity rising, the activity cancelled) is :mod:`lms.enrolment.service`'s job, called in
the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.audit import record
from lms.common.errors import RuleError
from lms.common.slugs import slugify
from lms.common.timeutil import format_datetime
from lms.enrolment import queries as enrolment_queries
from lms.enrolment import service as enrolment_service
from lms.extensions import db
from lms.interest import service as interest
from lms.models import (
    ACTIVE_STATUSES,
    APPROVAL_BY_DEFAULT,
    Activity,
    ActivityKind,
    ActivityStatus,
    Enrolment,
    HoursCredit,
    Organisation,
    Role,
    SeatRelease,
    Theme,
    User,
    utcnow,
)
from lms.schedule.service import ScheduleError, SessionData, add_session

MAX_CAPACITY = 100_000
MAX_PRICE = Decimal("99999.99")
MAX_OFFER_HOURS = 24 * 14

#: Which status may follow which (a cancelled or archived activity does not come back).
STATUS_CHANGES: dict[ActivityStatus, frozenset[ActivityStatus]] = {
    ActivityStatus.DRAFT: frozenset(
        {ActivityStatus.PUBLISHED, ActivityStatus.CANCELLED, ActivityStatus.ARCHIVED}
    ),
    ActivityStatus.PUBLISHED: frozenset(
        {ActivityStatus.DRAFT, ActivityStatus.CANCELLED, ActivityStatus.ARCHIVED}
    ),
    ActivityStatus.CANCELLED: frozenset({ActivityStatus.ARCHIVED}),
    ActivityStatus.ARCHIVED: frozenset(),
}

#: What :func:`update_activity` may change.
UPDATABLE = frozenset(
    {
        "title",
        "summary",
        "description",
        "audience",
        "what_to_bring",
        "capacity",
        "waitlist_enabled",
        "requires_approval",
        "status",
        "enrolment_opens_at",
        "enrolment_closes_at",
        "cancellation_deadline",
        "price_member",
        "price_non_member",
        "seat_release",
        "offer_hours",
        "nominal_hours",
        "rule_min_attendance_pct",
        "rule_excused_counts",
        "rule_hours_credit",
    }
)

MAX_NOMINAL_HOURS = Decimal("9999.99")


class ActivityError(RuleError):
    """A refusal: ``message`` in Dutch, ``field`` it concerns, HTTP-ish ``status``
    (422 invalid input, 409 not possible in the current state)."""

    def __init__(self, message: str, field: str | None = None, status: int = 422) -> None:
        super().__init__(message, field=field, status=status)


# --- Creating -------------------------------------------------------------------------------


def create_activity(
    *,
    actor: User | None,
    kind: ActivityKind | str,
    title: str,
    capacity: int | None = None,
    waitlist_enabled: bool = True,
    requires_approval: bool | None = None,
    status: ActivityStatus | str = ActivityStatus.DRAFT,
    sessions: Sequence[SessionData] = (),
    trainers: Iterable[User] = (),
    themes: Iterable[Theme] = (),
    summary: str = "",
    description: str = "",
    audience: str = "",
    what_to_bring: str = "",
    price_member: Decimal | int | str = 0,
    price_non_member: Decimal | int | str = 0,
    enrolment_opens_at: datetime | None = None,
    enrolment_closes_at: datetime | None = None,
    cancellation_deadline: datetime | None = None,
    seat_release: SeatRelease | str = SeatRelease.AUTOMATIC,
    offer_hours: int = 48,
    parent: Activity | None = None,
    organisation: Organisation | None = None,
    nominal_hours: Decimal | int | str | None = None,
    rule_min_attendance_pct: int | None = None,
    rule_excused_counts: bool | None = None,
    rule_hours_credit: HoursCredit | str | None = None,
) -> Activity:
    """A new activity with its sessions and trainers (draft or published).

    ``nominal_hours`` and the ``rule_*`` values override the learning policy's rule for
    this activity (None: the rule of its kind applies)."""
    kind = _kind(kind)
    status = _status(status)
    if status not in (ActivityStatus.DRAFT, ActivityStatus.PUBLISHED):
        raise ActivityError(
            _("Een nieuwe activiteit is een ontwerp (draft) of gepubliceerd (published)."),
            "status",
        )
    if parent is not None:
        if not parent.is_programme:
            raise ActivityError(_("Alleen een beroepsopleiding heeft modules."), "parent_id")
        if kind == ActivityKind.PROGRAMME:
            raise ActivityError(_("Een module kan zelf geen beroepsopleiding zijn."), "kind")
    activity = Activity(
        kind=kind,
        title=_title(title),
        slug=_unique_slug(title),
        summary=_text(summary, "summary"),
        description=_text(description, "description"),
        audience=_text(audience, "audience"),
        what_to_bring=_text(what_to_bring, "what_to_bring"),
        capacity=_capacity(capacity),
        waitlist_enabled=_bool(waitlist_enabled, "waitlist"),
        requires_approval=(
            kind in APPROVAL_BY_DEFAULT
            if requires_approval is None
            else _bool(requires_approval, "requires_approval")
        ),
        status=status,
        price_member=_price(price_member, "price_member"),
        price_non_member=_price(price_non_member, "price_non_member"),
        enrolment_opens_at=_aware(enrolment_opens_at, "enrolment_opens_at"),
        enrolment_closes_at=_aware(enrolment_closes_at, "enrolment_closes_at"),
        cancellation_deadline=_aware(cancellation_deadline, "cancellation_deadline"),
        seat_release=_seat_release(seat_release),
        offer_hours=_offer_hours(offer_hours),
        parent=parent,
        organisation_id=organisation.id if organisation is not None else None,
        themes=list(themes),
        nominal_hours=_nominal_hours(nominal_hours),
        rule_min_attendance_pct=_attendance_pct(rule_min_attendance_pct),
        rule_excused_counts=_optional_bool(rule_excused_counts, "rule_excused_counts"),
        rule_hours_credit=_hours_credit(rule_hours_credit),
    )
    activity.trainers = _trainers(trainers)
    db.session.add(activity)
    db.session.flush()
    for number, data in enumerate(sessions, start=1):
        try:
            add_session(activity, data, actor=actor)
        except ScheduleError as exc:
            raise ActivityError(
                _("Sessie %(number)s: %(message)s", number=number, message=exc.message),
                f"sessions[{number - 1}]",
            ) from None
    db.session.flush()
    db.session.expire(activity, ["sessions"])
    _check_dates(activity)
    record(
        "activity.created",
        actor=actor,
        activity=activity,
        summary=f"{kind.label.capitalize()} „{activity.title}” aangemaakt "
        f"({status.label}, {len(sessions)} sessies).",
        status=status.value,
        capacity=activity.capacity,
    )
    if status == ActivityStatus.PUBLISHED:
        interest.activity_published(activity)  # people following one of its themes
    return activity


# --- Changing -------------------------------------------------------------------------------


def update_activity(
    activity: Activity, *, actor: User | None, reason: str = "", **changes: Any
) -> list[str]:
    """Change the given fields; returns the names of the fields that changed.

    Capacity may not drop below the seats taken; when it rises (or becomes unlimited) the
    waiting list moves up in this transaction. Setting the status to ``cancelled`` cancels
    the sessions and enrolments and mails everyone concerned (``reason`` goes with it).
    """
    unknown = sorted(set(changes) - UPDATABLE)
    if unknown:
        raise ActivityError(
            _("Dit veld kan je niet wijzigen: %(fields)s.", fields=", ".join(unknown)), unknown[0]
        )
    # Everything below counts seats or changes what the enrolment rules see: hold the lock.
    activity = enrolment_service.lock_activity(activity.id)
    old_capacity = activity.capacity
    new_status = _status(changes.pop("status")) if "status" in changes else None
    cleaners = _cleaners()
    changed: list[str] = []
    for name, value in changes.items():
        value = cleaners[name](value)
        if getattr(activity, name) != value:
            setattr(activity, name, value)
            changed.append(name)
    if "title" in changed:
        activity.slug = _unique_slug(activity.title, ignore=activity.id)
    if "capacity" in changed and activity.capacity is not None:
        summary = enrolment_queries.seat_summary(activity)
        if activity.capacity < summary.taken:
            raise ActivityError(
                _(
                    "De capaciteit kan niet lager dan het aantal ingenomen plaatsen "
                    "(%(taken)s: %(confirmed)s bevestigd, %(offered)s aangeboden).",
                    taken=summary.taken,
                    confirmed=summary.confirmed,
                    offered=summary.offered,
                )
                if summary.offered
                else _(
                    "De capaciteit kan niet lager dan het aantal ingenomen plaatsen "
                    "(%(taken)s: %(confirmed)s bevestigd).",
                    taken=summary.taken,
                    confirmed=summary.confirmed,
                ),
                "capacity",
                status=409,
            )
    _check_dates(activity)
    if new_status is not None and new_status != activity.status:
        _check_status_change(activity, new_status)
        changed.append("status")
    if changed:
        record(
            "activity.updated",
            actor=actor,
            activity=activity,
            summary=f"„{activity.title}” gewijzigd: {', '.join(changed)}.",
            changed=changed,
            capacity=[old_capacity, activity.capacity],
        )
    if new_status == ActivityStatus.CANCELLED and activity.status != ActivityStatus.CANCELLED:
        enrolment_service.cancel_activity(activity, actor=actor, reason=reason)
        return changed
    if new_status is not None and new_status != activity.status:
        activity.status = new_status
        if new_status == ActivityStatus.PUBLISHED:
            interest.activity_published(activity)  # the people who asked to be told
    db.session.flush()
    rose = "capacity" in changed and (
        activity.capacity is None or (old_capacity is not None and activity.capacity > old_capacity)
    )
    if rose or "waitlist_enabled" in changed or "status" in changed:
        enrolment_service.capacity_changed(activity, actor=actor)
    return changed


def set_trainers(activity: Activity, trainers: Iterable[User], *, actor: User | None) -> None:
    """Replace the activity's trainers (each must hold the trainer role)."""
    new = _trainers(trainers)
    before = {t.id for t in activity.trainers}
    activity.trainers = new
    after = {t.id for t in new}
    if before != after:
        record(
            "activity.trainers",
            actor=actor,
            activity=activity,
            summary=f"Lesgevers van „{activity.title}”: "
            + (", ".join(t.name for t in new) or "geen"),
            trainers=sorted(after),
        )


def set_themes(activity: Activity, themes: Iterable[Theme], *, actor: User | None) -> None:
    """Replace the themes the activity counts toward (reports, learning policy)."""
    new = list(dict.fromkeys(themes))
    before = {t.id for t in activity.themes}
    activity.themes = new
    after = {t.id for t in new}
    if before != after:
        record(
            "activity.themes",
            actor=actor,
            activity=activity,
            summary=f"Thema's van „{activity.title}”: "
            + (", ".join(t.name for t in sorted(new, key=lambda t: t.name)) or "geen"),
            themes=sorted(after),
        )


def _check_status_change(activity: Activity, new: ActivityStatus) -> None:
    if new not in STATUS_CHANGES[activity.status]:
        if activity.status == ActivityStatus.CANCELLED:
            message = _(
                "Een geannuleerde activiteit kan niet opnieuw gepubliceerd worden; maak een "
                "nieuwe editie."
            )
        elif activity.status == ActivityStatus.ARCHIVED:
            message = _("Een gearchiveerde activiteit kan niet meer van status veranderen.")
        else:
            message = _(
                "Van %(old)s naar %(new)s kan niet.", old=activity.status.label, new=new.label
            )
        raise ActivityError(message, "status", status=409)
    if new == ActivityStatus.ARCHIVED and activity.status == ActivityStatus.PUBLISHED:
        end = activity.last_end
        if end is not None and end > utcnow() and _has_active_enrolments(activity):
            raise ActivityError(
                _(
                    "Deze activiteit is nog niet voorbij en heeft inschrijvingen: annuleer ze als "
                    "ze niet doorgaat, of archiveer ze na de laatste sessie."
                ),
                "status",
                status=409,
            )
    if new == ActivityStatus.DRAFT:
        active = db.session.scalar(
            select(func.count(Enrolment.id)).where(
                Enrolment.activity_id == activity.id,
                Enrolment.status.in_(ACTIVE_STATUSES),
            )
        )
        if active:
            raise ActivityError(
                _(
                    "Er zijn al inschrijvingen: zet de activiteit niet terug naar ontwerp, maar "
                    "annuleer ze als ze niet doorgaat."
                ),
                "status",
                status=409,
            )


def _has_active_enrolments(activity: Activity) -> bool:
    ids = [activity.id, *(m.id for m in activity.modules)]
    return bool(
        db.session.scalar(
            select(func.count(Enrolment.id)).where(
                Enrolment.activity_id.in_(ids), Enrolment.status.in_(ACTIVE_STATUSES)
            )
        )
    )


def _check_dates(activity: Activity) -> None:
    errors = _date_errors(
        activity.enrolment_opens_at,
        activity.enrolment_closes_at,
        activity.cancellation_deadline,
        activity.first_start,
    )
    if errors:
        raise errors[0]


def _date_errors(
    opens: datetime | None,
    closes: datetime | None,
    deadline: datetime | None,
    first: datetime | None,
) -> list[ActivityError]:
    errors = []
    if opens is not None and closes is not None and opens >= closes:
        errors.append(
            ActivityError(
                _("De inschrijvingen moeten openen vóór ze sluiten."), "enrolment_closes_at"
            )
        )
    if first is None:
        return errors
    if closes is not None and closes > first and not errors:
        errors.append(
            ActivityError(
                _(
                    "De inschrijvingen moeten sluiten vóór de eerste sessie begint (%(first)s).",
                    first=format_datetime(first),
                ),
                "enrolment_closes_at",
            )
        )
    if deadline is not None and deadline > first:
        errors.append(
            ActivityError(
                _(
                    "De annuleringstermijn moet aflopen vóór de eerste sessie begint (%(first)s).",
                    first=format_datetime(first),
                ),
                "cancellation_deadline",
            )
        )
    return errors


def field_errors(values: dict[str, Any], *, first_start: datetime | None) -> list[ActivityError]:
    """Every refusal the field rules give for ``values`` (keywords of
    :func:`update_activity`), all at once and without writing: a form can show them
    together. ``first_start`` is when the activity's first session begins (None: none).
    Rules that need the database (seats taken, status changes) are checked on saving."""
    cleaners = _cleaners()
    errors: list[ActivityError] = []
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if name not in cleaners:
            continue
        try:
            cleaned[name] = cleaners[name](value)
        except ActivityError as error:
            errors.append(error)
    errors += _date_errors(
        cleaned.get("enrolment_opens_at"),
        cleaned.get("enrolment_closes_at"),
        cleaned.get("cancellation_deadline"),
        first_start,
    )
    return errors


def _cleaners() -> dict[str, Any]:
    """Per changeable field: the function that checks and normalises its value."""
    return {
        "title": _title,
        "summary": lambda v: _text(v, "summary"),
        "description": lambda v: _text(v, "description"),
        "audience": lambda v: _text(v, "audience"),
        "what_to_bring": lambda v: _text(v, "what_to_bring"),
        "capacity": _capacity,
        "waitlist_enabled": lambda v: _bool(v, "waitlist"),
        "requires_approval": lambda v: _bool(v, "requires_approval"),
        "enrolment_opens_at": lambda v: _aware(v, "enrolment_opens_at"),
        "enrolment_closes_at": lambda v: _aware(v, "enrolment_closes_at"),
        "cancellation_deadline": lambda v: _aware(v, "cancellation_deadline"),
        "price_member": lambda v: _price(v, "price_member"),
        "price_non_member": lambda v: _price(v, "price_non_member"),
        "seat_release": _seat_release,
        "offer_hours": _offer_hours,
        "nominal_hours": _nominal_hours,
        "rule_min_attendance_pct": _attendance_pct,
        "rule_excused_counts": lambda v: _optional_bool(v, "rule_excused_counts"),
        "rule_hours_credit": _hours_credit,
    }


# --- Cleaning values --------------------------------------------------------------------------


def _kind(value: Any) -> ActivityKind:
    try:
        return ActivityKind(value)
    except ValueError:
        raise ActivityError(
            _(
                "Onbekende soort: kies uit %(choices)s.",
                choices=", ".join(k.value for k in ActivityKind),
            ),
            "kind",
        ) from None


def _status(value: Any) -> ActivityStatus:
    try:
        return ActivityStatus(value)
    except ValueError:
        raise ActivityError(
            _(
                "Onbekende status: kies uit %(choices)s.",
                choices=", ".join(s.value for s in ActivityStatus),
            ),
            "status",
        ) from None


def _title(value: Any) -> str:
    if not isinstance(value, str) or not " ".join(value.split()):
        raise ActivityError(_("Geef de activiteit een titel."), "title")
    title = " ".join(value.split())
    if len(title) > 200:
        raise ActivityError(_("De titel is te lang (hoogstens 200 tekens)."), "title")
    return title


def _text(value: Any, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ActivityError(_("Verwacht tekst."), field)
    if len(value) > 20_000:
        raise ActivityError(_("Deze tekst is te lang (hoogstens 20.000 tekens)."), field)
    return value.strip()


def _capacity(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ActivityError(
            _("De capaciteit is een geheel getal (of leeg voor onbeperkt)."), "capacity"
        )
    if value < 0:
        raise ActivityError(_("De capaciteit kan niet negatief zijn."), "capacity")
    if value > MAX_CAPACITY:
        raise ActivityError(_("De capaciteit is hoogstens %(max)s.", max=MAX_CAPACITY), "capacity")
    return value


def _bool(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise ActivityError(_("Verwacht ja of nee (true of false)."), field)
    return value


def _price(value: Any, field: str) -> Decimal:
    if isinstance(value, bool):
        raise ActivityError(_("Een prijs is een bedrag in euro."), field)
    try:
        price = Decimal(str(value if value is not None else 0))
    except (InvalidOperation, ValueError):
        raise ActivityError(_("Een prijs is een bedrag in euro."), field) from None
    if not price.is_finite() or price < 0 or price > MAX_PRICE:
        raise ActivityError(_("Een prijs ligt tussen 0 en 99.999,99 euro."), field)
    return price.quantize(Decimal("0.01"))


def _aware(value: Any, field: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise ActivityError(_("Verwacht een datum en tijd."), field)
    if value.tzinfo is None:
        raise ValueError("expected an aware datetime")
    return value


def _seat_release(value: Any) -> SeatRelease:
    try:
        return SeatRelease(value)
    except ValueError:
        raise ActivityError(
            _(
                "Kies automatic (de eerste op de wachtlijst krijgt de plaats meteen) of offer "
                "(de plaats wordt aangeboden)."
            ),
            "seat_release",
        ) from None


def _offer_hours(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not (1 <= value <= MAX_OFFER_HOURS):
        raise ActivityError(
            _(
                "De bedenktijd voor een vrijgekomen plaats ligt tussen 1 en %(max)s uur.",
                max=MAX_OFFER_HOURS,
            ),
            "offer_hours",
        )
    return value


def _optional_bool(value: Any, field: str) -> bool | None:
    return None if value is None else _bool(value, field)


def _nominal_hours(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ActivityError(_("Het aantal uren is een getal, bv. 12,5."), "nominal_hours")
    try:
        hours = Decimal(str(value).replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ActivityError(_("Het aantal uren is een getal, bv. 12,5."), "nominal_hours") from None
    if not hours.is_finite() or hours <= 0 or hours > MAX_NOMINAL_HOURS:
        raise ActivityError(
            _("Het aantal erkende uren ligt tussen 0 en 9.999,99 (leeg: de geplande uren)."),
            "nominal_hours",
        )
    return hours.quantize(Decimal("0.01"))


def _attendance_pct(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise ActivityError(
            _("De vereiste aanwezigheid is een percentage van 0 tot 100."),
            "rule_min_attendance_pct",
        )
    return value


def _hours_credit(value: Any) -> HoursCredit | None:
    if value is None:
        return None
    try:
        return HoursCredit(value)
    except ValueError:
        raise ActivityError(
            _("Kies attended (de bijgewoonde uren) of nominal (de erkende uren)."),
            "rule_hours_credit",
        ) from None


def _trainers(trainers: Iterable[User]) -> list[User]:
    result: list[User] = []
    for user in trainers:
        if not user.has_role(Role.TRAINER):
            raise ActivityError(_("%(email)s is geen lesgever.", email=user.email), "trainers")
        if user not in result:
            result.append(user)
    return result


def _unique_slug(title: Any, ignore: int | None = None) -> str:
    base = slugify(str(title or ""), max_length=200)
    query = select(Activity.slug).where(Activity.slug.like(f"{base}%"))
    if ignore is not None:
        query = query.where(Activity.id != ignore)
    taken = set(db.session.scalars(query))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"
