"""Benchmark: iCal feeds — a personal feed with 200 sessions and the catalogue feed with
3,000 sessions, beside a bare Flask route answering the same bytes.

The database is the catalogue benchmark's (:func:`bench.catalogue.build_database`: 300
published activities × 10 sessions, SQLite in a temporary directory), plus one participant
enrolled (confirmed) in 20 of those activities: 200 sessions in their personal feed.

Served by the real app (``wsgi:app``, production configuration) under gunicorn with 2
sync workers, on 127.0.0.1. For each feed it prints:

* **first request**: the median time of a request that has to build the feed (the shared
  ``feed_cache`` row is deleted before each one) — the one query for the rows plus the
  icalendar build, about 0.3 ms per event;
* **cached**: requests/s and latency for clients without the ETag (the shared build is
  read from ``feed_cache``; nothing is built);
* **304**: requests/s and latency for clients that send ``If-None-Match`` — one
  fingerprint query, no body;
* **bare empty**: the same bare app answering an empty body, the floor for a 304;
* **bare**: the catalogue benchmark's bare Flask app (:mod:`bench.bare_app`) answering
  the same text without a database (with LF line ends: Jinja normalises CRLF), the
  ceiling for this machine.

Figures only, never asserted. Processes and files are cleaned up.
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from bench.bare_app import bare_server
from bench.catalogue import build_database
from bench.load import HEADER, LoadResult, _worker, fetch, format_row, measure
from bench.serve import gunicorn_server

PERSONAL_ACTIVITIES = 20  # × 10 sessions each = 200 sessions in the personal feed
COLD_SAMPLES = int(os.environ.get("BENCH_COLD_SAMPLES", "7"))
DURATION = float(os.environ.get("BENCH_DURATION", "5"))
PROCESSES = int(os.environ.get("BENCH_PROCESSES", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
CALENDAR = "text/calendar; charset=utf-8"


def add_personal_feed(url: str) -> str:
    """A participant confirmed in 20 activities; return their feed's path."""
    from lms import create_app
    from lms.calendar.tokens import ensure_feed_token
    from lms.extensions import db
    from lms.models import Activity, Enrolment, EnrolmentStatus, Role, User

    app = create_app("production", SQLALCHEMY_DATABASE_URI=url, SECRET_KEY=secrets.token_hex(16))
    with app.app_context():
        user = User(email="agenda@bench.example", name="Agenda Bench")
        user.set_roles({Role.PARTICIPANT})
        db.session.add(user)
        activities = db.session.query(Activity).order_by(Activity.id).limit(PERSONAL_ACTIVITIES)
        for activity in activities:
            db.session.add(
                Enrolment(user=user, activity=activity, status=EnrolmentStatus.CONFIRMED)
            )
        db.session.flush()
        token = ensure_feed_token(user)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return f"/calendar/{token}.ics"


