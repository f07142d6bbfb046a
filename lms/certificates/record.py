"""Mijn leertraject: a person's hours per calendar year against the policy's yearly target,
hours per theme, certificates, and what is in progress — in a constant number of queries.

Hours earned are the hours on valid certificates (attesten), counted in the year the
activity ended. A programme's diploma is listed but not counted again: its hours are the
sum of its modules' attests, which count already. An activity with several themes counts
its hours toward each of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from lms.certificates.service import certificates_of, hours_of
from lms.common.timeutil import to_local
from lms.models import ActivityStatus, Certificate, User, utcnow
from lms.policy.evaluation import State
from lms.policy.progress import Progress, confirmed_activity_ids, user_progress
from lms.policy.service import all_policies, policy_on, today_local


@dataclass
class ThemeHours:
    name: str
    hours: Decimal


class TowardsTarget:
    """Hours against the yearly target of the learning policy (a learning record, a
    member of staff): needs ``hours`` and ``target``."""

    hours: Decimal
    target: int

    @property
    def share(self) -> float:
        """Share of the yearly target reached, 0–1 (capped)."""
        if self.target <= 0:
            return 1.0
        return min(float(self.hours) / self.target, 1.0)

    @property
    def percent(self) -> float:
        """Percentage of the target reached (not capped: 120 % is worth showing), by the one
        rounding rule (:func:`lms.common.display.rounded_pct`: half-up, one decimal)."""
        from decimal import Decimal

        from lms.common.display import rounded_pct

        if self.target <= 0:
            return 100.0
        return float(rounded_pct(Decimal(str(self.hours)) * 100 / Decimal(self.target)))


@dataclass
class LearningRecord(TowardsTarget):
    user: User
    year: int
    years: list[int]
    target: int
    policy_name: str
    hours: Decimal
    themes: list[ThemeHours]
    #: Certificates (valid and revoked) of the activities that ended in ``year``.
    certificates: list[Certificate]
    #: Every valid certificate, newest first, for the overview per year.
    hours_per_year: list[tuple[int, Decimal]]
    in_progress: list[Progress] = field(default_factory=list)
    #: Finished activities of ``year`` without a certificate and no longer reachable.
    not_passed: list[Progress] = field(default_factory=list)
    #: Modules shown inside their programme: programme id → module progress.
    modules: dict[int, list[Progress]] = field(default_factory=dict)

    @property
    def missing(self) -> Decimal:
        return max(Decimal(self.target) - self.hours, Decimal(0))


def certificate_year(certificate: Certificate) -> int:
    snapshot = certificate.snapshot
    value = snapshot.get("end_date") or snapshot.get("issued_on")
    if value:
        return date.fromisoformat(value).year
    return certificate.issued_at.year


def counts_hours(certificate: Certificate) -> bool:
    return certificate.revoked_at is None and certificate.snapshot.get("document") != "diploma"


def learning_record(user: User, year: int | None = None) -> LearningRecord:
    today = today_local()
    certificates = certificates_of(user)
    per_year: dict[int, Decimal] = {}
    for cert in certificates:
        if counts_hours(cert):
            y = certificate_year(cert)
            per_year[y] = per_year.get(y, Decimal(0)) + hours_of(cert)
    years = sorted(set(per_year) | {today.year}, reverse=True)
    year = year if year in years else today.year
    policies = all_policies()
    policy = policy_on(min(today, date(year, 12, 31)), policies)

    of_year = [c for c in certificates if certificate_year(c) == year]
    themes: dict[str, Decimal] = {}
    for cert in of_year:
        if counts_hours(cert):
            for name in cert.snapshot.get("themes") or []:
                themes[name] = themes.get(name, Decimal(0)) + hours_of(cert)
    theme_hours = [
        ThemeHours(name, hours)
        for name, hours in sorted(themes.items(), key=lambda item: (-item[1], item[0]))
    ]

    record = LearningRecord(
        user=user,
        year=year,
        years=years,
        target=policy.yearly_hours_target,
        policy_name=policy.name,
        hours=per_year.get(year, Decimal(0)),
        themes=theme_hours,
        certificates=of_year,
        hours_per_year=[(y, per_year.get(y, Decimal(0))) for y in years],
    )

    valid_for = {c.activity_id for c in certificates if c.revoked_at is None}
    ids = [i for i in confirmed_activity_ids(user) if i not in valid_for]
    progress = user_progress(user, ids)
    now = utcnow()
    for item in sorted(
        progress.values(),
        key=lambda p: (p.activity.last_end or now, p.activity.title),
    ):
        activity = item.activity
        if activity.status in (ActivityStatus.CANCELLED, ActivityStatus.DRAFT):
            continue
        if activity.parent_id is not None and activity.parent_id in progress:
            record.modules.setdefault(activity.parent_id, []).append(item)
            continue
        end = activity.last_end
        finished = end is not None and end <= now
        if finished and item.state == State.IMPOSSIBLE:
            if to_local(end).year == year:
                record.not_passed.append(item)
            continue
        record.in_progress.append(item)
    return record
