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
  ``impossible``: not even then;
  ``incomplete``: the activity is over (its last session ended) and the result still
  depends on sessions nobody recorded. Once an activity is over nobody is ``possible``:
  the result is decided (eligible or impossible) or waits for attendance (incomplete).

Reasons are :class:`Reason` values: a stable code and a message id with its parameters,
rendered through gettext where they are shown (the reader's language, numbers and
durations formatted for it), with percentages rounded half-up to one decimal by
:func:`lms.common.display.pct` (the one rounding rule of pages, PDFs and the API).

A programme (beroepsopleiding) is judged by :func:`evaluate_programme`: its diploma needs
every module passed under the module's own rule.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from flask_babel import LazyString, ngettext
from flask_babel import gettext as _
from markupsafe import escape

from lms.common.display import HOURS_QUANTUM, duration, minutes_to_hours
from lms.common.display import pct as pct_text
from lms.common.vocabulary import STATE_LABELS
from lms.models import AttendanceStatus, HoursCredit


class Reason(LazyString):
    """One reason of a decision: a message id with its parameters, rendered when shown.

    ``code`` is stable (the API and tests can rely on it); the text is rendered through
    gettext each time it is turned into a string, in the language of whoever reads it then
    (a page, the API, or a Dutch mail under ``force_locale``), with numbers, percentages and
    durations formatted for that language. It compares and searches like its text.
    """

    def __init__(self, code: str, render: Callable[[], str]) -> None:
        super().__init__(render)
        self.code = code

    def __html__(self) -> str:
        return escape(str(self))

    def __hash__(self) -> int:
        return hash(self.code)


class State(enum.StrEnum):
    ELIGIBLE = "eligible"
    POSSIBLE = "possible"
    IMPOSSIBLE = "impossible"
    #: The activity is over, but sessions were not recorded: the result waits for them.
    INCOMPLETE = "incomplete"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


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
    reasons: tuple[Reason, ...]
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
    def summary(self) -> Reason | str:
        """The first, main reason."""
        return self.reasons[0] if self.reasons else ""


# --- Formatting in plain Dutch ----------------------------------------------------------


def percentage(part: int, whole: int) -> float:
    return 0.0 if whole <= 0 else part * 100 / whole


# --- The evaluation ------------------------------------------------------------------------


