"""A 30 s PostgreSQL outage, then how long until the app serves pages again (goal: within
a second of the database's return, without a restart).

The app (gunicorn, 2 sync workers, production settings) reaches PostgreSQL through a TCP
proxy in this process. The proxy first carries traffic while the catalogue, a signed-in
catalogue and an activity page are warmed up; then it cuts every open connection and
refuses new ones for :data:`OUTAGE_SECONDS` (what a database restart or a failover looks
like to the app), during which the answers are printed (a Dutch 503 is expected; a page the
cache can still prove fresh is not); then it lets connections through again and the time
until each page answers 200 is printed beside the goal.

``python -m bench outage``; ``BENCH_OUTAGE_SECONDS`` shortens the outage for a quick look.
The database is the catalogue benchmark's (:func:`bench.catalogue.postgres_database`).
"""

from __future__ import annotations

import os
import secrets
import time
import urllib.error
import urllib.request

from bench.catalogue import (
    build_database,
    drop_postgres_database,
    postgres_database,
    signed_in_cookie,
)
from bench.serve import free_port, gunicorn_server
from bench.tcp_proxy import TcpProxy

OUTAGE_SECONDS = float(os.environ.get("BENCH_OUTAGE_SECONDS", "30"))
GOAL_SECONDS = 1.0
#: What is asked during and after the outage: (name, path, signed in).
PAGES = (
    ("visitor catalogue", "/activities", False),
    ("signed-in catalogue", "/activities", True),
    ("activity page", "/activities/3", False),
    ("health check", "/healthz", False),
)


def _status(base: str, path: str, cookie: str | None) -> str:
    headers = {"User-Agent": "lms-bench"}
    if cookie:
        headers["Cookie"] = cookie
    request = urllib.request.Request(base + path, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return str(response.status)
    except urllib.error.HTTPError as error:
        return str(error.code)
    except OSError as error:
        return type(error).__name__


def main() -> None:
    url, why = postgres_database()
    if url is None:
        print(f"skipped: {why}")
        return
    from sqlalchemy.engine import make_url

    database = make_url(url)
    proxy = TcpProxy(free_port(), (database.host or "127.0.0.1", database.port or 5432))
    proxy.start()
    try:
        build_database(url)
        proxied = database.set(host="127.0.0.1", port=proxy.port).render_as_string(
            hide_password=False
        )
        key = secrets.token_hex(32)
        cookie = signed_in_cookie(url, key)
        env = {
            "LMS_CONFIG": "production",
            "DATABASE_URL": proxied,
            "SECRET_KEY": key,
            "LMS_FORCE_HTTPS": "0",
            "LMS_BASE_URL": "http://127.0.0.1",
        }
        with gunicorn_server("wsgi:app", env=env, ready_path="/healthz", port=free_port()) as base:
            for _ in range(5):  # warm: caches filled, pools open
                for _name, path, signed in PAGES:
                    _status(base, path, cookie if signed else None)
            proxy.stop()
            print(f"PostgreSQL unreachable for {OUTAGE_SECONDS:.0f} s (connections cut)")
            seen: dict[str, set[str]] = {name: set() for name, _p, _s in PAGES}
            until = time.monotonic() + OUTAGE_SECONDS
            while time.monotonic() < until:
                for name, path, signed in PAGES:
                    seen[name].add(_status(base, path, cookie if signed else None))
                time.sleep(0.5)
            for name, answers in seen.items():
                print(f"  during the outage  {name:<20} answers {', '.join(sorted(answers))}")
            proxy.start()
            back = time.monotonic()
            again: dict[str, float] = {}
            while len(again) < len(PAGES) and time.monotonic() - back < 30:
                for name, path, signed in PAGES:
                    if name in again:
                        continue
                    if _status(base, path, cookie if signed else None) == "200":
                        again[name] = time.monotonic() - back
                time.sleep(0.02)
            for name, _path, _signed in PAGES:
                took = again.get(name)
                figure = f"{took:.2f} s" if took is not None else "not within 30 s"
                verdict = "met" if took is not None and took <= GOAL_SECONDS else "MISSED"
                print(
                    f"  serving again      {name:<20} after {figure:<16}"
                    f"goal ≤ {GOAL_SECONDS:.0f} s: {verdict}"
                )
    finally:
        proxy.stop()
        drop_postgres_database(url)


if __name__ == "__main__":
    main()
