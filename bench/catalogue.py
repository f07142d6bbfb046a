"""Benchmark: the catalogue page with 300 published activities and 3,000 sessions.

For **SQLite and PostgreSQL** in the same run, each seeded afresh and then ``ANALYZE``d:
300 published activities of every public kind with 10 sessions each over the coming
year, themes, and about 1,000 enrolments so the seat counts have work to do. Per database:

* the real app (``wsgi:app``, production configuration) under gunicorn, 2 sync workers,
  on 127.0.0.1, serving ``GET /activities`` to a visitor (no cookie) and to a signed-in
  participant (a session cookie signed with the server's key);
* a bare Flask app under gunicorn, 2 sync workers, whose route renders a template of
  exactly the bytes the real page answered to each of them (no database).

The load is ``wrk -t2 -c16 -d8s`` (as the figures in the catalogue's design were taken)
when wrk is installed, else :mod:`bench.load`; loopback only, bounded in time. The real and
the bare servers run side by side and their runs alternate, three rounds (``BENCH_ROUNDS``),
the median round printed: requests/s, p50 and p99, and the CPU time the server's
processes spent per request (from /proc: on a machine shared with other work the one
figure that does not depend on what else runs), then the ratios real ÷ bare beside their
goals (visitor ≥ 0.8× on SQLite and ≥ 0.5× on PostgreSQL, signed in ≥ 0.5× on SQLite).

PostgreSQL: a database ``lms_bench_catalogue`` is created (and dropped afterwards) on the
server of ``BENCH_POSTGRES_URL`` or else ``TEST_DATABASE_URL`` or ``DATABASE_URL``, or else
the local server as user ``postgres`` (as bench/rush.py uses); when none answers the
PostgreSQL lines are skipped with that reason.

Before the load, the SQLite pages are also requested in-process (Flask's test client) and
their CPU time per request is printed: steadier than requests/s on a shared machine.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from bench.bare_app import bare_server
from bench.load import fetch, measure
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
    from lms.common.slugs import slugify
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


def in_process(
    url: str,
    paths: list[str],
    batches: int = 5,
    per_batch: int = 40,
    *,
    cookie: str | None = None,
    secret_key: str | None = None,
) -> None:
    """Print CPU time per request (best batch, and the median batch) and queries per request
    (those through SQLAlchemy and those the page cache sends on its own connection).
    With ``cookie`` (signed with ``secret_key``), as that signed-in person.

    The request log is silenced meanwhile (it would print every request here).
    """
    import logging
    import statistics

    from sqlalchemy import event

    from lms import create_app
    from lms.catalog.page_cache import QUERY_LISTENERS
    from lms.extensions import db

    app = create_app(
        "production",
        SQLALCHEMY_DATABASE_URI=url,
        SECRET_KEY=secret_key or secrets.token_hex(16),
        ALLOW_SQLITE_IN_PRODUCTION=True,
        FORCE_HTTPS=False,
    )
    queries = [0]
    with app.app_context():
        engine = db.engine

    def count(*_args: object) -> None:
        queries[0] += 1

    event.listen(engine, "after_cursor_execute", count)
    QUERY_LISTENERS.append(count)
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    label = "signed in" if cookie else "visitor"
    if cookie:
        name, value = cookie.split("=", 1)
        client.set_cookie(name, value)
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
                f"in-process {label:<9} {path:<40} {min(times):6.2f} ms CPU per request "
                f"(median batch {statistics.median(times):.2f} ms), "
                f"{queries[0] / (batches * per_batch):.0f} queries"
            )
    finally:
        logging.disable(logging.NOTSET)
        event.remove(engine, "after_cursor_execute", count)
        QUERY_LISTENERS.remove(count)
        with app.app_context():
            db.engine.dispose()


#: The goals: real ÷ bare requests/s, per database and visitor.
GOALS = {
    ("sqlite", "visitor"): 0.8,
    ("postgresql", "visitor"): 0.5,
    ("sqlite", "signed in"): 0.5,
}
WRK_THREADS = 2
WRK_CONNECTIONS = 16
WRK_DURATION = int(os.environ.get("BENCH_WRK_SECONDS", "8"))
USER_AGENT = "lms-bench"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


@dataclass
class Figures:
    per_second: float
    p50: float  # ms
    p99: float  # ms
    requests: int
    errors: int
    response_bytes: int
    #: CPU time of the server's worker processes per request (ms): unlike requests/s,
    #: hardly affected by whatever else keeps a shared machine busy.
    cpu_ms: float = float("nan")


def _wrk(url: str, headers: dict[str, str]) -> Figures:
    """``wrk -t2 -c16 -d8s --latency`` against ``url`` (loopback), parsed."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError("benchmarks only load this machine's loopback")
    command = ["wrk", f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{WRK_DURATION}s"]
    command += ["--latency", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, timeout=WRK_DURATION + 60, check=True
    ).stdout
    per_second = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))

    def percentile(name: str) -> float:
        match = re.search(rf"\s{name}%\s+([\d.]+)(us|ms|s)", output)
        if match is None:
            return float("nan")
        factor = {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]
        return float(match.group(1)) * factor

    return Figures(per_second, percentile("50"), percentile("99"), requests, errors, 0)


