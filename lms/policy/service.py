"""Policy versions: which one applies, the effective rule of an activity, new versions.

A policy version is never edited once it is in force: coordinators change the policy by
creating a new version (a copy of the current one with a later ``valid_from``). A version
that has not started yet may still be edited or removed. An activity is judged by the
version in force on the day its first session started (for a programme module: the day the
programme started), so a change never moves the goalposts of something already under way,
and issued certificates keep their own snapshot anyway.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms import audit
from lms.common.display import minutes_to_hours
from lms.common.errors import RuleError
from lms.common.timeutil import to_local
from lms.extensions import db
from lms.models import (
    KIND_LABELS,
    Activity,
    ActivityKind,
    CertificationRule,
    HoursCredit,
    LearningPolicy,
    Theme,
    User,
    utcnow,
)
from lms.policy.defaults import DEFAULT_RULES, ensure_default_policy
from lms.policy.evaluation import RuleFacts

#: Used when a version lacks a rule for a kind (never the case for versions made here).
FALLBACK_PCT = 80


class PolicyError(RuleError):
    """A refused change to the policy, with a Dutch message (and the form field concerned).
    The keyword ``code`` is the HTTP-like status (409, 422), as its callers give it."""

    CODES = {409: "conflict", 422: "invalid"}

    def __init__(self, message: str, *, field: str | None = None, code: int = 422) -> None:
        super().__init__(message, code=self.CODES.get(code, "invalid"), field=field, status=code)


# --- Reading the versions ------------------------------------------------------------------


def all_policies() -> list[LearningPolicy]:
    """Every version with its rules and their themes, oldest first (a fixed number of queries)."""
    policies = list(
        db.session.scalars(
            select(LearningPolicy)
            .options(selectinload(LearningPolicy.rules).selectinload(CertificationRule.themes))
            .order_by(LearningPolicy.valid_from)
        )
    )
    if not policies:
        policies = [ensure_default_policy()]
    return policies


def policy_on(day: date, policies: Sequence[LearningPolicy] | None = None) -> LearningPolicy:
    """The version in force on ``day`` (the earliest one for days before any version)."""
    policies = list(policies) if policies is not None else all_policies()
    in_force = [p for p in policies if p.valid_from <= day]
    if in_force:
        return max(in_force, key=lambda p: p.valid_from)
    return min(policies, key=lambda p: p.valid_from)


def today_local() -> date:
    return to_local(utcnow()).date()


def current_policy(policies: Sequence[LearningPolicy] | None = None) -> LearningPolicy:
    return policy_on(today_local(), policies)


def activity_start(activity: Activity) -> date | None:
    """The local date the activity started, for choosing its policy version.

    A programme starts with its first module session; a module counts from its programme's
    start, so a whole cohort is judged by one version.
    """
    root = activity.parent if activity.parent is not None else activity
    starts = [s.starts_at for s in root.active_sessions]
    for module in root.modules:
        starts.extend(s.starts_at for s in module.active_sessions)
    if not starts and root is not activity:
        starts = [s.starts_at for s in activity.active_sessions]
    return to_local(min(starts)).date() if starts else None


def policy_for_activity(
    activity: Activity, policies: Sequence[LearningPolicy] | None = None
) -> LearningPolicy:
    start = activity_start(activity)
    return policy_on(start or today_local(), policies)


@dataclass(frozen=True)
class EffectiveRule:
    """The rule an activity is judged by: its kind's rule in its version, with overrides."""

    policy_id: int
    policy_name: str
    policy_valid_from: date
    kind: ActivityKind
    min_attendance_pct: int
    excused_counts: bool
    hours_credit: HoursCredit
    nominal_hours: Decimal | None
    competences: str = ""
    theme_names: tuple[str, ...] = ()
    overridden: tuple[str, ...] = field(default=())

    @property
    def facts(self) -> RuleFacts:
        return RuleFacts(
            min_attendance_pct=self.min_attendance_pct,
            excused_counts=self.excused_counts,
            hours_credit=self.hours_credit,
            nominal_hours=self.nominal_hours,
        )

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def description(self) -> str:
        """``80 % van de geplande uren; verontschuldigd telt niet mee; gevolgde uren``."""
        excused = (
            _("verontschuldigde afwezigheid telt mee")
            if self.excused_counts
            else _("verontschuldigde afwezigheid telt niet mee")
        )
        credit = (
            _("nominale uren erkend")
            if self.hours_credit == HoursCredit.NOMINAL
            else _("gevolgde uren erkend")
        )
        return _(
            "minstens %(pct)s %% van de geplande uren aanwezig; %(excused)s; %(credit)s",
            pct=self.min_attendance_pct,
            excused=excused,
            credit=credit,
        )


