"""Every log line of a test run goes to ``test-artifacts/test-run.log``; at the end of the
session the file is searched for secrets, and the run fails when one is found.

Searched for: personal API tokens (``sam_`` and their urlsafe body), personal calendar feed
URLs (64 hex characters after ``/calendar/``), password reset links and tokens, seat-offer
links, and every password the suite uses (the constants, and each string literal given as a
password in a test module). ``tests/conftest.py`` calls :func:`start` and :func:`finish`.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LOG_NAME = Path("test-artifacts") / "test-run.log"
FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"

#: (what, pattern) — each match in the log is a leak.
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("API-sleutel", re.compile(r"sam_[A-Za-z0-9_-]{40,}")),
    ("agenda-URL met sleutel", re.compile(r"/calendar/[0-9a-fA-F]{64}")),
    ("link om een wachtwoord te kiezen", re.compile(r"/account/reset/(?!\[redacted\])[^\s\"'<]+")),
    # itsdangerous tokens of lms.accounts.service start with base64('{"u":')
    ("wachtwoord-resettoken", re.compile(r"eyJ1Ijo[A-Za-z0-9_-]{4,}")),
    ("link van een aangeboden plaats", re.compile(r"/enrolments/offer/(?!\[redacted\])[^\s\"'<]+")),
)

#: A password in a test module: ``password="…"``, ``"password": "…"``, ``X_PASSWORD = "…"``.
_PASSWORD_LITERAL = re.compile(r"""(?i)password\w*["']?\s*(?:=|:)\s*["']([^"'\n]{8,})["']""")


@dataclass(frozen=True)
class Finding:
    line_number: int
    what: str
    excerpt: str

    def __str__(self) -> str:
        return f"regel {self.line_number}: {self.what}: {self.excerpt}"


def suite_passwords(tests_dir: Path) -> set[str]:
    """Every password the suite types somewhere (constants and literals)."""
    from lms.demo import DEMO_PASSWORD
    from tests.factories import TEST_PASSWORD

    found = {TEST_PASSWORD, DEMO_PASSWORD}
    for module in tests_dir.rglob("*.py"):
        found.update(_PASSWORD_LITERAL.findall(module.read_text(encoding="utf-8")))
    return {p for p in found if len(p) >= 8}


def scan(text: str, passwords: set[str]) -> list[Finding]:
    findings = []
    for number, line in enumerate(text.splitlines(), start=1):
        for what, pattern in PATTERNS:
            match = pattern.search(line)
            if match:
                findings.append(Finding(number, what, _excerpt(line, match.start())))
        for password in passwords:
            if password in line:
                findings.append(
                    Finding(
                        number, "wachtwoord uit de testsuite", _excerpt(line, line.index(password))
                    )
                )
    return findings


def _excerpt(line: str, at: int) -> str:
    return line[max(0, at - 60) : at + 80]


_handler: logging.Handler | None = None


def _run_log(rootpath: Path) -> Path:
    # One file per process while running, so two runs in one working tree do not mix
    # their lines; renamed to test-run.log when the run ends.
    return rootpath / LOG_NAME.with_name(f"test-run.{os.getpid()}.log")


def start(rootpath: Path) -> Path:
    """Send every log record (DEBUG and up) of this run to a fresh log file."""
    global _handler
    path = _run_log(rootpath)
    path.parent.mkdir(exist_ok=True)
    _handler = logging.FileHandler(path, mode="w", encoding="utf-8")
    _handler.setLevel(logging.DEBUG)
    _handler.setFormatter(logging.Formatter(FORMAT))
    root = logging.getLogger()
    root.addHandler(_handler)
    root.setLevel(logging.DEBUG)
    # The test SMTP server (aiosmtpd, the smtp_server fixture) logs each mail it receives,
    # line by line, at DEBUG: that is the recipient's copy of the mail — with the links
    # meant for them — not a log of the application.
    logging.getLogger("mail.log").setLevel(logging.INFO)
    return path


def finish(session: Any) -> None:
    """Search the log of this run; report and fail the run on any secret in it."""
    global _handler
    if _handler is None:
        return
    _handler.flush()
    logging.getLogger().removeHandler(_handler)
    _handler.close()
    _handler = None
    rootpath = Path(session.config.rootpath)
    run_log = _run_log(rootpath)
    text = run_log.read_text(encoding="utf-8", errors="replace")
    run_log.replace(rootpath / LOG_NAME)
    findings = scan(text, suite_passwords(rootpath / "tests"))
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_sep("-", "geheimen in het testlogboek")
        lines = len(text.splitlines())
        if findings:
            for finding in findings[:20]:
                reporter.write_line(str(finding), red=True)
            reporter.write_line(
                f"{len(findings)} geheim(en) gevonden in {LOG_NAME} ({lines} regels).", red=True
            )
        else:
            reporter.write_line(f"{LOG_NAME}: {lines} regels, geen token, wachtwoord of feed-URL.")
    if findings and session.exitstatus == 0:
        session.exitstatus = 1