def evaluate(
    sessions: Iterable[SessionFact],
    attendance: Iterable[AttendanceFact],
    rule: RuleFacts,
    *,
    now: datetime | None = None,
) -> Decision:
    """Judge one person's attendance at one activity under ``rule``.

    ``now`` decides whether the activity is over (every session not cancelled has ended):
    then a result that unrecorded sessions could still change is ``incomplete`` instead of
    ``possible``. Without ``now`` nothing is considered over. ``now`` also refines the
    wording of the open sessions ("nog te gaan" versus "nog niet geregistreerd").
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

    over = bool(active) and now is not None and all(o.session.ends_at <= now for o in active)
    if planned <= 0:
        state = State.POSSIBLE
    elif counted * 100 >= planned * pct:
        state = State.ELIGIBLE
    elif reachable * 100 >= planned * pct:
        state = State.INCOMPLETE if over else State.POSSIBLE
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
    reasons: list[Reason] = []
    pct = decision.required_pct

    if not active:
        reasons.append(Reason("no_sessions", lambda: _("Er zijn (nog) geen sessies gepland.")))
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
        Reason(
            "attended",
            lambda: ngettext(
                "%(present)d van %(num)d sessie aanwezig (%(pct)s %%), %(required)s %% vereist",
                "%(present)d van %(num)d sessies aanwezig (%(pct)s %%), %(required)s %% vereist",
                len(active),
                present=len(full),
                pct=pct_text(decision.counted_pct),
                required=pct,
            ),
        )
    )

    partial = [o for o in active if o.status == AttendanceStatus.PARTIAL]
    if partial:
        reasons.append(
            Reason(
                "partial",
                lambda: ngettext(
                    "%(num)d sessie deels aanwezig (%(minutes)s van %(of)s minuten)",
                    "%(num)d sessies deels aanwezig (%(minutes)s van %(of)s minuten)",
                    len(partial),
                    minutes=sum(o.present_minutes for o in partial),
                    of=sum(o.session.minutes for o in partial),
                ),
            )
        )
    excused = [o for o in active if o.status == AttendanceStatus.EXCUSED]
    if excused:
        if rule.excused_counts:
            reasons.append(
                Reason(
                    "excused_counted",
                    lambda: ngettext(
                        "%(num)d sessie verontschuldigd: telt mee als aanwezig volgens het "
                        "leerbeleid",
                        "%(num)d sessies verontschuldigd: tellen mee als aanwezig volgens het "
                        "leerbeleid",
                        len(excused),
                    ),
                )
            )
        else:
            reasons.append(
                Reason(
                    "excused_not_counted",
                    lambda: ngettext(
                        "%(num)d sessie verontschuldigd: telt niet mee als aanwezig volgens het "
                        "leerbeleid",
                        "%(num)d sessies verontschuldigd: tellen niet mee als aanwezig volgens het "
                        "leerbeleid",
                        len(excused),
                    ),
                )
            )
    absent = [o for o in active if o.status == AttendanceStatus.ABSENT]
    if absent:
        reasons.append(
            Reason(
                "absent",
                lambda: ngettext("%(num)d sessie afwezig", "%(num)d sessies afwezig", len(absent)),
            )
        )
    if cancelled:
        reasons.append(_cancelled_reason(cancelled))

    open_ = [o for o in active if o.is_open]
    if decision.state == State.INCOMPLETE:
        reasons.append(
            Reason(
                "waiting_for_attendance",
                lambda: ngettext(
                    "Wacht op aanwezigheden: de activiteit is voorbij, maar %(num)d sessie is nog "
                    "niet geregistreerd (%(sessions)s)",
                    "Wacht op aanwezigheden: de activiteit is voorbij, maar %(num)d sessies zijn "
                    "nog niet geregistreerd (%(sessions)s)",
                    len(open_),
                    sessions=", ".join(session_name(o.session) for o in open_),
                ),
            )
        )
        return replace(decision, reasons=tuple(reasons))
    if open_:
        if now is None:
            reasons.append(
                Reason(
                    "open_sessions",
                    lambda: ngettext(
                        "nog %(num)d sessie zonder registratie",
                        "nog %(num)d sessies zonder registratie",
                        len(open_),
                    ),
                )
            )
        else:
            future = sum(1 for o in open_ if o.session.starts_at > now)
            unrecorded = len(open_) - future
            if future:
                reasons.append(
                    Reason(
                        "sessions_to_go",
                        lambda: ngettext(
                            "nog %(num)d sessie te gaan", "nog %(num)d sessies te gaan", future
                        ),
                    )
                )
            if unrecorded:
                reasons.append(
                    Reason(
                        "unrecorded_sessions",
                        lambda: ngettext(
                            "%(num)d voorbije sessie nog niet geregistreerd",
                            "%(num)d voorbije sessies nog niet geregistreerd",
                            unrecorded,
                        ),
                    )
                )

    if decision.state == State.ELIGIBLE:
        reasons.append(
            Reason(
                "met",
                lambda: _(
                    "Voldaan: %(counted)s van de vereiste %(required)s aanwezig",
                    counted=duration(decision.counted_minutes),
                    required=duration(decision.required_minutes),
                ),
            )
        )
    elif decision.state == State.POSSIBLE:
        reasons.append(
            Reason(
                "still_possible",
                lambda: _(
                    "Nog haalbaar: nog %(missing)s aanwezigheid nodig in de resterende sessies",
                    missing=duration(decision.missing_minutes),
                ),
            )
        )
    elif open_:
        reasons.append(
            Reason(
                "out_of_reach",
                lambda: _(
                    "Niet meer haalbaar: ook met aanwezigheid op alle resterende sessies wordt het "
                    "hoogstens %(pct)s %%",
                    pct=pct_text(decision.reachable_pct),
                ),
            )
        )
    else:
        reasons.append(
            Reason(
                "not_met",
                lambda: _(
                    "Niet gehaald: alle sessies zijn geregistreerd, er ontbreekt %(missing)s "
                    "aanwezigheid",
                    missing=duration(decision.missing_minutes),
                ),
            )
        )
    return replace(decision, reasons=tuple(reasons))


def session_name(session: SessionFact) -> str:
    """How a session is named in a reason: its title, else its local date and time."""
    from lms.common.display_dates import display_datetime

    when = display_datetime(session.starts_at)
    return f"{session.title} ({when})" if session.title else when


def _cancelled_reason(count: int) -> Reason:
    return Reason(
        "cancelled_sessions",
        lambda: ngettext(
            "%(num)d geannuleerde sessie telt niet mee",
            "%(num)d geannuleerde sessies tellen niet mee",
            count,
        ),
    )


def evaluate_programme(modules: Sequence[tuple[str, Decision]]) -> Decision:
    """A programme's diploma: every module passed under its own rule.

    Eligible when every module is, impossible as soon as one module is; otherwise
    ``incomplete`` once every module is decided or waiting for attendance (the programme is
    over, its modules included), else possible. Hours are the sum of the modules' credited
    hours.
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
            reasons=(Reason("no_modules", lambda: _("Deze opleiding heeft nog geen modules.")),),
        )
    decisions = [d for _title, d in modules]
    passed = sum(1 for d in decisions if d.state == State.ELIGIBLE)
    if passed == len(decisions):
        state = State.ELIGIBLE
    elif any(d.state == State.IMPOSSIBLE for d in decisions):
        state = State.IMPOSSIBLE
    elif any(d.state == State.INCOMPLETE for d in decisions) and all(
        d.state in (State.ELIGIBLE, State.INCOMPLETE) for d in decisions
    ):
        state = State.INCOMPLETE
    else:
        state = State.POSSIBLE
    reasons = [
        Reason(
            "modules_passed",
            lambda: ngettext(
                "%(passed)d van %(num)d module gehaald, alle modules vereist",
                "%(passed)d van %(num)d modules gehaald, alle modules vereist",
                len(decisions),
                passed=passed,
            ),
        )
    ]
    for title, decision in modules:
        reasons.append(
            Reason(
                "module",
                lambda title=title, decision=decision: _(
                    "%(module)s: %(state)s (%(summary)s)",
                    module=title,
                    state=_(decision.state.label),
                    summary=decision.summary,
                ),
            )
        )
    if state == State.IMPOSSIBLE:
        reasons.append(
            Reason(
                "module_out_of_reach",
                lambda: _("Niet meer haalbaar: een module kan niet meer gehaald worden"),
            )
        )
    elif state == State.INCOMPLETE:
        reasons.append(
            Reason(
                "module_waiting",
                lambda: _(
                    "Wacht op aanwezigheden: een module is voorbij, maar niet volledig "
                    "geregistreerd"
                ),
            )
        )
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
    "session_name",
]
