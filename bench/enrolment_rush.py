"""Benchmark: an enrolment rush on PostgreSQL (issue 3, benchmark 2).

200 different people enrol at the same moment, through the JSON API, into an activity
with 25 seats and a waiting list; the app runs under gunicorn on 127.0.0.1. Prints the
wall time, the latency percentiles and the counts, which must be exact: 25 confirmed,
175 waitlisted at positions 1–175, no error. Timing is printed, never asserted.

It creates (and afterwards drops) its own database ``lms_bench_rush`` on 127.0.0.1 as
user ``postgres``. ``python -m bench enrolment_rush`` runs it alone.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import threading
import time
from datetime import timedelta
from urllib.parse import urlsplit

from bench.serve import gunicorn_server

DATABASE = "lms_bench_rush"
ADMIN_URL = "postgresql://postgres@127.0.0.1/postgres"
DATABASE_URL = f"postgresql://postgres@127.0.0.1/{DATABASE}"
PEOPLE = 200
SEATS = 25
WORKERS = 4


def _admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(statement)


def create_database() -> None:
    _admin(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    _admin(f"CREATE DATABASE {DATABASE}")


def drop_database() -> None:
    _admin(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def prepare() -> tuple[int, list[str]]:
    """Schema, one course with 25 seats and a waiting list, 200 people with a token each."""
    from lms import create_app
    from lms.accounts.tokens import create_api_token
    from lms.extensions import db
    from lms.models import (
        Activity,
        ActivityKind,
        ActivitySession,
        ActivityStatus,
        Role,
        User,
        utcnow,
    )

    app = create_app("development", SQLALCHEMY_DATABASE_URI=_sqlalchemy_url(DATABASE_URL))
    with app.app_context():
        db.create_all()
        start = utcnow().replace(second=0, microsecond=0) + timedelta(days=14)
        activity = Activity(
            kind=ActivityKind.COURSE,
            title="Sociaal werk en duurzaamheid: de drukte",
            slug="drukte",
            capacity=SEATS,
            waitlist_enabled=True,
            status=ActivityStatus.PUBLISHED,
            sessions=[ActivitySession(starts_at=start, ends_at=start + timedelta(hours=3))],
        )
        db.session.add(activity)
        tokens = []
        for n in range(PEOPLE):
            user = User(email=f"persoon{n:03d}@rush.example", name=f"Persoon {n:03d}")
            user.set_roles({Role.PARTICIPANT})
            db.session.add(user)
            tokens.append(create_api_token(user, "rush"))
        db.session.commit()
        activity_id = activity.id
        db.session.remove()
        db.engine.dispose()
    return activity_id, tokens


def _sqlalchemy_url(url: str) -> str:
    from config import normalise_database_url

    return normalise_database_url(url)


def rush(base_url: str, activity_id: int, tokens: list[str]) -> tuple[float, list[dict]]:
    """Every person enrols at once (threads behind a barrier); returns wall time, results."""
    parts = urlsplit(base_url)
    path = f"/api/v1/activities/{activity_id}/enrolment"
    barrier = threading.Barrier(len(tokens) + 1)
    results: list[dict] = [{} for _ in tokens]

    def person(index: int, token: str) -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        connection.connect()  # connect first, so the barrier releases the requests only
        barrier.wait()
        started = time.perf_counter()
        try:
            connection.request("POST", path, headers={"Authorization": f"Bearer {token}"})
            response = connection.getresponse()
            body = response.read()
            results[index] = {
                "status": response.status,
                "body": json.loads(body) if body else None,
                "latency": time.perf_counter() - started,
                "done": time.perf_counter(),
            }
        except Exception as exc:  # counted as an error in the report
            results[index] = {"status": None, "error": repr(exc), "latency": None}
        finally:
            connection.close()

    threads = [threading.Thread(target=person, args=(i, t)) for i, t in enumerate(tokens)]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = max((r.get("done") or began) for r in results) - began
    return wall, results


def database_counts(activity_id: int) -> tuple[dict[str, int], list[int]]:
    from sqlalchemy import func, select

    from lms import create_app
    from lms.enrolment.queries import waitlist_positions
    from lms.extensions import db
    from lms.models import Enrolment

    app = create_app("development", SQLALCHEMY_DATABASE_URI=_sqlalchemy_url(DATABASE_URL))
    with app.app_context():
        counts = {
            status.value: count
            for status, count in db.session.execute(
                select(Enrolment.status, func.count(Enrolment.id))
                .where(Enrolment.activity_id == activity_id)
                .group_by(Enrolment.status)
            ).all()
        }
        positions = sorted(waitlist_positions([activity_id]).values())
        db.session.remove()
        db.engine.dispose()
    return counts, positions


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(round(pct / 100 * len(ordered) + 0.5) - 1, 0)
    return ordered[min(rank, len(ordered) - 1)] * 1000


def main() -> None:
    try:
        create_database()
    except Exception as exc:  # no PostgreSQL here: say so and go on with other benchmarks
        print(f"overgeslagen: PostgreSQL op 127.0.0.1 niet bereikbaar ({exc})")
        return
    try:
        activity_id, tokens = prepare()
        env = {
            "DATABASE_URL": DATABASE_URL,
            "LMS_CONFIG": "development",
            "SECRET_KEY": secrets.token_hex(16),
            "LMS_BASE_URL": "http://127.0.0.1",
        }
        with gunicorn_server(
            "wsgi:app", env=env, workers=WORKERS, ready_path="/healthz"
        ) as base_url:
            wall, results = rush(base_url, activity_id, tokens)
        counts, positions = database_counts(activity_id)
    finally:
        drop_database()

    latencies = [r["latency"] for r in results if r.get("latency") is not None]
    http_statuses: dict[str, int] = {}
    for r in results:
        key = str(r.get("status"))
        http_statuses[key] = http_statuses.get(key, 0) + 1
    answered = [r["body"] for r in results if r.get("status") == 201]
    answer_positions = sorted(b["position"] for b in answered if b["status"] == "waitlisted")
    errors = sum(1 for r in results if r.get("status") != 201)
    expected_positions = list(range(1, PEOPLE - SEATS + 1))
    exact = (
        counts.get("confirmed") == SEATS
        and counts.get("waitlisted") == PEOPLE - SEATS
        and positions == expected_positions
        and answer_positions == expected_positions
        and errors == 0
    )
    print(
        f"{PEOPLE} mensen schrijven tegelijk in via de API op {SEATS} plaatsen met wachtlijst "
        f"(PostgreSQL, gunicorn {WORKERS} workers, {os.cpu_count()} cpu's)"
    )
    print(f"  wandkloktijd        {wall:8.2f} s")
    print(
        f"  latentie            p50 {percentile(latencies, 50):7.1f} ms   "
        f"p99 {percentile(latencies, 99):7.1f} ms   max {max(latencies) * 1000:7.1f} ms"
    )
    print(f"  HTTP-statussen      {dict(sorted(http_statuses.items()))}")
    print(f"  bevestigd           {counts.get('confirmed', 0):5d}   (verwacht {SEATS})")
    print(
        f"  wachtlijst          {counts.get('waitlisted', 0):5d}   (verwacht {PEOPLE - SEATS}), "
        f"plaatsen {positions[0] if positions else '-'}–{positions[-1] if positions else '-'}"
        f" zonder gaten: {'ja' if positions == expected_positions else 'NEE'}"
    )
    print(f"  fouten              {errors:5d}")
    print(f"  tellingen exact     {'ja' if exact else 'NEE – FOUT'}")
