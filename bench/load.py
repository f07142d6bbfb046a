"""A small HTTP load generator: requests/s and latency percentiles for one URL.

Several processes (so the client is not held back by one GIL) each run a few threads;
every thread sends ``GET`` requests one after another for a fixed time, each on a new
connection (gunicorn's sync workers close the connection after every response anyway),
and records the latency of every complete response. The request is prebuilt bytes and
the response is only read to its end, so the client spends as little CPU as possible:
on a small machine it shares the cores with the server it measures, which is why the
figures to compare are the ones taken in the same run.
"""

from __future__ import annotations

import multiprocessing
import socket
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class LoadResult:
    url: str
    duration: float
    latencies: list[float] = field(default_factory=list)  # seconds, successful responses
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    response_bytes: int = 0  # size of one response body

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def per_second(self) -> float:
        return self.requests / self.duration if self.duration else 0.0

    def percentile(self, pct: float) -> float:
        """Latency percentile in milliseconds (nearest rank)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
        return ordered[rank] * 1000

    @property
    def p50(self) -> float:
        return self.percentile(50)

    @property
    def p99(self) -> float:
        return self.percentile(99)


def _request_bytes(url: str, headers: dict[str, str] | None) -> tuple[str, int, bytes]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    lines = [f"GET {target} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return host, port, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """One request: (status, body). Used to check what a server answers."""
    host, port, request = _request_bytes(url, headers)
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    raw = b"".join(chunks)
    head, _sep, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    if b"transfer-encoding: chunked" in head.lower():
        body = _unchunk(body)
    return status, body


def _unchunk(body: bytes) -> bytes:
    out, rest = [], body
    while rest:
        size_line, _sep, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2 :]
    return b"".join(out)


def _worker(args: tuple[str, dict[str, str] | None, float, int]) -> tuple[list[float], int, dict]:
    url, headers, duration, threads = args
    host, port, request = _request_bytes(url, headers)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + duration

    def run() -> None:
        mine: list[float] = []
        my_statuses: dict[int, int] = {}
        my_errors = 0
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            try:
                with socket.create_connection((host, port), timeout=30) as sock:
                    sock.sendall(request)
                    first = sock.recv(65536)
                    while sock.recv(65536):
                        pass
                status = int(first.split(b" ", 2)[1])
            except (OSError, ValueError, IndexError):
                my_errors += 1
                continue
            elapsed = time.perf_counter() - started
            my_statuses[status] = my_statuses.get(status, 0) + 1
            if 200 <= status < 400:
                mine.append(elapsed)
            else:
                my_errors += 1
        with lock:
            latencies.extend(mine)
            errors[0] += my_errors
            for status, n in my_statuses.items():
                statuses[status] = statuses.get(status, 0) + n

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return latencies, errors[0], statuses


def measure(
    url: str,
    *,
    duration: float = 5.0,
    processes: int = 2,
    threads: int = 4,
    warmup: int = 40,
    headers: dict[str, str] | None = None,
) -> LoadResult:
    """Load ``url`` with ``processes × threads`` concurrent clients for ``duration`` s."""
    status, body = fetch(url, headers)
    if status != 200:
        raise RuntimeError(f"{url} answered {status}, not 200")
    for _ in range(warmup):  # every worker has loaded its code, templates, connections
        fetch(url, headers)
    context = multiprocessing.get_context("spawn")
    started = time.perf_counter()
    with context.Pool(processes) as pool:
        parts = pool.map(_worker, [(url, headers, duration, threads)] * processes)
    elapsed = time.perf_counter() - started
    result = LoadResult(url=url, duration=min(elapsed, duration), response_bytes=len(body))
    for latencies, errors, statuses in parts:
        result.latencies.extend(latencies)
        result.errors += errors
        for code, n in statuses.items():
            result.statuses[code] = result.statuses.get(code, 0) + n
    return result


def format_row(label: str, result: LoadResult) -> str:
    return (
        f"{label:<34} {result.per_second:>9.1f} {result.p50:>8.1f} {result.p99:>8.1f} "
        f"{result.response_bytes:>9} {result.requests:>8} {result.errors:>6}"
    )


HEADER = (
    f"{'':<34} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'bytes':>9} {'requests':>8} {'errors':>6}"
)