def effective_rule(
    activity: Activity, policies: Sequence[LearningPolicy] | None = None
) -> EffectiveRule:
    policy = policy_for_activity(activity, policies)
    rule = policy.rule_for(activity.kind)
    pct = rule.min_attendance_pct if rule else DEFAULT_RULES.get(activity.kind, (FALLBACK_PCT,))[0]
    excused = rule.excused_counts if rule else False
    credit = rule.hours_credit if rule else HoursCredit.ATTENDED
    overridden = []
    if activity.rule_min_attendance_pct is not None:
        pct = activity.rule_min_attendance_pct
        overridden.append("min_attendance_pct")
    if activity.rule_excused_counts is not None:
        excused = activity.rule_excused_counts
        overridden.append("excused_counts")
    if activity.rule_hours_credit is not None:
        credit = HoursCredit(activity.rule_hours_credit)
        overridden.append("hours_credit")
    nominal = activity.nominal_hours
    if nominal is None and credit == HoursCredit.NOMINAL and not activity.is_programme:
        nominal = minutes_to_hours(activity.planned_minutes)
    return EffectiveRule(
        policy_id=policy.id,
        policy_name=policy.name,
        policy_valid_from=policy.valid_from,
        kind=activity.kind,
        min_attendance_pct=pct,
        excused_counts=excused,
        hours_credit=credit,
        nominal_hours=Decimal(nominal) if nominal is not None else None,
        competences=rule.competences if rule else "",
        theme_names=tuple(sorted(t.name for t in rule.themes)) if rule else (),
        overridden=tuple(overridden),
    )


# --- New versions ------------------------------------------------------------------------------


@dataclass
class RuleInput:
    kind: ActivityKind
    min_attendance_pct: int
    excused_counts: bool
    hours_credit: HoursCredit
    competences: str = ""
    theme_ids: list[int] = field(default_factory=list)


@dataclass
class PolicyInput:
    name: str
    valid_from: date
    yearly_hours_target: int
    notes: str
    rules: list[RuleInput]


def input_from_policy(policy: LearningPolicy) -> PolicyInput:
    """A copy of ``policy`` as input for a new version (the editor starts from it)."""
    rules = []
    for kind in ActivityKind:
        rule = policy.rule_for(kind)
        if rule is None:
            pct = DEFAULT_RULES.get(kind, (FALLBACK_PCT, ""))[0]
            rules.append(RuleInput(kind, pct, False, HoursCredit.ATTENDED))
        else:
            rules.append(
                RuleInput(
                    kind,
                    rule.min_attendance_pct,
                    rule.excused_counts,
                    HoursCredit(rule.hours_credit),
                    rule.competences,
                    sorted(t.id for t in rule.themes),
                )
            )
    return PolicyInput(
        name=policy.name,
        valid_from=policy.valid_from,
        yearly_hours_target=policy.yearly_hours_target,
        notes=policy.notes,
        rules=rules,
    )


