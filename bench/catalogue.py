"""Benchmark: the catalogue page with 300 published activities and 3,000 sessions.

Builds a fresh SQLite database in a temporary directory (the embedded default; the
number to watch is the ratio, which the database engine hardly changes at this size):
300 published activities of every public kind with 10 sessions each over the coming
year, themes, and about 2,000 enrolments so the seat counts have work to do. Then, in
the same run:

* the real app (``wsgi:app``, production configuration) under gunicorn, 2 sync workers,
  on 127.0.0.1, serving ``GET /activities`` (page 1 of 25) and a filtered search;
* a bare Flask app under gunicorn, 2 sync workers, whose route renders a template of
  exactly the bytes the real catalogue page answered (no database).

Both are driven by the same load generator (:mod:`bench.load`); it prints requests/s,
p50 and p99 latency for each, and the ratio. Processes and files are cleaned up.

Before the load, the same pages are also requested in-process (Flask's test client, no
HTTP, no gunicorn) and their CPU time per request is printed: on a shared machine that
figure is steadier than requests/s, and it is what the code itself costs.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from bench.bare_app import bare_server
from bench.load import HEADER, fetch, format_row, measure
from bench.serve import gunicorn_server

ACTIVITIES = 300
SESSIONS_PER_ACTIVITY = 10
PARTICIPANTS = 400
DURATION = float(os.environ.get("BENCH_DURATION", "5"))
PROCESSES = int(os.environ.get("BENCH_PROCESSES", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
FILTERED = "/activities?thema=wonen&vrij=1&q=wonen"  # the "filtered" line


def build_database(url: str) -> dict[str, int]:
    """Create the schema and the offer in the database at ``url``; return the counts."""
    from lms import create_app
    from lms.demo import THEMES
    from lms.extensions import db
    from lms.models import (
        APPROVAL_BY_DEFAULT,
        Activity,
        ActivityKind,
        ActivitySession,
        ActivityStatus,
        Enrolment,
        EnrolmentStatus,
        Role,
        Theme,
        User,
        utcnow,
    )
    from lms.policy.defaults import ensure_default_policy
    from lms.slugs import slugify

    app = create_app(
        "production",
        SQLALCHEMY_DATABASE_URI=url,
        SECRET_KEY=secrets.token_hex(16),
        ALLOW_SQLITE_IN_PRODUCTION=True,
    )
    with app.app_context():
        db.create_all()
        ensure_default_policy()
        themes = [Theme(name=name, slug=slugify(name)) for name in THEMES]
        db.session.add_all(themes)
        people = []
        for n in range(PARTICIPANTS):
            user = User(email=f"deelnemer{n}@bench.example", name=f"Deelnemer {n}")
            user.set_roles({Role.PARTICIPANT})
            people.append(user)
        db.session.add_all(people)
        kinds = [k for k in ActivityKind if k != ActivityKind.CUSTOM]
        now = utcnow().replace(minute=0, second=0, microsecond=0)
        enrolments = 0
        for n in range(ACTIVITIES):
            kind = kinds[n % len(kinds)]
            capacity = (8, 12, 16, 20, 25, None)[n % 6]
            activity = Activity(
                kind=kind,
                title=f"{kind.label.capitalize()} {n}: {THEMES[n % len(THEMES)].lower()}",
                slug=f"bench-{n}",
                summary="Een reeks over " + THEMES[(n * 7) % len(THEMES)].lower() + " en "
                "wat sociaal werk en samenlevingsopbouw daaraan kunnen doen.",
                capacity=capacity,
                requires_approval=kind in APPROVAL_BY_DEFAULT,
                price_member=Decimal((0, 45, 60)[n % 3]),
                price_non_member=Decimal((0, 90, 120)[n % 3]),
                status=ActivityStatus.PUBLISHED,
                themes=[themes[n % len(themes)], themes[(n * 3 + 1) % len(themes)]],
            )
            first = now + timedelta(days=1 + n % 60, hours=n % 5)
            for s in range(SESSIONS_PER_ACTIVITY):
                starts = first + timedelta(days=14 * s)
                activity.sessions.append(
                    ActivitySession(
                        starts_at=starts,
                        ends_at=starts + timedelta(hours=3),
                        location="" if n % 4 == 0 else f"Zaal {n % 9}, Gent",
                        online_url="https://meet.example/x" if n % 4 in (0, 1) else "",
                    )
                )
            db.session.add(activity)
            for p in range(min(capacity or 10, 7) if n % 2 else 0):
                person = people[(n * 7 + p) % PARTICIPANTS]
                db.session.add(
                    Enrolment(user=person, activity=activity, status=EnrolmentStatus.CONFIRMED)
                )
                enrolments += 1
        db.session.commit()
        counts = {
            "activities": db.session.query(Activity).count(),
            "sessions": db.session.query(ActivitySession).count(),
            "enrolments": enrolments,
        }
        db.session.remove()
        db.engine.dispose()
    return counts


def in_process(url: str, paths: list[str], batches: int = 5, per_batch: int = 40) -> None:
    """Print CPU time per request (best batch, and the median batch) and queries per request.

    The request log is silenced meanwhile (it would print every request here).
    """
    import logging
    import statistics

    from sqlalchemy import event

    from lms import create_app
    from lms.extensions import db

    app = create_app(
        "production",
        SQLALCHEMY_DATABASE_URI=url,
        SECRET_KEY=secrets.token_hex(16),
        ALLOW_SQLITE_IN_PRODUCTION=True,
        FORCE_HTTPS=False,
    )
    queries = [0]
    with app.app_context():
        engine = db.engine

    def count(*_args: object) -> None:
        queries[0] += 1

    event.listen(engine, "after_cursor_execute", count)
    client = app.test_client()
    logging.disable(logging.INFO)
    try:
        for path in paths:
            for _ in range(20):  # templates compiled, statements cached, connections open
                client.get(path)
            times = []
            queries[0] = 0
            for _ in range(batches):
                started = time.process_time()
                for _ in range(per_batch):
                    client.get(path)
                times.append((time.process_time() - started) / per_batch * 1000)
            print(
                f"in-process {path:<40} {min(times):6.1f} ms CPU per request "
                f"(median batch {statistics.median(times):.1f} ms), "
                f"{queries[0] / (batches * per_batch):.0f} queries"
            )
    finally:
        logging.disable(logging.NOTSET)
        event.remove(engine, "after_cursor_execute", count)
        with app.app_context():
            db.engine.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="lms-bench-catalogue-") as directory:
        database_url = f"sqlite:///{Path(directory) / 'catalogue.db'}"
        started = time.perf_counter()
        counts = build_database(database_url)
        print(
            f"SQLite database with {counts['activities']} published activities, "
            f"{counts['sessions']} sessions, {counts['enrolments']} enrolments "
            f"(built in {time.perf_counter() - started:.1f} s)"
        )
        in_process(database_url, ["/activities", FILTERED])
        print(
            f"gunicorn, 2 sync workers each, on 127.0.0.1; load: {PROCESSES} processes × "
            f"{THREADS} threads, {DURATION:.0f} s per line, {os.cpu_count()} CPUs shared "
            "with the client"
        )
        env = {
            "LMS_CONFIG": "production",
            "DATABASE_URL": database_url,
            "SECRET_KEY": secrets.token_hex(32),
            "LMS_FORCE_HTTPS": "0",
            "LMS_BASE_URL": "http://127.0.0.1",
        }
        with gunicorn_server("wsgi:app", env=env, ready_path="/healthz") as base_url:
            status, page = fetch(base_url + "/activities")
            if status != 200 or b"cat-card" not in page:
                raise RuntimeError(f"the catalogue answered {status} without cards")
            real = measure(
                base_url + "/activities", duration=DURATION, processes=PROCESSES, threads=THREADS
            )
            filtered = measure(
                base_url + FILTERED, duration=DURATION, processes=PROCESSES, threads=THREADS
            )
        with bare_server(page) as bare_url:
            status, bare_page = fetch(bare_url + "/")
            if len(bare_page) != len(page):
                raise RuntimeError(f"bare page has {len(bare_page)} bytes, real {len(page)}")
            bare = measure(bare_url + "/", duration=DURATION, processes=PROCESSES, threads=THREADS)

    print(HEADER)
    print(format_row("real  /activities", real))
    print(format_row("real  filtered (thema, vrij, q)", filtered))
    print(format_row("bare  same bytes, no db", bare))
    if bare.per_second:
        ratio = real.per_second / bare.per_second
        print(
            f"ratio real/bare: {ratio:.2f} of the requests/s "
            f"(p50 {real.p50 / bare.p50:.1f}× the bare latency)"
        )
    for label, result in (("real", real), ("filtered", filtered), ("bare", bare)):
        if result.errors:
            print(f"warning: {result.errors} failed requests for {label}: {result.statuses}")


if __name__ == "__main__":
    main()
