"""When an activity runs: :attr:`Activity.first_start` / :attr:`Activity.last_end` in
Python and :func:`lms.models.activity_dates.activity_dates` in SQL give the same answer,
a programme's modules included and cancelled sessions left out."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lms.common.timeutil import brussels
from lms.extensions import db
from lms.models import ActivityKind, SessionStatus
from lms.models.activity_dates import activity_dates


def test_a_programme_runs_from_its_first_module_to_its_last(app, create_activity):
    programme = create_activity(kind=ActivityKind.PROGRAMME, sessions=[])
    early, late = brussels(2031, 3, 3, 9), brussels(2031, 5, 5, 9)
    create_activity(
        kind=ActivityKind.COURSE,
        parent=programme,
        sessions=[(late, late + timedelta(hours=3))],
    )
    first_module = create_activity(
        kind=ActivityKind.COURSE,
        parent=programme,
        sessions=[
            (early, early + timedelta(hours=3)),
            (early + timedelta(days=1), early + timedelta(days=1, hours=2)),
        ],
    )
    # A cancelled session does not count, even when it would be the first.
    first_module.sessions[0].status = SessionStatus.CANCELLED
    db.session.commit()
    db.session.expire_all()

    start = early + timedelta(days=1)
    end = late + timedelta(hours=3)
    assert (programme.first_start, programme.last_end) == (start, end)
    assert (first_module.first_start, first_module.last_end) == (
        start,
        start + timedelta(hours=2),
    )

    dates = activity_dates()
    rows = {
        owner: (first, last, count)
        for owner, first, last, count in db.session.execute(
            select(dates.c.owner, dates.c.first_start, dates.c.last_end, dates.c.sessions)
        )
    }
    assert rows[programme.id][:2] == (start, end)
    assert rows[programme.id][2] == 2
    assert rows[first_module.id] == (start, start + timedelta(hours=2), 1)


def test_an_activity_without_sessions_has_no_dates(app, create_activity):
    activity = create_activity(sessions=[])
    assert (activity.first_start, activity.last_end) == (None, None)
    dates = activity_dates()
    assert db.session.scalar(select(dates.c.owner).where(dates.c.owner == activity.id)) is None
