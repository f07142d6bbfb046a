"""Every page of the feature keeps to the Content-Security-Policy and to the basics of
accessibility: no inline styles or scripts, one h1, labelled tables."""

from __future__ import annotations

import re

from lms.certificates import service
from lms.extensions import db
from lms.policy.service import current_policy


def test_pages_have_no_inline_style_or_script(client, login, finished_course, coordinator):
    [cert, *_] = service.issue_for_activity(finished_course.activity, actor=coordinator).issued
    db.session.commit()
    activity = finished_course.activity
    login(coordinator)
    pages = [
        "/policy/",
        f"/policy/{current_policy().id}",
        "/policy/new",
        "/certificates/",
        f"/certificates/{cert.id}",
        f"/activities/{activity.id}/progress",
        "/my/learning-record",
        f"/organisations/staff/{cert.user_id}/learning-record",
        "/certificates/verify",
        f"/certificates/verify/{cert.code}",
    ]
    for url in pages:
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert not re.search(r"\sstyle=", html), url
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert not re.search(r"\son[a-z]+=", html), url
        assert html.count("<h1") == 1, url
        assert html.count("<table") == html.count("<caption") or "<th scope" in html, url
    login(finished_course.people[0])
    html = client.get(f"/my/activities/{activity.id}/progress").get_data(as_text=True)
    assert not re.search(r"\sstyle=", html)
    assert html.count("<h1") == 1
