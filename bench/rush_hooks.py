"""Gunicorn configuration for ``bench/rush.py``: a timer around the activity lock.

Loaded with ``gunicorn --config bench/rush_hooks.py`` by the benchmark only, so the
application carries no timing code. After a worker has loaded the app it listens to the
engine's and the session's events and writes, per enrolment, how long the activity's lock
was held, in milliseconds, as one line to ``$LMS_BENCH_LOCK_DIR/<pid>.txt``:

* the service (:mod:`lms.enrolment.service`, through :mod:`lms.common.locking`): from the moment
  the statement that locks (``… FOR NO KEY UPDATE``) has returned to the moment the commit
  has returned — the work done, in Python and in round trips, while the others wait;
* the PostgreSQL fast path (:mod:`lms.enrolment.fast`), which sends the lock, the decision
  and the commit as one pipelined batch: by the server's clock, from the start of the
  deciding statement (just after the lock was granted) to just after the commit (which
  released it), as the batch reports them.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

_local = threading.local()


def _write(milliseconds: float, path: str) -> None:
    with open(path, "a", encoding="utf-8") as out:
        out.write(f"{milliseconds:.3f}\n")


def post_worker_init(worker: Any) -> None:
    directory = os.environ.get("LMS_BENCH_LOCK_DIR")
    if not directory:
        return
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from lms.extensions import db

    path = os.path.join(directory, f"{os.getpid()}.txt")
    app = worker.wsgi
    with app.app_context():
        engine = db.engine

    def after_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "FOR NO KEY UPDATE" in statement and getattr(_local, "locked", None) is None:
            _local.locked = time.perf_counter()

    def after_commit(_session: Any) -> None:
        locked = getattr(_local, "locked", None)
        _local.locked = None
        if locked is not None:
            _write((time.perf_counter() - locked) * 1000, path)

    def after_rollback(_session: Any) -> None:
        _local.locked = None

    event.listen(engine, "after_cursor_execute", after_execute)
    event.listen(Session, "after_commit", after_commit)
    event.listen(Session, "after_rollback", after_rollback)

    try:
        from lms.enrolment import fast
    except ImportError:
        return
    original = fast.run_batch

    def timed_batch(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        if result.decided_at is not None and result.released_at is not None:
            _write((result.released_at - result.decided_at).total_seconds() * 1000, path)
        return result

    fast.run_batch = timed_batch