def etag_of(url: str) -> str:
    """The ETag header of a GET (read from the raw response head)."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=60) as sock:
        request = f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n"
        sock.sendall(request.encode("latin-1"))
        raw = b""
        while b"\r\n\r\n" not in raw and (chunk := sock.recv(65536)):
            raw += chunk
    for line in raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        name, _sep, value = line.partition(b":")
        if name.strip().lower() == b"etag":
            return value.strip().decode("latin-1")
    raise RuntimeError(f"{url} answered without an ETag")


def measure_not_modified(url: str, etag: str) -> LoadResult:
    """Like :func:`bench.load.measure`, for requests that must answer 304."""
    headers = {"If-None-Match": etag}
    status, body = fetch(url, headers)
    if status != 304 or body:
        raise RuntimeError(f"{url} answered {status} ({len(body)} bytes) to If-None-Match")
    for _ in range(20):  # every worker has its code and connections warm
        fetch(url, headers)
    context = multiprocessing.get_context("spawn")
    started = time.perf_counter()
    with context.Pool(PROCESSES) as pool:
        parts = pool.map(_worker, [(url, headers, DURATION, THREADS)] * PROCESSES)
    elapsed = time.perf_counter() - started
    result = LoadResult(url=url, duration=min(elapsed, DURATION), response_bytes=0)
    for latencies, errors, statuses in parts:
        result.latencies.extend(latencies)
        result.errors += errors
        for code, n in statuses.items():
            result.statuses[code] = result.statuses.get(code, 0) + n
    return result


def cold_requests(url: str, database: Path, key: str) -> list[float]:
    """Milliseconds of requests that must build the feed (its cache row deleted first)."""
    timings = []
    for _ in range(COLD_SAMPLES):
        with sqlite3.connect(database) as connection:
            connection.execute("DELETE FROM feed_cache WHERE key = ?", (key,))
        started = time.perf_counter()
        status, _body = fetch(url)
        timings.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"{url} answered {status}")
    return timings


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="lms-bench-feeds-") as directory:
        database = Path(directory) / "feeds.db"
        database_url = f"sqlite:///{database}"
        started = time.perf_counter()
        counts = build_database(database_url)
        personal_path = add_personal_feed(database_url)
        print(
            f"SQLite database with {counts['activities']} published activities, "
            f"{counts['sessions']} sessions; one participant confirmed in "
            f"{PERSONAL_ACTIVITIES} of them (built in {time.perf_counter() - started:.1f} s)"
        )
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
        feeds = (
            ("personal", personal_path, "personal:"),
            ("catalogue", "/calendar/catalogue.ics", "catalogue"),
        )
        results: dict[str, dict] = {}
        with gunicorn_server("wsgi:app", env=env, ready_path="/healthz") as base_url:
            for name, path, key in feeds:
                url = base_url + path
                status, body = fetch(url)
                if status != 200 or not body.startswith(b"BEGIN:VCALENDAR"):
                    raise RuntimeError(f"{path} answered {status}")
                if key == "personal:":
                    with sqlite3.connect(database) as connection:
                        (key,) = connection.execute(
                            "SELECT key FROM feed_cache WHERE key LIKE 'personal:%'"
                        ).fetchone()
                cold = cold_requests(url, database, key)
                cached = measure(url, duration=DURATION, processes=PROCESSES, threads=THREADS)
                not_modified = measure_not_modified(url, etag_of(url))
                results[name] = {
                    "events": body.count(b"BEGIN:VEVENT"),
                    "body": body,
                    "cold": cold,
                    "cached": cached,
                    "304": not_modified,
                }
        for name, _path, _key in feeds:
            body = results[name]["body"]
            with bare_server(body, CALENDAR) as bare_url:
                status, bare_body = fetch(bare_url + "/")
                # Jinja (the bare app renders a template) turns CRLF into LF: the bare
                # answer is a few percent smaller, otherwise the same text.
                if bare_body.replace(b"\n", b"\r\n") != body:
                    raise RuntimeError(f"bare {name}: {len(bare_body)} bytes, real {len(body)}")
                results[name]["bare"] = measure(
                    bare_url + "/", duration=DURATION, processes=PROCESSES, threads=THREADS
                )

    # The floor for a 304: the same bare app answering an empty body.
    with bare_server(b"", CALENDAR) as bare_url:
        empty = measure(bare_url + "/", duration=DURATION, processes=PROCESSES, threads=THREADS)

    for name, _path, _key in feeds:
        data = results[name]
        cold = data["cold"]
        print(
            f"\n{name} feed: {data['events']} events, {len(data['body']):,} bytes; "
            f"first request (builds): median {statistics.median(cold):.0f} ms "
            f"(min {min(cold):.0f}, max {max(cold):.0f}, {len(cold)} samples), "
            f"{statistics.median(cold) / max(data['events'], 1):.2f} ms per event"
        )
        print(HEADER)
        print(format_row(f"real  {name} cached (200)", data["cached"]))
        print(format_row(f"real  {name} If-None-Match 304", data["304"]))
        print(format_row("bare  same bytes, no db", data["bare"]))
        print(format_row("bare  empty body (304 floor)", empty))
        bare = data["bare"]
        if bare.per_second:
            print(
                f"ratio real/bare: cached {data['cached'].per_second / bare.per_second:.2f}, "
                f"304 {data['304'].per_second / bare.per_second:.2f} of the requests/s; "
                f"304/empty bare {data['304'].per_second / max(empty.per_second, 1):.2f}"
            )
        for label in ("cached", "304", "bare"):
            if data[label].errors:
                print(
                    f"warning: {data[label].errors} failed requests ({label}): "
                    f"{data[label].statuses}"
                )


if __name__ == "__main__":
    main()
