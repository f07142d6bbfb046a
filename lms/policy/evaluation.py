"""Judging attendance against a certification rule: a pure function, facts in, decision out.

Nothing here touches the database or the request: :func:`evaluate` takes the activity's
sessions, one person's attendance records and the rule that applies, and returns a
:class:`Decision` (state, minutes, hours and the reasons in plain Dutch). The same
function serves the participant's "Wat heb ik nog nodig?", the trainer's overview, the API,
the out-of-reach warning and issuing certificates, so they can never disagree.

The semantics (CONTRACT.md, "The default learning policy"):

* the base is the scheduled minutes of the activity's sessions that were not cancelled —
  *all* of them, also those still to come, so nobody looks complete halfway;
* present counts the whole session, partial its minutes (at most the session's length),
  absent nothing, excused nothing unless the rule says excused absence counts;
* ``eligible``: the attended minutes reach the rule's share of the base;
  ``possible``: they would, if every session without a record yet is attended;
  ``impossible``: not even then.

A programme (beroepsopleiding) is judged by :func:`evaluate_programme`: its diploma needs
every module passed under the module's own rule.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from lms.i18n import N_
from lms.models import AttendanceStatus, HoursCredit

HOURS_QUANTUM = Decimal("0.01")


class State(enum.StrEnum):
    ELIGIBLE = "eligible"
    POSSIBLE = "possible"
    IMPOSSIBLE = "impossible"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {
    State.ELIGIBLE: N_("geslaagd"),
    State.POSSIBLE: N_("nog haalbaar"),
    State.IMPOSSIBLE: N_("niet meer haalbaar"),
}


@dataclass(frozen=True)
class SessionFact:
    """One planned session of the activity."""

    id: int
    starts_at: datetime
    ends_at: datetime
    cancelled: bool = False
    title: str = ""

    @property
    def minutes(self) -> int:
        return max(int((self.ends_at - self.starts_at).total_seconds() // 60), 0)


@dataclass(frozen=True)
class AttendanceFact:
    """One attendance record of the person being judged."""

    session_id: int
    status: AttendanceStatus
    minutes: int | None = None


@dataclass(frozen=True)
class RuleFacts:
    """The rule that applies to this activity (its kind's rule with the activity's overrides)."""

    min_attendance_pct: int
    excused_counts: bool = False
    hours_credit: HoursCredit = HoursCredit.ATTENDED
    #: The activity's nominal hours (credited under ``HoursCredit.NOMINAL``); None = planned.
    nominal_hours: Decimal | None = None


@dataclass(frozen=True)
class SessionOutcome:
    """What one session contributes: its record (None: none yet) and the minutes counted."""

    session: SessionFact
    status: AttendanceStatus | None
    #: Minutes counted toward the threshold (excused counts only when the rule says so).
    counted_minutes: int
    #: Minutes really present (present or partial), the basis of attended hours.
    present_minutes: int

    @property
    def is_open(self) -> bool:
        """Not cancelled and nothing recorded yet: still to be attended."""
        return not self.session.cancelled and self.status is None


@dataclass(frozen=True)
class Decision:
    """The outcome for one person and one activity (or programme)."""

    state: State
    #: Scheduled minutes of the sessions that were not cancelled (the base).
    planned_minutes: int
    #: Minutes counted toward the threshold.
    counted_minutes: int
    #: Minutes really present (present + partial).
    present_minutes: int
    #: The most that can still be counted: counted + every open session.
    reachable_minutes: int
    required_pct: int
    #: Hours this activity credits (attended or nominal, per the rule).
    credited_hours: Decimal
    reasons: tuple[str, ...]
    sessions: tuple[SessionOutcome, ...] = ()
    #: For a programme: (module title, decision) per module.
    modules: tuple[tuple[str, Decision], ...] = ()
    hours_credit: HoursCredit = HoursCredit.ATTENDED

    @property
    def is_eligible(self) -> bool:
        return self.state == State.ELIGIBLE

    @property
    def required_minutes(self) -> int:
        return math.ceil(self.planned_minutes * self.required_pct / 100)

    @property
    def missing_minutes(self) -> int:
        """Minutes still to be counted before the threshold is reached."""
        return max(self.required_minutes - self.counted_minutes, 0)

    @property
    def attended_hours(self) -> Decimal:
        return minutes_to_hours(self.present_minutes)

    @property
    def planned_hours(self) -> Decimal:
        return minutes_to_hours(self.planned_minutes)

    @property
    def counted_pct(self) -> float:
        return percentage(self.counted_minutes, self.planned_minutes)

    @property
    def reachable_pct(self) -> float:
        return percentage(self.reachable_minutes, self.planned_minutes)

    @property
    def open_sessions(self) -> tuple[SessionOutcome, ...]:
        return tuple(s for s in self.sessions if s.is_open)

    @property
    def summary(self) -> str:
        """The first, main reason."""
        return self.reasons[0] if self.reasons else ""


# --- Formatting in plain Dutch ----------------------------------------------------------


def minutes_to_hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / Decimal(60)).quantize(HOURS_QUANTUM, rounding=ROUND_HALF_UP)


def percentage(part: int, whole: int) -> float:
    return 0.0 if whole <= 0 else part * 100 / whole


def format_pct(value: float) -> str:
    """``75``, ``66,6``: whole numbers as such, else one decimal, rounded *down*.

    Rounding down means 79.96 % is shown as ``79,9`` and never as the ``80`` it did not reach.
    """
    tenths = math.floor(value * 10 + 1e-9)
    if tenths % 10 == 0:
        return str(tenths // 10)
    return f"{tenths // 10},{tenths % 10}"


def format_duration(minutes: int) -> str:
    """``2 u 30 min``, ``3 u``, ``45 min``."""
    hours, rest = divmod(max(minutes, 0), 60)
    if hours and rest:
        return f"{hours} u {rest} min"
    if hours:
        return f"{hours} u"
    return f"{rest} min"


def format_hours(value: Decimal | float | int) -> str:
    """``12``, ``2,5``, ``1,67`` (Dutch decimal comma, no trailing zeros)."""
    text = f"{Decimal(str(value)).quantize(HOURS_QUANTUM, rounding=ROUND_HALF_UP):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _sessions_word(n: int) -> str:
    return "sessie" if n == 1 else "sessies"


# --- The evaluation ------------------------------------------------------------------------


def evaluate(
    sessions: Iterable[SessionFact],
    attendance: Iterable[AttendanceFact],
    rule: RuleFacts,
    *,
    now: datetime | None = None,
) -> Decision:
    """Judge one person's attendance at one activity under ``rule``.

    ``now`` only refines the wording of the open sessions ("nog te gaan" versus "nog niet
    geregistreerd"); the decision itself does not depend on the clock.
    """
    records = {a.session_id: a for a in attendance}
    outcomes: list[SessionOutcome] = []
    for session in sorted(sessions, key=lambda s: (s.starts_at, s.id)):
        record = None if session.cancelled else records.get(session.id)
        status = AttendanceStatus(record.status) if record is not None else None
        counted = present = 0
        if status == AttendanceStatus.PRESENT:
            counted = present = session.minutes
        elif status == AttendanceStatus.PARTIAL:
            counted = present = min(max(record.minutes or 0, 0), session.minutes)
        elif status == AttendanceStatus.EXCUSED and rule.excused_counts:
            counted = session.minutes
        outcomes.append(SessionOutcome(session, status, counted, present))

    active = [o for o in outcomes if not o.session.cancelled]
    planned = sum(o.session.minutes for o in active)
    counted = sum(o.counted_minutes for o in active)
    present = sum(o.present_minutes for o in active)
    reachable = counted + sum(o.session.minutes for o in active if o.is_open)
    pct = rule.min_attendance_pct

    if planned <= 0:
        state = State.POSSIBLE
    elif counted * 100 >= planned * pct:
        state = State.ELIGIBLE
    elif reachable * 100 >= planned * pct:
        state = State.POSSIBLE
    else:
        state = State.IMPOSSIBLE

    if rule.hours_credit == HoursCredit.NOMINAL:
        credited = (
            Decimal(rule.nominal_hours).quantize(HOURS_QUANTUM)
            if rule.nominal_hours is not None
            else minutes_to_hours(planned)
        )
    else:
        credited = minutes_to_hours(present)

    decision = Decision(
        state=state,
        planned_minutes=planned,
        counted_minutes=counted,
        present_minutes=present,
        reachable_minutes=reachable,
        required_pct=pct,
        credited_hours=credited,
        reasons=(),
        sessions=tuple(outcomes),
        hours_credit=rule.hours_credit,
    )
    return _with_reasons(decision, rule, now)


def _with_reasons(decision: Decision, rule: RuleFacts, now: datetime | None) -> Decision:
    outcomes = decision.sessions
    active = [o for o in outcomes if not o.session.cancelled]
    cancelled = len(outcomes) - len(active)
    reasons: list[str] = []
    pct = decision.required_pct

    if not active:
        reasons.append("Er zijn (nog) geen sessies gepland.")
        if cancelled:
            reasons.append(_cancelled_reason(cancelled))
        return replace(decision, reasons=tuple(reasons))

    full = [
        o
        for o in active
        if o.status == AttendanceStatus.PRESENT
        or (o.status == AttendanceStatus.EXCUSED and rule.excused_counts)
    ]
    reasons.append(
        f"{len(full)} van {len(active)} {_sessions_word(len(active))} aanwezig "
        f"({format_pct(decision.counted_pct)} %), {pct} % vereist"
    )

    partial = [o for o in active if o.status == AttendanceStatus.PARTIAL]
    if partial:
        minutes = sum(o.present_minutes for o in partial)
        of = sum(o.session.minutes for o in partial)
        reasons.append(
            f"{len(partial)} {_sessions_word(len(partial))} deels aanwezig "
            f"({minutes} van {of} minuten)"
        )
    excused = [o for o in active if o.status == AttendanceStatus.EXCUSED]
    if excused:
        verb = "telt" if len(excused) == 1 else "tellen"
        how = "mee als aanwezig" if rule.excused_counts else "niet mee als aanwezig"
        reasons.append(
            f"{len(excused)} {_sessions_word(len(excused))} verontschuldigd: {verb} {how} "
            "volgens het leerbeleid"
        )
    absent = [o for o in active if o.status == AttendanceStatus.ABSENT]
    if absent:
        reasons.append(f"{len(absent)} {_sessions_word(len(absent))} afwezig")
    if cancelled:
        reasons.append(_cancelled_reason(cancelled))

    open_ = [o for o in active if o.is_open]
    if open_:
        if now is None:
            reasons.append(f"nog {len(open_)} {_sessions_word(len(open_))} zonder registratie")
        else:
            future = sum(1 for o in open_ if o.session.starts_at > now)
            unrecorded = len(open_) - future
            if future:
                reasons.append(f"nog {future} {_sessions_word(future)} te gaan")
            if unrecorded:
                reasons.append(
                    f"{unrecorded} voorbije {_sessions_word(unrecorded)} nog niet geregistreerd"
                )

    if decision.state == State.ELIGIBLE:
        reasons.append(
            f"Voldaan: {format_duration(decision.counted_minutes)} van de vereiste "
            f"{format_duration(decision.required_minutes)} aanwezig"
        )
    elif decision.state == State.POSSIBLE:
        reasons.append(
            f"Nog haalbaar: nog {format_duration(decision.missing_minutes)} aanwezigheid nodig "
            f"in de resterende sessies"
        )
    elif open_:
        reasons.append(
            f"Niet meer haalbaar: ook met aanwezigheid op alle resterende sessies wordt het "
            f"hoogstens {format_pct(decision.reachable_pct)} %"
        )
    else:
        reasons.append(
            f"Niet gehaald: alle sessies zijn geregistreerd, er ontbreekt "
            f"{format_duration(decision.missing_minutes)} aanwezigheid"
        )
    return replace(decision, reasons=tuple(reasons))


def _cancelled_reason(count: int) -> str:
    if count == 1:
        return "1 geannuleerde sessie telt niet mee"
    return f"{count} geannuleerde sessies tellen niet mee"


def evaluate_programme(modules: Sequence[tuple[str, Decision]]) -> Decision:
    """A programme's diploma: every module passed under its own rule.

    Eligible when every module is, impossible as soon as one module is, possible otherwise.
    Hours are the sum of the modules' credited hours.
    """
    if not modules:
        return Decision(
            state=State.POSSIBLE,
            planned_minutes=0,
            counted_minutes=0,
            present_minutes=0,
            reachable_minutes=0,
            required_pct=100,
            credited_hours=Decimal("0.00"),
            reasons=("Deze opleiding heeft nog geen modules.",),
        )
    decisions = [d for _title, d in modules]
    passed = sum(1 for d in decisions if d.state == State.ELIGIBLE)
    if passed == len(decisions):
        state = State.ELIGIBLE
    elif any(d.state == State.IMPOSSIBLE for d in decisions):
        state = State.IMPOSSIBLE
    else:
        state = State.POSSIBLE
    module_word = "module" if len(decisions) == 1 else "modules"
    reasons = [f"{passed} van {len(decisions)} {module_word} gehaald, alle modules vereist"]
    for title, decision in modules:
        reasons.append(f"{title}: {decision.state.label} ({decision.summary})")
    if state == State.IMPOSSIBLE:
        reasons.append("Niet meer haalbaar: een module kan niet meer gehaald worden")
    return Decision(
        state=state,
        planned_minutes=sum(d.planned_minutes for d in decisions),
        counted_minutes=sum(d.counted_minutes for d in decisions),
        present_minutes=sum(d.present_minutes for d in decisions),
        reachable_minutes=sum(d.reachable_minutes for d in decisions),
        required_pct=100,
        credited_hours=sum((d.credited_hours for d in decisions), Decimal("0.00")),
        reasons=tuple(reasons),
        modules=tuple(modules),
    )


__all__ = [
    "STATE_LABELS",
    "AttendanceFact",
    "Decision",
    "RuleFacts",
    "SessionFact",
    "SessionOutcome",
    "State",
    "evaluate",
    "evaluate_programme",
    "format_duration",
    "format_hours",
    "format_pct",
    "minutes_to_hours",
]
