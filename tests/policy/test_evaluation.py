"""The evaluation as a table: facts in, decision out — pure, and through the database.

Each case is checked twice: by the pure function with hand-made facts, and by
:func:`lms.policy.progress.activity_progress` on a real activity with real attendance (on
every database backend), so the gathering of facts can never drift from the rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest

from lms.common.timeutil import brussels
from lms.extensions import db
from lms.models import ActivityKind, AttendanceStatus, HoursCredit
from lms.policy.evaluation import (
    AttendanceFact,
    RuleFacts,
    SessionFact,
    State,
    evaluate,
    evaluate_programme,
)
from lms.policy.progress import activity_progress
from tests.factories import attend, create_enrolment, past_start, weekly
from tests.policy.factories import A, E, P, X


@dataclass
class Case:
    id: str
    marks: list  # one per session: P, A, E, (X, minutes) or None (nothing recorded)
    state: State
    reasons: list[str]  # each must appear (as a substring) among the reasons
    sessions: int = 4
    minutes: int = 180
    pct: int = 80
    excused_counts: bool = False
    cancelled: tuple[int, ...] = ()
    attended_hours: Decimal | None = None
    extra: dict = field(default_factory=dict)


CASES = [
    Case(
        "exactly-at-threshold",
        [P, P, P, P, A],
        State.ELIGIBLE,
        ["4 van 5 sessies aanwezig (80 %), 80 % vereist", "1 sessie afwezig", "Voldaan"],
        sessions=5,
        minutes=60,
        attended_hours=Decimal("4.00"),
    ),
    Case(
        "just-below-threshold",
        [P, P, P, (X, 59), A],
        State.IMPOSSIBLE,
        [
            "3 van 5 sessies aanwezig (79,7 %), 80 % vereist",
            "1 sessie deels aanwezig (59 van 60 minuten)",
            "Niet gehaald: alle sessies zijn geregistreerd, er ontbreekt 1 min aanwezigheid",
        ],
        sessions=5,
        minutes=60,
        attended_hours=Decimal("3.98"),
    ),
    Case(
        "example-of-the-issue",
        [P, P, P, A],
        State.IMPOSSIBLE,
        ["3 van 4 sessies aanwezig (75 %), 80 % vereist"],
    ),
    Case(
        "halfway-still-possible",
        [P, P, None, None],
        State.POSSIBLE,
        [
            "2 van 4 sessies aanwezig (50 %), 80 % vereist",
            "Nog haalbaar: nog 3 u 36 min aanwezigheid nodig",
        ],
        attended_hours=Decimal("6.00"),
    ),
    Case(
        "halfway-no-longer-possible",
        [P, A, None, None],
        State.IMPOSSIBLE,
        ["1 van 4 sessies aanwezig (25 %)", "hoogstens 75 %"],
    ),
    Case(
        "excused-counts",
        [P, P, P, E],
        State.ELIGIBLE,
        [
            "4 van 4 sessies aanwezig (100 %)",
            "1 sessie verontschuldigd: telt mee als aanwezig",
        ],
        excused_counts=True,
        attended_hours=Decimal("9.00"),  # hours credited are hours really present
    ),
    Case(
        "excused-does-not-count",
        [P, P, P, E],
        State.IMPOSSIBLE,
        [
            "3 van 4 sessies aanwezig (75 %), 80 % vereist",
            "1 sessie verontschuldigd: telt niet mee als aanwezig",
        ],
    ),
    Case(
        "partial-minutes",
        [P, P, P, (X, 120)],
        State.ELIGIBLE,
        ["3 van 4 sessies aanwezig (91,7 %)", "1 sessie deels aanwezig (120 van 180 minuten)"],
        attended_hours=Decimal("11.00"),
    ),
    Case(
        "partial-minutes-capped-at-the-session",
        [(X, 500), A, A, A],
        State.IMPOSSIBLE,
        ["0 van 4 sessies aanwezig (25 %)", "1 sessie deels aanwezig (180 van 180 minuten)"],
        attended_hours=Decimal("3.00"),
    ),
    Case(
        "no-sessions-held",
        [None, None, None, None],
        State.POSSIBLE,
        ["0 van 4 sessies aanwezig (0 %)", "Nog haalbaar: nog 9 u 36 min aanwezigheid nodig"],
        attended_hours=Decimal("0.00"),
    ),
    Case(
        "cancelled-session-does-not-count",
        [P, P, P, A, P],
        State.IMPOSSIBLE,
        ["3 van 4 sessies aanwezig (75 %)", "1 geannuleerde sessie telt niet mee"],
        sessions=5,
        cancelled=(1,),
    ),
    Case(
        "cancelled-session-lowers-the-base",
        [P, None, P, P, P],
        State.ELIGIBLE,
        ["4 van 4 sessies aanwezig (100 %)", "1 geannuleerde sessie telt niet mee"],
        sessions=5,
        cancelled=(1,),
    ),
    Case(
        "lecture-needs-presence",
        [(X, 100)],
        State.IMPOSSIBLE,
        ["0 van 1 sessie aanwezig (83,3 %), 100 % vereist"],
        sessions=1,
        minutes=120,
        pct=100,
    ),
]


def facts_for(case: Case):
    first = brussels(2026, 3, 3, 9, 30)
    sessions = [
        SessionFact(
            id=i + 1,
            starts_at=first + timedelta(days=7 * i),
            ends_at=first + timedelta(days=7 * i, minutes=case.minutes),
            cancelled=i in case.cancelled,
        )
        for i in range(case.sessions)
    ]
    attendance = []
    for i, mark in enumerate(case.marks):
        if mark is None:
            continue
        status, minutes = mark if isinstance(mark, tuple) else (mark, None)
        attendance.append(AttendanceFact(i + 1, AttendanceStatus(status), minutes))
    rule = RuleFacts(min_attendance_pct=case.pct, excused_counts=case.excused_counts)
    return sessions, attendance, rule


def check(decision, case: Case) -> None:
    assert decision.state == case.state, decision.reasons
    for expected in case.reasons:
        assert any(expected in reason for reason in decision.reasons), (expected, decision.reasons)
    if case.attended_hours is not None:
        assert decision.attended_hours == case.attended_hours
        assert decision.credited_hours == case.attended_hours


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_evaluation_table(case: Case):
    check(evaluate(*facts_for(case)), case)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_evaluation_table_through_the_database(case: Case, create_user, create_activity):
    trainer = create_user(roles=("trainer",))
    activity = create_activity(
        kind=ActivityKind.LECTURE if case.pct == 100 else ActivityKind.COURSE,
        sessions=weekly(case.sessions, first=past_start(case.sessions + 1), minutes=case.minutes),
        trainers=[trainer],
        rule_excused_counts=case.excused_counts or None,
    )
    sessions = sorted(activity.sessions, key=lambda s: s.starts_at)
    for index in case.cancelled:
        sessions[index].status = "cancelled"
    db.session.commit()
    person = create_user(name="Zoë Ağaoğlu-Łukasiewicz")
    create_enrolment(activity, person)
    for session, mark in zip(sessions, case.marks, strict=True):
        if mark is not None:
            status, minutes = mark if isinstance(mark, tuple) else (mark, None)
            attend(person, session, status, minutes)
    [progress] = activity_progress(activity)
    assert progress.user.id == person.id
    if case.state == State.POSSIBLE:
        # Every session lies in the past: the activity is over, so nobody is "possible";
        # the result waits for the sessions nobody recorded, which are named.
        assert progress.state == State.INCOMPLETE, progress.decision.reasons
        assert case.reasons[0] in progress.decision.reasons[0]
        waiting = progress.decision.reasons[-1]
        assert waiting.startswith("Wacht op aanwezigheden: de activiteit is voorbij")
        assert not any("Nog haalbaar" in r for r in progress.decision.reasons)
        return
    check(progress.decision, case)


def test_hours_credited_as_nominal():
    sessions, attendance, _rule = facts_for(CASES[0])
    rule = RuleFacts(80, hours_credit=HoursCredit.NOMINAL, nominal_hours=Decimal("6"))
    decision = evaluate(sessions, attendance, rule)
    assert decision.state == State.ELIGIBLE
    assert decision.credited_hours == Decimal("6.00")
    assert decision.attended_hours == Decimal("4.00")


def test_nominal_hours_default_to_the_planned_hours(create_user, create_activity):
    activity = create_activity(
        sessions=weekly(2, first=past_start(3), minutes=150), rule_hours_credit="nominal"
    )
    person = create_user()
    create_enrolment(activity, person)
    for session in activity.sessions:
        attend(person, session, P)
    [progress] = activity_progress(activity)
    assert progress.decision.credited_hours == Decimal("5.00")


def test_nothing_planned_is_possible_not_eligible():
    decision = evaluate([], [], RuleFacts(80))
    assert decision.state == State.POSSIBLE
    assert decision.reasons == ("Er zijn (nog) geen sessies gepland.",)


def test_an_attendance_record_on_a_cancelled_session_is_ignored():
    case = Case("x", [P, P], State.ELIGIBLE, [], sessions=2, cancelled=(1,))
    sessions, attendance, rule = facts_for(case)
    decision = evaluate(sessions, attendance, rule)
    assert decision.planned_minutes == 180
    assert decision.present_minutes == 180


def test_open_sessions_are_worded_by_the_clock():
    case = CASES[3]  # halfway
    sessions, attendance, rule = facts_for(case)
    now = sessions[2].starts_at + timedelta(minutes=1)  # third session started, not recorded
    decision = evaluate(sessions, attendance, rule, now=now)
    assert "nog 1 sessie te gaan" in decision.reasons
    assert "1 voorbije sessie nog niet geregistreerd" in decision.reasons


def _module(state_marks, pct=80):
    case = Case("m", state_marks, State.POSSIBLE, [], pct=pct)
    return evaluate(*facts_for(case))


@pytest.mark.parametrize(
    ("modules", "state"),
    [
        ([[P, P, P, P], [P, P, P, P], [P, P, P, P]], State.ELIGIBLE),
        ([[P, P, P, P], [P, A, A, P], [P, P, P, P]], State.IMPOSSIBLE),
        ([[P, P, P, P], [P, P, None, None], [P, P, P, P]], State.POSSIBLE),
        ([[P, A, A, A], [P, P, None, None], [None, None, None, None]], State.IMPOSSIBLE),
    ],
    ids=["all-passed", "one-module-failed", "one-module-under-way", "failed-and-under-way"],
)
def test_programme_needs_every_module(modules, state):
    decisions = [(f"Module {i + 1}", _module(marks)) for i, marks in enumerate(modules)]
    decision = evaluate_programme(decisions)
    assert decision.state == state
    passed = sum(1 for _t, d in decisions if d.state == State.ELIGIBLE)
    assert decision.reasons[0] == f"{passed} van 3 modules gehaald, alle modules vereist"
    assert decision.credited_hours == sum((d.credited_hours for _t, d in decisions), Decimal(0))
    if state == State.IMPOSSIBLE:
        failed = [t for t, d in decisions if d.state == State.IMPOSSIBLE]
        assert any(r.startswith(f"{failed[0]}: niet meer haalbaar") for r in decision.reasons)


def test_programme_without_modules_is_possible():
    assert evaluate_programme([]).state == State.POSSIBLE


def test_programme_through_the_database(create_user, create_activity):
    """A programme with one module failed: no diploma; the other modules give attests."""
    programme = create_activity(kind=ActivityKind.PROGRAMME, title="Beroepsopleiding", sessions=[])
    modules = [
        create_activity(
            kind=ActivityKind.COURSE,
            title=f"Module {i}",
            parent=programme,
            sessions=weekly(2, first=past_start(10 - 3 * i), minutes=120),
        )
        for i in (1, 2, 3)
    ]
    person = create_user(name="Nguyễn Thị Minh Khai")
    create_enrolment(programme, person)
    for module, marks in zip(modules, ([P, P], [P, A], [P, P]), strict=True):
        create_enrolment(module, person)
        for session, mark in zip(module.sessions, marks, strict=True):
            attend(person, session, mark)
    [diploma] = activity_progress(programme)
    assert diploma.state == State.IMPOSSIBLE
    assert diploma.decision.reasons[0] == "2 van 3 modules gehaald, alle modules vereist"
    assert [d.state for _t, d in diploma.decision.modules] == [
        State.ELIGIBLE,
        State.IMPOSSIBLE,
        State.ELIGIBLE,
    ]
    assert [activity_progress(m)[0].state for m in modules] == [
        State.ELIGIBLE,
        State.IMPOSSIBLE,
        State.ELIGIBLE,
    ]


# --- Decided results once the activity is over -----------------------------------------------


def _over(marks, pct=80, excused_counts=False):
    case = Case("over", marks, State.POSSIBLE, [], sessions=len(marks), pct=pct)
    sessions, attendance, _rule = facts_for(case)
    rule = RuleFacts(min_attendance_pct=pct, excused_counts=excused_counts)
    after = max(s.ends_at for s in sessions) + timedelta(minutes=1)
    return evaluate(sessions, attendance, rule, now=after)


def test_once_over_an_open_session_makes_the_result_wait_not_possible():
    decision = _over([P, P, P, None])
    assert decision.state == State.INCOMPLETE
    assert decision.reasons[-1].startswith(
        "Wacht op aanwezigheden: de activiteit is voorbij, maar 1 sessie is nog niet "
        "geregistreerd ("
    )
    assert not any("resterende sessies" in reason for reason in decision.reasons)


def test_once_over_a_result_unrecorded_sessions_cannot_change_is_decided():
    assert _over([P, P, P, P, None]).state == State.ELIGIBLE  # 80 % reached already
    assert _over([A, A, P, None]).state == State.IMPOSSIBLE  # 50 % at most
    assert _over([P, P, P, A]).state == State.IMPOSSIBLE


def test_a_programme_waits_for_a_module_that_waits():
    waiting = _over([P, P, P, None])
    passed = _over([P, P, P, P])
    failed = _over([A, A, A, P])
    assert evaluate_programme([("M1", passed), ("M2", waiting)]).state == State.INCOMPLETE
    assert evaluate_programme([("M1", failed), ("M2", waiting)]).state == State.IMPOSSIBLE
    running = _module([P, None, None, None])  # without a clock: still possible
    assert evaluate_programme([("M1", running), ("M2", waiting)]).state == State.POSSIBLE
