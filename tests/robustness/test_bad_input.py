"""Bad input is a Dutch 400, never a 500, on every route and every field, on both databases.

The routes come from ``app.url_map``; the fields from the forms the pages themselves
show (GET filter forms and POST forms, fetched as a coordinator who also trains,
participates and is an organisation contact) and from the query parameters the code
reads (``request.args.get("…")`` in lms/). Each is driven with NUL bytes, lone
surrogates (raw ``%ED%A0%80`` and ``\\ud800`` in JSON), overflowing numbers, impossible
dates, and for the API with JSON nested 100,000 deep.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from lms.extensions import db
from lms.models import Enrolment, EnrolmentStatus, Role

#: Raw (already percent-encoded) values: NUL, a lone surrogate in UTF-8 form, and text
#: around a NUL.
RAW_TEXT = ["%00", "%ED%A0%80", "a%00b"]
NUMBERS = [str(2**63), str(10**30), "-" + str(2**63)]
DATES = ["0000-01-01", "99999-12-31", "0-0-0"]
EVERY_VALUE = RAW_TEXT + [quote(v) for v in NUMBERS + DATES]
EDGE_MESSAGES = ("tekens die we niet kunnen verwerken", "te groot", "te diep genest")
DUTCH = re.compile(
    r"ongeldig|niet|geen|vul|kies|te groot|fout|bestaat|aanvraag|verplicht|mag", re.IGNORECASE
)
SKIP_ENDPOINTS = {"static", "accounts.logout"}
_PART = re.compile(r"<(?:(?P<conv>[a-z_]+):)?(?P<name>[a-z_]+)>")
_ARG_READ = re.compile(r"args\.(?:get|getlist)\(\s*\"([A-Za-z_]+)\"")


class _Forms(HTMLParser):
    """(method, action, field names) of every form of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, str, set[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            method = (values.get("method") or "get").lower()
            self.forms.append((method, values.get("action") or "", set()))
        elif tag in ("input", "select", "textarea", "button") and self.forms:
            name = values.get("name")
            if name and name != "csrf_token":
                self.forms[-1][2].add(name)


def _source_query_names() -> set[str]:
    root = Path(__file__).resolve().parents[2] / "lms"
    names: set[str] = set()
    for path in root.rglob("*.py"):
        names |= set(_ARG_READ.findall(path.read_text(encoding="utf-8")))
    return names


def _fill(rule, ids: dict[str, int]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group("name")
        if match.group("conv") == "int":
            for key, number in ids.items():
                if key in name:
                    return str(number)
            return str(ids["activity"])
        return "x"

    return _PART.sub(value, rule.rule)


@pytest.fixture
def world(app, create_user, create_activity, create_organisation):
    organisation = create_organisation("Samenlevingsopbouw Testwerk")
    coordinator = create_user(
        email="coordinator@example.org",
        roles=(Role.COORDINATOR, Role.TRAINER, Role.PARTICIPANT, Role.ORGANISATION_CONTACT),
        organisation=organisation,
    )
    other = create_user(email="collega@example.org", organisation=organisation)
    activity = create_activity(
        title="Online overleg", trainers=[coordinator], online_url="https://meet.example/x"
    )
    db.session.add(Enrolment(user=other, activity=activity, status=EnrolmentStatus.CONFIRMED))
    db.session.commit()
    ids = {"session": activity.sessions[0].id, "user": other.id, "activity": activity.id}
    return coordinator, ids


def _routes(app, ids):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP_ENDPOINTS:
            continue
        path = _fill(rule, ids)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method, path


def _harvest(client, app, ids) -> tuple[dict[str, set[str]], set[str], set[str]]:
    """Field names: per GET path its GET-form fields; all GET-form fields; all POST ones."""
    per_path: dict[str, set[str]] = {}
    get_fields: set[str] = set()
    post_fields: set[str] = set()
    for _rule, method, path in _routes(app, ids):
        if method != "GET" or path.startswith("/api/"):
            continue
        response = client.get(path)
        if response.status_code != 200 or "html" not in (response.content_type or ""):
            continue
        parser = _Forms()
        parser.feed(response.get_data(as_text=True))
        for form_method, action, names in parser.forms:
            if form_method == "get":
                target = urlsplit(action).path or path
                per_path.setdefault(target, set()).update(names)
                get_fields |= names
            else:
                post_fields |= names
    return per_path, get_fields, post_fields


def _check(response, what, problems: list) -> None:
    """Note a 500, or a 400 that does not tell the reader in Dutch what went wrong."""
    if response.status_code == 500:
        problems.append(("500", what))
    if response.status_code != 400:
        return
    if response.is_json:
        message = (response.get_json() or {}).get("error", "")
    else:
        message = response.get_data(as_text=True)
    if not DUTCH.search(message):
        problems.append(("400 zonder uitleg", what))


def test_no_route_and_no_field_gives_a_500(app, client, login, world, backend):
    coordinator, ids = world
    login(coordinator)
    per_path, get_fields, post_fields = _harvest(client, app, ids)
    query_names = sorted(get_fields | _source_query_names())
    form_names = sorted(post_fields | get_fields)
    assert {"q", "since", "until", "page"} <= set(query_names), query_names
    assert len(form_names) > 20, form_names

    requests = 0
    problems: list = []
    for rule, method, path in _routes(app, ids):
        login(coordinator)
        api = path.startswith("/api/")
        for value in EVERY_VALUE:
            if method == "GET":
                # Every query parameter at once, then each of the page's own one by one.
                query = "&".join(f"{name}={value}" for name in query_names)
                _check(client.get(f"{path}?{query}"), (path, value), problems)
                for name in sorted(per_path.get(path, ())):
                    _check(client.get(f"{path}?{name}={value}"), (path, name, value), problems)
                    requests += 1
            elif api:
                body = json.dumps(dict.fromkeys(("title", "email", "capacity"), value))
                _check(
                    client.open(path, method=method, data=body, content_type="application/json"),
                    (method, path, value),
                    problems,
                )
            else:
                body = "&".join(f"{name}={value}" for name in form_names)
                _check(
                    client.open(
                        path,
                        method=method,
                        data=body,
                        content_type="application/x-www-form-urlencoded",
                    ),
                    (method, path, value),
                    problems,
                )
            requests += 1
        # Bad text inside the path itself (string parts such as tokens and codes).
        if "<" in rule.rule and "int:" not in rule.rule:
            bad_path = _PART.sub("%00", rule.rule)
            _check(client.open(bad_path, method=method), (method, bad_path), problems)
    assert problems == [], "\n".join(map(repr, problems))
    assert requests > 500


@pytest.mark.parametrize(
    "body",
    [
        b'{"title": "\\ud800"}',
        b'{"title": "a\\u0000b"}',
        b'{"capacity": 9223372036854775808}',
        b'{"capacity": 1000000000000000000000000000000}',
        b'{"capacity": 1e999}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    ],
    ids=["surrogate", "nul", "2**63", "10**30", "infinite", "deep-array", "deep-object"],
)
def test_bad_json_is_a_dutch_400_on_every_api_write(app, client, world, api_token, body):
    coordinator, ids = world
    headers = api_token(coordinator)
    seen = 0
    for _rule, method, path in _routes(app, ids):
        if not path.startswith("/api/") or method == "GET":
            continue
        response = client.open(
            path, method=method, data=body, content_type="application/json", headers=headers
        )
        assert response.status_code == 400, (method, path, response.status_code)
        error = response.get_json()["error"]
        assert any(text in error for text in EDGE_MESSAGES), error
        seen += 1
    assert seen >= 8


def test_nul_and_surrogates_in_public_forms_get_a_dutch_page(client):
    for path, body in (
        ("/account/login", "email=a%00b%40example.org&password=x"),
        ("/account/register", "name=Jan%00&email=j%40example.org&password=x"),
        ("/account/login", "email=%ED%A0%80%40example.org&password=x"),
    ):
        response = client.post(path, data=body, content_type="application/x-www-form-urlencoded")
        assert response.status_code in (200, 400), path
        assert "nul-byte" in response.get_data(as_text=True) or response.status_code == 200
    response = client.get("/activities?q=wonen%00")
    assert response.status_code == 400
    assert "tekens die we niet kunnen verwerken" in response.get_data(as_text=True)
    response = client.get("/admin/audit?since=99999-12-31&page=" + str(10**30))
    assert response.status_code in (302, 400)


def test_a_request_beyond_the_size_limit_is_a_dutch_413(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit and limit <= 64 * 1024 * 1024
    response = client.post(
        "/account/login",
        data=b"email=" + b"a" * (limit + 1),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert "te groot" in response.get_data(as_text=True)
    api = client.post(
        "/api/v1/activities", data=b"[" + b" " * (limit + 1), content_type="application/json"
    )
    assert api.status_code == 413 and "te groot" in api.get_json()["error"]
