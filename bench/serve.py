"""Start a WSGI app under gunicorn on 127.0.0.1 for a benchmark, and always stop it.

``with gunicorn_server("wsgi:app", env={...}) as base_url: ...`` starts gunicorn (sync
workers, 2 by default) on a free port, waits until ``ready_path`` answers, yields the
base URL, and on the way out stops gunicorn (SIGTERM, then SIGKILL after a grace period)
even when the benchmark fails. Its output goes to a log file that is printed when the
server does not come up.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_ready(url: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped with exit code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status < 500:
                    return
        except urllib.error.HTTPError as error:
            if error.code < 500:
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


@contextmanager
def gunicorn_server(
    app_spec: str,
    *,
    env: Mapping[str, str] | None = None,
    workers: int = 2,
    ready_path: str = "/",
    startup_timeout: float = 60.0,
    threads: int = 1,
    port: int | None = None,
    config: str | None = None,
) -> Iterator[str]:
    """Serve ``app_spec`` (e.g. ``"wsgi:app"``) under gunicorn; yield ``http://127.0.0.1:PORT``.

    ``threads`` > 1 runs threaded workers (``gthread``); ``port`` a fixed port instead of
    a free one; ``config`` a gunicorn configuration file (server hooks, e.g. a timer)."""
    port = port or free_port()
    base_url = f"http://127.0.0.1:{port}"
    environment = {**os.environ, **(env or {})}
    environment["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), environment.get("PYTHONPATH", "")) if p
    )
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread" if threads > 1 else "sync",
        "--threads",
        str(threads),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--chdir",
        str(ROOT),
        *(["--config", config] if config else []),
        app_spec,
    ]
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(
            command, env=environment, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
        )
        try:
            try:
                _wait_until_ready(base_url + ready_path, process, startup_timeout)
            except RuntimeError:
                log.seek(0)
                sys.stderr.write(log.read()[-4000:])
                raise
            yield base_url
        finally:
            _stop(process)


def _stop(process: subprocess.Popen, grace: float = 10.0) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # gunicorn: graceful stop of master and workers
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=grace)