def _server_pids(url: str) -> list[int]:
    """The gunicorn processes listening at ``url`` (master and workers), from /proc."""
    port = url.rsplit(":", 1)[1].split("/", 1)[0]
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "gunicorn" in command and f"127.0.0.1:{port}" in command:
            pids.append(int(entry.name))
    # Workers are children of the master: their command line is the master's.
    return pids


def _cpu_seconds(pids: list[int]) -> float:
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime + stime
    return ticks / os.sysconf("SC_CLK_TCK")


def load(url: str, headers: dict[str, str]) -> Figures:
    status, body = fetch(url, headers)
    if status != 200:
        raise RuntimeError(f"{url} answered {status}")
    for _ in range(40):  # every worker warm: code, templates, connections, cache
        fetch(url, headers)
    pids = _server_pids(url) if Path("/proc").is_dir() else []
    cpu_before = _cpu_seconds(pids)
    if shutil.which("wrk"):
        figures = _wrk(url, headers)
    else:
        result = measure(
            url, duration=DURATION, processes=PROCESSES, threads=THREADS, headers=headers
        )
        figures = Figures(
            result.per_second, result.p50, result.p99, result.requests, result.errors, 0
        )
    if pids and figures.requests:
        figures.cpu_ms = (_cpu_seconds(pids) - cpu_before) * 1000 / figures.requests
    figures.response_bytes = len(body)
    return figures


def signed_in_cookie(url: str, secret_key: str) -> str:
    """A session cookie of a participant of the offer, as the login form would set it
    (with the client identifier Flask-Login checks and a CSRF secret, so that the
    server has no reason to write the session on every request)."""
    from flask_login.utils import _create_identifier

    from lms import create_app
    from lms.extensions import db
    from lms.models import User

    app = create_app(
        "production",
        SQLALCHEMY_DATABASE_URI=url,
        SECRET_KEY=secret_key,
        ALLOW_SQLITE_IN_PRODUCTION=True,
    )
    with app.app_context():
        user = db.session.scalar(db.select(User).order_by(User.id))
        user_id = user.get_id()
        db.session.remove()
        db.engine.dispose()
    with app.test_request_context(
        "/", headers={"User-Agent": USER_AGENT}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
    ):
        identifier = _create_identifier()
        value = {
            "_user_id": user_id,
            "_fresh": True,
            "_id": identifier,
            "csrf_token": secrets.token_hex(20),
        }
        serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
        cookie = serializer.dumps(dict(value))
        name = app.config["SESSION_COOKIE_NAME"]
    return f"{name}={cookie}"


