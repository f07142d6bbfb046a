"""Bad input stops at the edge: one check of every request before any view runs.

A value no column or parser can hold used to travel to the database and fail there (a
500): PostgreSQL refuses NUL bytes in text, a lone UTF-16 surrogate (``"\\ud800"`` in
JSON) cannot be encoded, a number beyond 32 bits overflows an INTEGER column, JSON nested
100,000 deep exhausts Python's recursion. Rather than guard every field, this module
looks at what a request carries — query parameters, form fields, file names, the parts
of the path, a JSON body — and answers a Dutch 400 (JSON for the API) when any of it is
unusable. Views therefore only ever see text that every database can store.

The request size is bounded by ``MAX_CONTENT_LENGTH`` (config.py); Werkzeug answers 413
before this check runs, through the error page of :mod:`lms.web`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Flask, Response, request
from flask_babel import gettext as _

from lms.models import MAX_ID
from lms.web import error_response

#: Deeper JSON than any request of our API needs (its bodies nest three or four levels).
MAX_JSON_DEPTH = 32
#: The largest number an id or count column holds (INTEGER: 32-bit signed on PostgreSQL).
MAX_INTEGER = MAX_ID

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_INTEGER = re.compile(r"[+-]?\d+")


def unstorable_text(value: str) -> bool:
    """``value`` holds a NUL byte or a lone surrogate: no database stores it as text."""
    return _UNSTORABLE.search(value) is not None


def out_of_range_integer(value: str) -> bool:
    """``value`` is written as a whole number beyond what an INTEGER column holds."""
    text = value.strip()
    if not _INTEGER.fullmatch(text) or len(text.lstrip("+-0")) < 10:
        return False
    return abs(int(text)) > MAX_INTEGER


def json_too_deep(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """The nesting of arrays and objects in ``raw`` exceeds ``limit`` (counted on the
    bytes, outside strings, before the parser recurses)."""
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return False


def _json_values(data: Any) -> Iterator[Any]:
    """Every key and leaf of a parsed JSON document (iteratively: depth is bounded)."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        else:
            yield item


def _text_problem(values: Iterable[str], numbers: Iterable[str] = ()) -> str | None:
    """The problem of the first unusable text among ``values``, or of a number among
    ``numbers`` (the values of fields that may hold one: not passwords)."""
    for value in values:
        if unstorable_text(value):
            return _(
                "De aanvraag bevat tekens die we niet kunnen verwerken (zoals een nul-byte). "
                "Pas de invoer aan en probeer opnieuw."
            )
    for value in numbers:
        if out_of_range_integer(value):
            return _("Een getal in de aanvraag is te groot. Vul een kleiner getal in.")
    return None


def _number_out_of_range(value: Any) -> bool:
    if isinstance(value, int):
        return abs(value) > MAX_INTEGER
    return isinstance(value, float) and not math.isfinite(value)


def _json_problem() -> str | None:
    raw = request.get_data(cache=True)
    if not raw.strip():
        return None
    if json_too_deep(raw):
        return _("De JSON in de aanvraag is te diep genest.")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None  # the view answers "ongeldige JSON" itself
    texts: list[str] = []
    for value in _json_values(data):
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, bool) or value is None:
            continue
        elif _number_out_of_range(value):
            return _("Een getal in de aanvraag is te groot. Vul een kleiner getal in.")
    return _text_problem(texts, [])


def request_problem() -> str | None:
    """Why this request cannot be processed (a Dutch sentence), or None when it can."""
    texts: list[str] = []
    numbers: list[str] = []
    for key, value in request.args.items(multi=True):
        texts += (key, value)
        numbers.append(value)
    texts += [value for value in (request.view_args or {}).values() if isinstance(value, str)]
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for key, value in request.form.items(multi=True):
                texts += (key, value)
                if "password" not in key:
                    numbers.append(value)
            for key, upload in request.files.items(multi=True):
                texts += (key, upload.filename or "")
        elif request.is_json or request.path.startswith("/api/"):
            problem = _json_problem()
            if problem:
                return problem
    return _text_problem(texts, numbers)


def _check_request() -> Response | None:
    problem = request_problem()
    if problem is None:
        return None
    return error_response(400, problem)


def init_input_guard(app: Flask) -> None:
    """Check every request before its view (and before any other hook reads it)."""
    app.before_request_funcs.setdefault(None, []).insert(0, _check_request)
