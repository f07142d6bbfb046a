"""No view can be turned into an open redirect."""

from __future__ import annotations

import pytest

from lms.web.redirects import safe_next


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/x\r\nLocation: https://evil.example",
        "",
        None,
    ],
)
def test_foreign_targets_are_refused(target):
    assert safe_next(target, "/fallback") == "/fallback"


@pytest.mark.parametrize("target", ["/", "/activities?thema=wonen", "/admin/users/3"])
def test_local_paths_are_kept(target):
    assert safe_next(target) == target


@pytest.mark.parametrize("target", ["/\\evil.example", "//evil.example", "https://evil.example"])
def test_preference_forms_stay_on_the_site(client, target):
    response = client.post("/preferences/font-size", data={"size": "large", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] in ("/", "http://localhost/")