def _validate(data: PolicyInput, *, today: date, ignore_id: int | None = None) -> None:
    if not data.name.strip():
        raise PolicyError(_("Geef de versie een naam."), field="name")
    if data.valid_from <= today:
        raise PolicyError(
            _(
                "Een nieuwe versie gaat ten vroegste morgen in: wat al begonnen is, blijft onder "
                "de versie waaronder het startte."
            ),
            field="valid_from",
        )
    clash = db.session.scalar(
        select(LearningPolicy).where(LearningPolicy.valid_from == data.valid_from)
    )
    if clash is not None and clash.id != ignore_id:
        raise PolicyError(
            _("Er is al een versie die op die dag ingaat (%(name)s).", name=clash.name),
            field="valid_from",
        )
    if not 0 <= data.yearly_hours_target <= 1000:
        raise PolicyError(
            _("Het jaarlijkse urendoel ligt tussen 0 en 1000 uur."), field="yearly_hours_target"
        )
    for rule in data.rules:
        if not 0 <= rule.min_attendance_pct <= 100:
            raise PolicyError(
                _(
                    "De minimale aanwezigheid voor %(kind)s ligt tussen 0 en 100 %%.",
                    kind=_(KIND_LABELS[rule.kind]),
                ),
                field=f"{rule.kind.value}_min_attendance_pct",
            )


def _themes(ids: Iterable[int], cache: dict[int, Theme]) -> list[Theme]:
    return [cache[i] for i in ids if i in cache]


def _apply(policy: LearningPolicy, data: PolicyInput) -> None:
    cache = {t.id: t for t in db.session.scalars(select(Theme))}
    policy.name = data.name.strip()
    policy.valid_from = data.valid_from
    policy.yearly_hours_target = data.yearly_hours_target
    policy.notes = data.notes.strip()
    existing = {r.kind: r for r in policy.rules}
    for item in data.rules:
        rule = existing.get(item.kind)
        if rule is None:
            rule = CertificationRule(kind=item.kind)
            policy.rules.append(rule)
        rule.min_attendance_pct = item.min_attendance_pct
        rule.excused_counts = item.excused_counts
        rule.hours_credit = item.hours_credit
        rule.competences = item.competences.strip()
        rule.themes = _themes(item.theme_ids, cache)


def create_version(data: PolicyInput, *, actor: User | None, today: date | None = None):
    """A new version from ``data`` (validated); audited. The caller commits."""
    today = today or today_local()
    _validate(data, today=today)
    policy = LearningPolicy(created_by_id=actor.id if actor else None)
    _apply(policy, data)
    db.session.add(policy)
    db.session.flush()
    audit.record(
        "policy.version_created",
        actor=actor,
        summary=f"Nieuwe versie van het leerbeleid: {policy.name}, geldig vanaf "
        f"{policy.valid_from.isoformat()}.",
        policy_id=policy.id,
        valid_from=policy.valid_from.isoformat(),
        rules={
            r.kind.value: {
                "min_attendance_pct": r.min_attendance_pct,
                "excused_counts": r.excused_counts,
                "hours_credit": r.hours_credit.value,
            }
            for r in policy.rules
        },
    )
    return policy


def is_editable(policy: LearningPolicy, today: date | None = None) -> bool:
    """Only a version that has not started yet may still change."""
    return policy.valid_from > (today or today_local())


def update_version(
    policy: LearningPolicy, data: PolicyInput, *, actor: User | None, today: date | None = None
) -> LearningPolicy:
    today = today or today_local()
    if not is_editable(policy, today):
        raise PolicyError(
            _("Deze versie is al van kracht en kan niet meer wijzigen. Maak een nieuwe versie."),
            code=409,
        )
    _validate(data, today=today, ignore_id=policy.id)
    _apply(policy, data)
    db.session.flush()
    audit.record(
        "policy.version_updated",
        actor=actor,
        summary=f"Geplande versie van het leerbeleid aangepast: {policy.name}, geldig vanaf "
        f"{policy.valid_from.isoformat()}.",
        policy_id=policy.id,
    )
    return policy


def delete_version(
    policy: LearningPolicy, *, actor: User | None, today: date | None = None
) -> None:
    today = today or today_local()
    if not is_editable(policy, today):
        raise PolicyError(
            _("Deze versie is al van kracht en kan niet verwijderd worden."), code=409
        )
    audit.record(
        "policy.version_deleted",
        actor=actor,
        summary=f"Geplande versie van het leerbeleid verwijderd: {policy.name} "
        f"({policy.valid_from.isoformat()}).",
        policy_id=policy.id,
    )
    db.session.delete(policy)
    db.session.flush()
