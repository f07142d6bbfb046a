"""Every report page and export is for coordinators only; every report page runs a fixed
number of queries, whatever the number of activities."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert

from lms.common.timeutil import brussels
from lms.extensions import db
from lms.models import (
    Activity,
    ActivityKind,
    ActivitySession,
    ActivityStatus,
    Attendance,
    AttendanceStatus,
    Certificate,
    Enrolment,
    EnrolmentStatus,
    Theme,
    User,
    activity_themes,
    utcnow,
)
from tests.reports.conftest import last_year, period_args
from tests.reports.helpers import tables


def report_urls(app, activity_id: int) -> list[str]:
    """Every GET route of the reports blueprint, with its arguments filled in."""
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("reports.") or "GET" not in rule.methods:
            continue
        values = {"activity_id": activity_id} if "activity_id" in rule.arguments else {}
        assert set(rule.arguments) <= set(values), rule
        with app.test_request_context():
            from flask import url_for

            urls.append(url_for(rule.endpoint, **values))
    return sorted(urls)


def test_every_report_route_is_for_coordinators_only(
    app, client, login, create_user, create_activity
):
    activity = create_activity()
    urls = report_urls(app, activity.id)
    # index, three pages (activity, period, billing) and six downloads, one activity's detail
    # and its enrolments (with the intake answers) as CSV and XLSX
    assert len(urls) == 13
    assert "/reports/activities.xlsx" in urls and "/reports/period.csv" in urls
    assert "/reports/billing" in urls and "/reports/billing.xlsx" in urls

    for url in urls:  # anonymous: off to the login page
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/account/login" in response.headers["Location"]

    people = {
        "participant": create_user(roles=("participant",)),
        "trainer": create_user(roles=("trainer", "participant")),
        "organisation_contact": create_user(
            roles=("organisation_contact", "participant"), organisation="Opbouw Gent"
        ),
    }
    for role, user in people.items():
        login(user)
        for url in urls:
            assert client.get(url).status_code == 403, (role, url)

    login(create_user(roles=("coordinator",)))
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        if url.endswith(".csv"):
            assert response.mimetype == "text/csv"
        elif url.endswith(".xlsx"):
            assert response.data[:2] == b"PK"  # a zip: the XLSX container
        else:
            assert response.mimetype == "text/html"


def _bulk_season(count: int, theme_ids: list[int], organisation_users: list[int]) -> int:
    """``count`` activities last year: each with two held sessions, three confirmed people
    (one present, one partial, one absent at each session), a waiting list, a certificate
    and two themes. Returns one activity id. Bulk inserts keep this fast."""
    year = last_year()
    now = utcnow()
    kinds = [
        ActivityKind.COURSE,
        ActivityKind.LECTURE,
        ActivityKind.INTERVISION,
        ActivityKind.PRACTICE_GROUP,
    ]
    db.session.execute(
        insert(Activity),
        [
            {
                "kind": kinds[i % len(kinds)],
                "title": f"Activiteit {i:03d}",
                "slug": f"bulk-{count}-{i}",
                "capacity": 3 if i % 4 else None,
                "status": ActivityStatus.PUBLISHED,
                "created_at": now,
                "updated_at": now,
            }
            for i in range(count)
        ],
    )
    ids = [
        a.id for a in db.session.query(Activity.id).filter(Activity.slug.like(f"bulk-{count}-%"))
    ]
    sessions = []
    for n, activity_id in enumerate(ids):
        for k in range(2):
            start = brussels(year, 1 + (n + k) % 12, 1 + k * 7, 10)
            sessions.append(
                {
                    "activity_id": activity_id,
                    "uid": f"bulk-{count}-{activity_id}-{k}",
                    "starts_at": start,
                    "ends_at": start + timedelta(hours=3),
                    "updated_at": now,
                }
            )
    db.session.execute(insert(ActivitySession), sessions)
    db.session.execute(
        insert(activity_themes),
        [
            {"activity_id": a, "theme_id": t}
            for n, a in enumerate(ids)
            for t in (theme_ids[n % len(theme_ids)], theme_ids[(n + 1) % len(theme_ids)])
        ],
    )
    enrolments = []
    for n, activity_id in enumerate(ids):
        people = [organisation_users[(n + j) % len(organisation_users)] for j in range(4)]
        for j, user_id in enumerate(people):
            status = EnrolmentStatus.CONFIRMED if j < 3 else EnrolmentStatus.WAITLISTED
            enrolments.append(
                {
                    "user_id": user_id,
                    "activity_id": activity_id,
                    "status": status,
                    "waitlisted_at": now if j == 3 else None,
                    "created_at": now,
                    "updated_at": now,
                }
            )
    db.session.execute(insert(Enrolment), enrolments)
    session_rows = db.session.query(ActivitySession.id, ActivitySession.activity_id).filter(
        ActivitySession.activity_id.in_(ids)
    )
    by_activity: dict[int, list[int]] = {}
    for session_id, activity_id in session_rows:
        by_activity.setdefault(activity_id, []).append(session_id)
    marks = [AttendanceStatus.PRESENT, AttendanceStatus.PARTIAL, AttendanceStatus.ABSENT]
    attendance = []
    for n, activity_id in enumerate(ids):
        people = [organisation_users[(n + j) % len(organisation_users)] for j in range(3)]
        for session_id in by_activity[activity_id]:
            for user_id, status in zip(people, marks, strict=True):
                attendance.append(
                    {
                        "session_id": session_id,
                        "user_id": user_id,
                        "status": status,
                        "minutes": 60 if status == AttendanceStatus.PARTIAL else None,
                        "recorded_at": now,
                    }
                )
    db.session.execute(insert(Attendance), attendance)
    db.session.execute(
        insert(Certificate),
        [
            {
                "code": f"BULK-{count}-{activity_id}",
                "user_id": organisation_users[n % len(organisation_users)],
                "activity_id": activity_id,
                "snapshot": {"hours": 3},
                "issued_at": now,
                "revoked_at": now if n % 5 == 0 else None,
            }
            for n, activity_id in enumerate(ids)
        ],
    )
    db.session.commit()
    return ids[0]


@pytest.fixture
def bulk(create_user, create_theme, create_organisation):
    themes = [create_theme(f"Thema {i}").id for i in range(5)]
    organisations = [create_organisation(f"Organisatie {i}") for i in range(4)]
    users = [
        create_user(name=f"Deelnemer {i}", organisation=organisations[i % 4]).id for i in range(12)
    ]
    return lambda count: _bulk_season(count, themes, users)


def _count(client, count_queries, url: str) -> int:
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.count


def test_report_pages_run_a_fixed_number_of_queries(
    app, client, login, create_user, count_queries, bulk
):
    login(create_user(roles=("coordinator",)))
    urls = [
        "/reports/",
        f"/reports/activities?{period_args()}",
        f"/reports/activities?{period_args()}&volgorde=bezetting",
        f"/reports/activities.csv?{period_args()}",
        f"/reports/activities.xlsx?{period_args()}",
        f"/reports/period?{period_args()}",
        f"/reports/period.csv?{period_args()}",
        f"/reports/period.xlsx?{period_args()}",
    ]
    first = bulk(10)
    few = {url: _count(client, count_queries, url) for url in urls}
    detail_few = _count(client, count_queries, f"/reports/activities/{first}")
    html = client.get(f"/reports/activities?{period_args()}").get_data(as_text=True)
    assert len(tables(html)["tabel-activiteiten"]) == 10

    bulk(300)
    many = {url: _count(client, count_queries, url) for url in urls}
    assert many == few
    assert _count(client, count_queries, f"/reports/activities/{first}") == detail_few
    html = client.get(f"/reports/activities?{period_args()}").get_data(as_text=True)
    assert len(tables(html)["tabel-activiteiten"]) == 310
    assert "(310)" in html
    # Grouped queries, not one per activity: a handful whatever the size.
    assert max(many.values()) <= 12, many


def test_the_figures_of_many_activities_add_up(app, bulk):
    """A sanity check of the bulk data through the query functions (no page)."""
    from datetime import date

    from lms.reports.common import Period
    from lms.reports.per_activity import ActivityFilters, activity_report
    from lms.reports.per_period import period_report

    bulk(20)
    year = last_year()
    period = Period(date(year, 1, 1), date(year, 12, 31))
    report = activity_report(ActivityFilters(period))
    assert len(report.rows) == 20
    for row in report.rows:
        # 2 sessions of 180 minutes, 3 confirmed: 1080 expected; present 360 + partial 120.
        assert (row.confirmed, row.waitlisted, row.sessions_held) == (3, 1, 2)
        assert (row.attended_minutes, row.expected_minutes) == (480, 1080)
    totals = period_report(period)
    assert totals.sessions_held == 40 and totals.minutes == 20 * 480
    assert sum(g.minutes for g in totals.organisations) == totals.minutes
    assert db.session.query(Theme).count() == 5 and db.session.query(User).count() == 12
