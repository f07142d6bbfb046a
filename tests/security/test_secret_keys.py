"""Production refuses weak keys — short, predictable or published — and says how to make
a good one; ``flask --app wsgi …`` then exits instead of starting."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from config import DEV_SECRET_KEY
from lms import ConfigurationError, create_app
from lms.common.secret_key_check import weak_key_reason

ROOT = Path(__file__).resolve().parents[2]
FLASK = Path(sys.executable).with_name("flask")


def _flask(tmp_path, secret_key: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "LMS_CONFIG": "production",
        "SECRET_KEY": secret_key,
        "DATABASE_URL": f"sqlite:///{tmp_path}/prod.db",
    }
    return subprocess.run(
        [str(FLASK), "--app", "wsgi", "routes"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("key", ["changeme", "abc", "testing-secret-key", DEV_SECRET_KEY])
def test_production_refuses_to_start_with_a_published_key(tmp_path, key):
    result = _flask(tmp_path, key)
    assert result.returncode != 0
    assert "refusing to start" in result.stderr
    assert "secrets.token_urlsafe(48)" in result.stderr  # how to make a good one
    assert "Endpoint" not in result.stdout  # the route table was never printed


def test_production_starts_with_a_strong_key(tmp_path):
    result = _flask(tmp_path, secrets.token_urlsafe(48))
    assert result.returncode == 0, result.stderr
    assert "calendar.personal_feed" in result.stdout


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("", "not set"),
        ("Kort-maar-Krachtig-9!", "too short"),
        ("changemechangemechangemechangeme", "published"),
        ("XYZxyz" * 8, "predictable"),
        ("a" * 64, "predictable"),
        ("a-real-secret-from-the-environment", "published"),
    ],
)
def test_weak_keys_and_why(key, why):
    reason = weak_key_reason(key)
    assert reason is not None and why in reason
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app("production", SECRET_KEY=key or None)


@pytest.mark.parametrize("make", [lambda: secrets.token_urlsafe(32), lambda: secrets.token_hex(16)])
def test_random_keys_pass(make):
    for _ in range(50):
        assert weak_key_reason(make()) is None
