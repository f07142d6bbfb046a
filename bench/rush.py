"""Benchmark: an enrolment rush on PostgreSQL, as a ratio to the same burst on ``/healthz``.

200 different people, each with an API token, ``POST /api/v1/activities/{id}/enrolment``
at the same moment into an activity with 25 seats and a waiting list; the app runs under
gunicorn (4 workers × 4 threads) on 127.0.0.1, on a seeded and ``ANALYZE``d database.
Every round checks that the result is exact (25 confirmed, 175 waitlisted at positions
1–175 in the database and in the answers, no duplicate, no error) and sends the same
burst of 200 requests to ``/healthz``; the figure is the p99 of the rush divided by the
p99 of the healthz burst, printed beside its goal (≤ 4×; beyond the goal ≤ 2×). The two
bursts alternate within one run (the machine is shared: ratios taken together are what
can be compared), each round on a fresh activity; the median round is the figure, and
the spread of the rounds says how noisy the run was. Timing is printed, never asserted.

The time the activity's lock is held per enrolment is measured inside the workers by a
gunicorn hook (``bench/rush_hooks.py``), not by the application.

It creates (and afterwards drops) its own database ``lms_bench_rush`` on 127.0.0.1 as
user ``postgres`` and serves on port 5160. ``python -m bench rush`` runs it alone;
``BENCH_RUSH_ROUNDS`` sets the number of rounds (default 5).
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import statistics
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

from bench.serve import gunicorn_server

DATABASE = "lms_bench_rush"
ADMIN_URL = "postgresql://postgres@127.0.0.1/postgres"
DATABASE_URL = f"postgresql+psycopg://postgres@127.0.0.1/{DATABASE}"
PORT = 5160
PEOPLE = 200
SEATS = 25
WORKERS = 4
THREADS = 4
GOAL = 4.0
BEYOND_GOAL = 2.0
HOOKS = str(Path(__file__).with_name("rush_hooks.py"))

#: Background data, so the planner and the indexes see a database in use.
OTHER_ACTIVITIES = 150
SESSIONS_EACH = 5
OTHER_PEOPLE = 1500
ENROLMENTS_EACH = 20


def _admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(statement)


def _app():
    from lms import create_app

    return create_app("development", SQLALCHEMY_DATABASE_URI=DATABASE_URL)


def seed(rounds: int) -> tuple[list[int], list[str]]:
    """The schema, background data, one rush activity per round and 200 people with a
    token each; then ``ANALYZE``. Returns (rush activity ids, raw tokens)."""
    from sqlalchemy import insert, text

    from lms.accounts.tokens import create_api_token
    from lms.extensions import db
    from lms.models import (
        Activity,
        ActivityKind,
        ActivitySession,
        ActivityStatus,
        Enrolment,
        EnrolmentStatus,
        Role,
        User,
        utcnow,
    )

    app = _app()
    with app.app_context():
        db.create_all()
        now = utcnow().replace(second=0, microsecond=0)
        start = now + timedelta(days=14)
        others = [
            Activity(
                kind=ActivityKind.COURSE,
                title=f"Achtergrond {n:03d}",
                slug=f"achtergrond-{n:03d}",
                capacity=40,
                waitlist_enabled=True,
                status=ActivityStatus.PUBLISHED,
                sessions=[
                    ActivitySession(
                        starts_at=start + timedelta(days=n % 60, weeks=k),
                        ends_at=start + timedelta(days=n % 60, weeks=k, hours=3),
                        location="Buurthuis De Kring, Gent",
                    )
                    for k in range(SESSIONS_EACH)
                ],
            )
            for n in range(OTHER_ACTIVITIES)
        ]
        rush = [
            Activity(
                kind=ActivityKind.COURSE,
                title=f"Sociaal werk en duurzaamheid: de drukte {n + 1}",
                slug=f"drukte-{n + 1}",
                capacity=SEATS,
                waitlist_enabled=True,
                status=ActivityStatus.PUBLISHED,
                sessions=[
                    ActivitySession(
                        starts_at=start + timedelta(days=n),
                        ends_at=start + timedelta(days=n, hours=3),
                        location="Buurthuis De Kring, Gent",
                    )
                ],
            )
            for n in range(rounds)
        ]
        db.session.add_all(others + rush)
        db.session.flush()
        result = db.session.execute(
            insert(User).returning(User.id),
            [
                {
                    "email": f"achtergrond{n:04d}@rush.example",
                    "name": f"Achtergrond {n:04d}",
                    "email_verified_at": now,
                }
                for n in range(OTHER_PEOPLE)
            ],
        )
        background = [row[0] for row in result]
        db.session.execute(
            insert(Enrolment),
            [
                {
                    "user_id": background[(a * 37 + k) % OTHER_PEOPLE],
                    "activity_id": activity.id,
                    "status": EnrolmentStatus.CONFIRMED,
                    "created_at": now,
                    "updated_at": now,
                }
                for a, activity in enumerate(others)
                for k in range(ENROLMENTS_EACH)
            ],
        )
        tokens = []
        for n in range(PEOPLE):
            user = User(
                email=f"persoon{n:03d}@rush.example",
                name=f"Persoon {n:03d}",
                email_verified_at=now,
            )
            user.set_roles({Role.PARTICIPANT})
            db.session.add(user)
            tokens.append(create_api_token(user, "rush"))
        db.session.commit()
        ids = [activity.id for activity in rush]
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return ids, tokens


def burst(port: int, method: str, path: str, tokens: list[str | None]) -> list[dict]:
    """One request per token, all released at once (threads behind a barrier, connected
    first); returns status, parsed body and latency (seconds) per request."""
    barrier = threading.Barrier(len(tokens) + 1)
    results: list[dict] = [{} for _ in tokens]

    def person(index: int, token: str | None) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            connection.connect()
            barrier.wait()
            started = time.perf_counter()
            connection.request(method, path, headers=headers)
            response = connection.getresponse()
            body = response.read()
            results[index] = {
                "status": response.status,
                "body": json.loads(body) if body else None,
                "latency": time.perf_counter() - started,
            }
        except Exception as exc:  # counted as an error in the report
            results[index] = {"status": None, "error": repr(exc), "latency": None}
        finally:
            connection.close()

    threads = [threading.Thread(target=person, args=(i, t)) for i, t in enumerate(tokens)]
    for thread in threads:
        thread.start()
    barrier.wait()
    for thread in threads:
        thread.join()
    return results


def p99(results: list[dict]) -> float:
    """The 99th percentile latency in milliseconds (nearest rank) of the answered requests."""
    ordered = sorted(r["latency"] for r in results if r.get("latency") is not None)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(0.99 * len(ordered) + 0.5) - 1))
    return ordered[rank] * 1000


def exactness(activity_id: int, results: list[dict]) -> tuple[bool, str]:
    """Whether the rush ended exactly as the rules say, in the database and the answers."""
    from sqlalchemy import func, select

    from lms.enrolment.queries import waitlist_positions
    from lms.extensions import db
    from lms.models import Enrolment

    app = _app()
    with app.app_context():
        counts = dict(
            db.session.execute(
                select(Enrolment.status, func.count(Enrolment.id))
                .where(Enrolment.activity_id == activity_id)
                .group_by(Enrolment.status)
            ).all()
        )
        people = db.session.scalar(
            select(func.count(func.distinct(Enrolment.user_id))).where(
                Enrolment.activity_id == activity_id
            )
        )
        positions = sorted(waitlist_positions([activity_id]).values())
        db.session.remove()
        db.engine.dispose()
    expected = list(range(1, PEOPLE - SEATS + 1))
    statuses = [r.get("status") for r in results]
    bodies = [r["body"] for r in results if r.get("status") == 201]
    answered = sorted(b["position"] for b in bodies if b.get("status") == "waitlisted")
    confirmed = counts.get("confirmed", 0)
    waitlisted = counts.get("waitlisted", 0)
    exact = (
        confirmed == SEATS
        and waitlisted == PEOPLE - SEATS
        and people == PEOPLE
        and positions == expected
        and answered == expected
        and statuses.count(201) == PEOPLE
    )
    errors = {str(s): statuses.count(s) for s in set(statuses) if s != 201}
    detail = (
        f"{confirmed} confirmed, {waitlisted} waitlisted "
        f"(positions 1..{positions[-1] if positions else 0}"
        f"{'' if positions == expected else ' WITH GAPS'}), {people} people"
        + (f", errors {errors}" if errors else "")
    )
    return exact, detail


def _lock_times(directory: str) -> list[float]:
    values = []
    for path in Path(directory).glob("*.txt"):
        values += [float(line) for line in path.read_text().split()]
        path.unlink()
    return values


def main() -> None:
    rounds = int(os.environ.get("BENCH_RUSH_ROUNDS", "5"))
    try:
        _admin(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        _admin(f"CREATE DATABASE {DATABASE}")
    except Exception as exc:  # no PostgreSQL here: say so and go on with other benchmarks
        print(f"skipped: PostgreSQL on 127.0.0.1 not reachable ({exc})")
        return
    rows: list[dict] = []
    try:
        activity_ids, tokens = seed(rounds)
        lock_dir = tempfile.mkdtemp(prefix="lms-rush-lock-")
        env = {
            "DATABASE_URL": DATABASE_URL,
            "LMS_CONFIG": "development",
            "SECRET_KEY": secrets.token_hex(16),
            "LMS_BASE_URL": "http://127.0.0.1",
            "LMS_BENCH_LOCK_DIR": lock_dir,
        }
        with gunicorn_server(
            "wsgi:app",
            env=env,
            workers=WORKERS,
            threads=THREADS,
            port=PORT,
            ready_path="/healthz",
            config=HOOKS,
        ):
            burst(PORT, "GET", "/healthz", [None] * PEOPLE)  # warm every worker and thread
            for index, activity_id in enumerate(activity_ids):
                path = f"/api/v1/activities/{activity_id}/enrolment"
                order = ("healthz", "rush") if index % 2 == 0 else ("rush", "healthz")
                row: dict = {}
                for what in order:
                    time.sleep(0.5)  # let the previous burst's stragglers settle
                    if what == "healthz":
                        row["healthz"] = p99(burst(PORT, "GET", "/healthz", [None] * PEOPLE))
                    else:
                        results = burst(PORT, "POST", path, list(tokens))
                        row["rush"] = p99(results)
                        row["lock"] = _lock_times(lock_dir)
                        row["exact"], row["detail"] = exactness(activity_id, results)
                row["ratio"] = row["rush"] / row["healthz"]
                rows.append(row)
    finally:
        _admin(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    report(rows)


def report(rows: list[dict]) -> None:
    print(
        f"{PEOPLE} people enrol at once through the API into {SEATS} seats with a waiting "
        f"list (PostgreSQL, gunicorn {WORKERS} workers × {THREADS} threads, "
        f"{os.cpu_count()} cpus), {len(rows)} rounds alternating with a /healthz burst"
    )
    print(f"  {'round':>5} {'rush p99':>10} {'healthz p99':>12} {'ratio':>7} {'lock median':>12}")
    for n, row in enumerate(rows, start=1):
        lock = statistics.median(row["lock"]) if row["lock"] else float("nan")
        print(
            f"  {n:>5} {row['rush']:>8.0f}ms {row['healthz']:>10.0f}ms {row['ratio']:>6.2f}× "
            f"{lock:>10.2f}ms  {'exact' if row['exact'] else 'NOT EXACT'}: {row['detail']}"
        )
    ratios = [row["ratio"] for row in rows]
    ratio = statistics.median(ratios)
    locks = [value for row in rows for value in row["lock"]]
    verdict = "met" if ratio <= GOAL else "MISSED"
    beyond = "met" if ratio <= BEYOND_GOAL else "not met"
    print(
        f"  rush p99 ÷ healthz p99 (median of {len(rows)}): {ratio:.2f}×   "
        f"goal ≤ {GOAL:.0f}×: {verdict}; beyond the goal ≤ {BEYOND_GOAL:.0f}×: {beyond}"
    )
    print(
        f"  noise: the rounds' ratios range {min(ratios):.2f}×–{max(ratios):.2f}×; "
        f"rush p99 {min(r['rush'] for r in rows):.0f}–{max(r['rush'] for r in rows):.0f} ms, "
        f"healthz p99 {min(r['healthz'] for r in rows):.0f}–"
        f"{max(r['healthz'] for r in rows):.0f} ms"
    )
    if locks:
        ordered = sorted(locks)
        print(
            f"  time under the activity lock per enrolment: median "
            f"{statistics.median(locks):.2f} ms, p95 {ordered[int(len(ordered) * 0.95) - 1]:.2f} ms"
            f", mean {statistics.fmean(locks):.2f} ms (n={len(locks)})"
        )
    else:
        print("  time under the activity lock per enrolment: not measured (no hook output)")
    print(f"  every round exact: {'yes' if all(r['exact'] for r in rows) else 'NO – WRONG'}")


if __name__ == "__main__":
    main()
