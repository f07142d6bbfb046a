"""The main pages are valid HTML: no error from the Nu HTML Checker (vnu.jar).

``make test`` installs ``vnu-jar`` from the npm registry into the git-ignored
``tests/.tools/`` (the jar is not committed); the machine's Java runs it. The pages are
rendered as served, by the test client, in the states people see: with results, with form
errors, logged out and in, for participants, trainers and coordinators. One run of the
checker validates them all. The HTML is kept under ``test-artifacts/html/``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import ARTIFACTS, ROOT
from tests.e2e.scenes import build_scene

pytestmark = pytest.mark.markup

VNU_JAR = Path(
    os.environ.get(
        "LMS_VNU_JAR",
        ROOT / "tests" / ".tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar",
    )
)
HTML_DIR = ARTIFACTS / "html"


def vnu_command() -> list[str]:
    java = shutil.which("java")
    if java is None:
        pytest.skip("The HTML check needs Java (apt-get install default-jre-headless).")
    if not VNU_JAR.exists():
        pytest.skip(
            f"The Nu HTML Checker is not installed at {VNU_JAR.relative_to(ROOT)}: "
            "`make test` installs it with npm (needs npm and the npm registry)."
        )
    return [java, "-Xss1024k", "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always"]


def test_main_pages_have_no_html_errors(client, login, create_user, create_activity, create_theme):
    command = vnu_command()
    scene = build_scene(create_user, create_activity, create_theme)
    pages: dict[str, tuple[str, str, dict | None]] = {
        # name: (method, path, form data)
        "home": ("GET", "/", None),
        "catalogus": ("GET", "/activities", None),
        "catalogus-gefilterd": ("GET", "/activities?thema=wonen&soort=course", None),
        "catalogus-leeg": ("GET", "/activities?q=bestaatniet", None),
        "catalogus-fout": ("GET", "/activities?thema=onbekend&maand=2026-13", None),
        "activiteit-anoniem": ("GET", f"/activities/{scene.course.id}", None),
        "aanmelden": ("GET", "/account/login", None),
        "account-maken-fouten": (
            "POST",
            "/account/register",
            {"email": "geen-adres", "password": "kort", "password_again": "anders"},
        ),
        "attest-controleren": ("GET", "/certificates/verify", None),
        "attest-controleren-fout": ("GET", "/certificates/verify?code=12", None),
        "attest-geldig": ("GET", f"/certificates/verify/{scene.certificate.code}", None),
        "attest-onbekend": ("GET", "/certificates/verify/AAAA-BBBB-CCCC-DDDD", None),
        "niet-gevonden": ("GET", "/activities/999999", None),
    }
    as_participant = {
        "activiteit-ingeschreven": ("GET", f"/activities/{scene.course.id}", None),
        "activiteit-wachtlijst": ("GET", f"/activities/{scene.full_course.id}", None),
        "mijn-inschrijvingen": ("GET", "/my/enrolments", None),
        "annuleren": (
            "GET",
            f"/my/enrolments/{enrolment_id(scene.participant, scene.course)}/cancel",
            None,
        ),
        "agenda-abonnement": ("GET", "/calendar/subscribe", None),
        "mijn-agenda": ("GET", "/agenda", None),
        "mijn-leertraject": ("GET", "/my/learning-record", None),
        "mijn-aanwezigheden": ("GET", f"/my/activities/{scene.finished.id}/attendance", None),
        "profiel": ("GET", "/account/", None),
    }
    as_trainer = {
        "mijn-sessies": ("GET", "/my/sessions", None),
        "aanwezigheden": ("GET", f"/sessions/{scene.today.id}/attendance", None),
        "aanwezigheden-fout": (
            "POST",
            f"/sessions/{scene.today.id}/attendance",
            {"save": "1", f"status_{scene.participant.id}": "partial"},
        ),
        "aanwezigheden-geschiedenis": (
            "GET",
            f"/sessions/{scene.today.id}/attendance/history",
            None,
        ),
    }
    as_coordinator = {
        "attesten-uitreiken": ("GET", "/certificates/", None),
        "attest-beheer": ("GET", f"/certificates/{scene.certificate.id}", None),
        "beheer": ("GET", "/admin/", None),
        "aanvragen": ("GET", "/admin/requests", None),
    }

    HTML_DIR.mkdir(parents=True, exist_ok=True)
    for old in HTML_DIR.glob("*.html"):
        old.unlink()
    files: dict[str, Path] = {}

    def render(group: dict[str, tuple[str, str, dict | None]]) -> None:
        for name, (method, path, data) in group.items():
            response = client.open(path, method=method, data=data)
            assert response.mimetype == "text/html", (name, response.status_code)
            assert response.status_code in (200, 400, 404, 409, 422), (name, response.status)
            target = HTML_DIR / f"{name}.html"
            target.write_bytes(response.data)
            files[str(target.resolve())] = target

    render(pages)
    login(scene.participant)
    render(as_participant)
    login(scene.trainer)
    render(as_trainer)
    login(scene.coordinator)
    render(as_coordinator)

    result = subprocess.run(
        [*command, *files], capture_output=True, text=True, timeout=300, check=False
    )
    report = json.loads(result.stderr or result.stdout)
    (HTML_DIR / "vnu-report.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    errors = [
        message
        for message in report["messages"]
        if message["type"] in ("error", "non-document-error")
    ]
    lines = [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine', '?')}: {m['message']}"
        f"  [{(m.get('extract') or '').strip()[:120]}]"
        for m in errors
    ]
    assert not errors, "The Nu HTML Checker found errors:\n" + "\n".join(lines)


def enrolment_id(user, activity) -> int:
    from lms.enrolment.queries import enrolment_for

    return enrolment_for(user.id, activity.id).id
