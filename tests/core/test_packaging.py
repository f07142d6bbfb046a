"""Packaging: the lock file installs what pyproject.toml asks for, and git ignores only
what is made locally.

`make install` installs ``requirements.lock`` (exact versions with hashes) and then the
project without its dependencies; a requirement added to ``pyproject.toml`` without
``make lock`` would therefore be missing on every fresh clone. These checks read files
only: no network, no installing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "sam-leerplatform"


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def locked_versions() -> dict[str, Version]:
    """Name → pinned version of every package in requirements.lock."""
    pins: dict[str, Version] = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", line)
        if match:
            pins[canonicalize_name(match.group(1))] = Version(match.group(2))
    return pins


def requirements_of_dev() -> list[Requirement]:
    """Every requirement `make install` needs: the dependencies and the extras that the
    ``dev`` extra pulls in (through the project's references to itself)."""
    project = pyproject()["project"]
    extras = project["optional-dependencies"]
    wanted, seen = ["dev"], set()
    found = [Requirement(text) for text in project["dependencies"]]
    while wanted:
        extra = wanted.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for text in extras[extra]:
            requirement = Requirement(text)
            if canonicalize_name(requirement.name) == PROJECT:
                wanted.extend(requirement.extras)
            else:
                found.append(requirement)
    return found


def test_the_lock_pins_every_requirement_within_its_bounds():
    pins = locked_versions()
    problems = []
    for requirement in requirements_of_dev():
        name = canonicalize_name(requirement.name)
        if name not in pins:
            problems.append(f"{requirement}: not in requirements.lock")
        elif not requirement.specifier.contains(pins[name], prereleases=True):
            problems.append(f"{requirement}: the lock pins {pins[name]}")
    assert not problems, "run `make lock` (see README):\n" + "\n".join(problems)


def test_every_pin_carries_hashes():
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text)
    pinned = [block for block in blocks if "==" in block.split("\n")[0]]
    assert pinned
    assert all("--hash=sha256:" in block for block in pinned)


def test_metadata_uses_the_current_license_field_and_build_backend():
    data = pyproject()
    assert data["project"]["license"] == "EUPL-1.2"  # SPDX expression, not a table
    assert "setuptools>=77" in data["build-system"]["requires"]


def test_redis_is_a_production_extra_only():
    """No code imports redis: it is only a rate-limit store behind RATELIMIT_STORAGE_URI."""
    data = pyproject()["project"]
    names = {canonicalize_name(Requirement(t).name) for t in data["dependencies"]}
    assert "redis" not in names
    production = data["optional-dependencies"]["production"]
    assert "redis" in {canonicalize_name(Requirement(t).name) for t in production}
    for path in (ROOT / "lms").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(import redis|from redis\b)", source, re.M), path


def test_git_ignores_no_tracked_file():
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--ignored", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert listed == []
