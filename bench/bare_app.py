"""The baseline of a benchmark: a bare Flask app whose one route renders a template.

The template holds exactly the bytes a real page answered (no database, no session, no
extensions), so "real app ÷ bare app" is what our code costs above Flask, Jinja and
gunicorn for a response of the same size. Reusable for any body and content type:

    with bare_server(body_bytes, "text/calendar; charset=utf-8") as base_url:
        result = measure(base_url + "/")

``create_app()`` reads ``BENCH_BODY_FILE`` (a template file) and ``BENCH_CONTENT_TYPE``
from the environment, so gunicorn can build it: ``bench.bare_app:create_app()``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, render_template

from bench.serve import gunicorn_server


def create_app(body_file: str | None = None, content_type: str | None = None) -> Flask:
    path = Path(body_file or os.environ["BENCH_BODY_FILE"])
    mimetype = content_type or os.environ.get("BENCH_CONTENT_TYPE", "text/html; charset=utf-8")
    app = Flask(__name__, template_folder=str(path.parent))

    @app.get("/")
    def page():  # type: ignore[no-untyped-def]
        return render_template(path.name), 200, {"Content-Type": mimetype}

    return app


def template_for(body: bytes) -> str:
    """A Jinja template that renders to exactly ``body`` (UTF-8)."""
    text = body.decode("utf-8")
    if "{% endraw %}" in text:
        raise ValueError("the body contains '{% endraw %}'")
    return "{% raw %}" + text + "{% endraw %}"


@contextmanager
def bare_server(
    body: bytes, content_type: str = "text/html; charset=utf-8", *, workers: int = 2
) -> Iterator[str]:
    """Serve ``body`` from the bare app under gunicorn; yield its base URL."""
    with tempfile.TemporaryDirectory(prefix="lms-bench-bare-") as directory:
        template = Path(directory) / "body.txt"
        # newline="" keeps the bytes exactly (no newline translation); Jinja keeps a
        # trailing newline only with keep_trailing_newline, so add none of our own.
        template.write_text(template_for(body), encoding="utf-8", newline="")
        env = {"BENCH_BODY_FILE": str(template), "BENCH_CONTENT_TYPE": content_type}
        with gunicorn_server("bench.bare_app:create_app()", env=env, workers=workers) as url:
            yield url