def analyse(url: str) -> None:
    """``ANALYZE``: the planner's statistics, as a production database has them."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()


def postgres_database() -> tuple[str | None, str]:
    """A fresh, empty PostgreSQL database for the benchmark, or None and why not."""
    from sqlalchemy import create_engine, text

    from config import normalise_database_url

    source = next(
        (
            os.environ[name]
            for name in ("BENCH_POSTGRES_URL", "TEST_DATABASE_URL", "DATABASE_URL")
            if os.environ.get(name, "").startswith("postgres")
        ),
        LOCAL_POSTGRES,
    )
    base = normalise_database_url(source).rsplit("/", 1)[0]
    try:
        engine = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_NAME}"'))
            connection.execute(text(f'CREATE DATABASE "{PG_NAME}"'))
        engine.dispose()
    except Exception as error:  # no server, no rights: say so, do the rest
        return None, f"PostgreSQL unreachable ({type(error).__name__})"
    return f"{base}/{PG_NAME}", ""


def drop_postgres_database(url: str) -> None:
    from sqlalchemy import create_engine, text

    base = url.rsplit("/", 1)[0]
    engine = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)'))
    engine.dispose()


PG_NAME = "lms_bench_catalogue"
#: The local server the benchmarks use when no URL is given (trust authentication).
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


def run_database(dialect: str, url: str) -> dict[str, list[tuple[Figures, Figures]]]:
    """Seed, analyse and load one database: {visitor: [(real, bare) per round], …}."""
    started = time.perf_counter()
    counts = build_database(url)
    analyse(url)
    print(
        f"{dialect}: {counts['activities']} published activities, {counts['sessions']} "
        f"sessions, {counts['enrolments']} enrolments, ANALYZEd "
        f"(built in {time.perf_counter() - started:.1f} s)",
        flush=True,
    )
    secret_key = secrets.token_hex(32)
    if dialect == "sqlite":
        in_process(url, ["/activities", FILTERED])
        cookie = signed_in_cookie(url, secret_key)
        in_process(url, ["/activities", FILTERED], cookie=cookie, secret_key=secret_key)
    env = {
        "LMS_CONFIG": "production",
        "DATABASE_URL": url,
        "SECRET_KEY": secret_key,
        "LMS_FORCE_HTTPS": "0",
        "LMS_BASE_URL": "http://127.0.0.1",
    }
    visitor = {"User-Agent": USER_AGENT}
    signed_in = {**visitor, "Cookie": signed_in_cookie(url, secret_key)}
    pages: dict[str, bytes] = {}
    runs: dict[str, list[tuple[Figures, Figures]]] = {"visitor": [], "signed in": []}
    targets = {"visitor": visitor, "signed in": signed_in}
    with gunicorn_server("wsgi:app", env=env, ready_path="/healthz") as base_url:
        for label, headers in targets.items():
            status, page = fetch(base_url + "/activities", headers)
            if status != 200 or b"cat-card" not in page:
                raise RuntimeError(f"the catalogue answered {status} without cards")
            if label == "signed in" and b"Afmelden" not in page:
                raise RuntimeError("the signed-in page does not show a signed-in person")
            pages[label] = page
        # Both bare servers up at once and the runs alternated, ROUNDS times: on a shared
        # machine the load of others changes from one minute to the next.
        with (
            bare_server(pages["visitor"]) as bare_visitor,
            bare_server(pages["signed in"]) as bare_signed_in,
        ):
            bare_urls = {"visitor": bare_visitor, "signed in": bare_signed_in}
            for _round in range(ROUNDS):
                for label, headers in targets.items():
                    real = load(base_url + "/activities", headers)
                    bare = load(bare_urls[label] + "/", {"User-Agent": USER_AGENT})
                    runs[label].append((real, bare))
    return runs


def _best(pairs: list[tuple[Figures, Figures]]) -> tuple[Figures, Figures]:
    """The round whose requests/s ratio is the median (the middle one of three)."""
    ordered = sorted(pairs, key=lambda pair: pair[0].per_second / max(pair[1].per_second, 1e-9))
    return ordered[len(ordered) // 2]


def main() -> None:
    tool = "wrk" if shutil.which("wrk") else "bench.load (wrk not installed)"
    print(
        f"gunicorn, 2 sync workers, on 127.0.0.1; load: {tool}"
        + (
            f" -t{WRK_THREADS} -c{WRK_CONNECTIONS} -d{WRK_DURATION}s"
            if tool == "wrk"
            else f", {PROCESSES}×{THREADS} clients, {DURATION:.0f} s"
        )
        + f"; {os.cpu_count()} CPUs shared with the client",
        flush=True,
    )
    all_runs: dict[str, dict[str, list[tuple[Figures, Figures]]]] = {}
    with tempfile.TemporaryDirectory(prefix="lms-bench-catalogue-") as directory:
        all_runs["sqlite"] = run_database("sqlite", f"sqlite:///{Path(directory) / 'catalogue.db'}")
    pg_url, why_not = postgres_database()
    if pg_url is None:
        print(f"postgresql: skipped, {why_not}")
    else:
        try:
            all_runs["postgresql"] = run_database("postgresql", pg_url)
        finally:
            drop_postgres_database(pg_url)

    all_results = {
        dialect: {label: _best(pairs) for label, pairs in by_visitor.items()}
        for dialect, by_visitor in all_runs.items()
    }
    print(
        f"{'':<30} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms':>7} {'bytes':>8} "
        f"{'errors':>6}"
    )
    for dialect, by_visitor in all_results.items():
        for label, (real, bare) in by_visitor.items():
            for kind, figures in (("real", real), ("bare", bare)):
                print(
                    f"{dialect + ' ' + label + ' ' + kind:<30} {figures.per_second:>9.1f} "
                    f"{figures.p50:>8.2f} {figures.p99:>8.2f} {figures.cpu_ms:>7.2f} "
                    f"{figures.response_bytes:>8} {figures.errors:>6}"
                )
    print(
        f"ratios, catalogue ÷ bare template (median of {ROUNDS} alternated rounds): "
        "requests/s, and bare ÷ catalogue server CPU per request"
    )
    for dialect, by_visitor in all_results.items():
        for label, (real, bare) in by_visitor.items():
            ratio = real.per_second / bare.per_second if bare.per_second else 0.0
            cpu_ratio = bare.cpu_ms / real.cpu_ms if real.cpu_ms else float("nan")
            goal = GOALS.get((dialect, label))
            verdict = (
                f"goal ≥ {goal:.1f}×: {'met' if ratio >= goal else 'MISSED'}" if goal else "no goal"
            )
            ratios = sorted(
                r.per_second / max(b.per_second, 1e-9) for r, b in all_runs[dialect][label]
            )
            spread = f"rounds {ratios[0]:.2f}–{ratios[-1]:.2f}"
            print(
                f"  {dialect:<11} {label:<10} {ratio:5.2f}× req/s ({spread})   "
                f"{cpu_ratio:5.2f}× CPU   {verdict}"
            )


if __name__ == "__main__":
    main()
