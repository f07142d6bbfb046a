"""Every sentence a person reads passes through gettext: an AST walk over ``lms/``.

The catalogue test (``tests/core/test_translations.py``) compares the extracted message ids
with the English catalogue, so it cannot see a sentence that never reaches gettext: an
f-string flashed, a literal given to ``abort``, a Dutch reason built with ``%``. This test
reads the source of ``lms/`` and fails on a literal sentence (a string constant, an f-string,
``"…" % …``, ``"…".format(…)`` or ``"…" + …``) given to what a person reads:

- ``flash(message)``, ``abort(status, description)``, ``form.x.errors.append(message)``,
  wtforms' ``ValidationError(message)``, a rate limit's ``error_message``;
- the API's error helpers ``api_error(status, message)`` (``lms/api/auth.py``);
- the constructor of :class:`lms.common.errors.RuleError` and every class that extends it, and
  of the
  other errors whose message is shown (:data:`SHOWN_ERRORS`).

A message passes when it is a call of ``_``/``gettext``/``ngettext``/``lazy_gettext``/``_l``
(or a name or attribute: a value made elsewhere, e.g. an error's ``message``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LMS = ROOT / "lms"

#: Errors outside the RuleError family whose message still reaches a person.
SHOWN_ERRORS = {"ValidationError", "StopValidation"}

#: Messages given to these calls are already translated.
GETTEXT = {"_", "gettext", "ngettext", "lazy_gettext", "_l", "lazy_ngettext", "pgettext"}


def _modules() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text(), str(path))) for path in sorted(LMS.rglob("*.py"))]


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _rule_errors(modules: list[tuple[Path, ast.Module]]) -> set[str]:
    """Names of RuleError and of every class that extends it (through any depth)."""
    bases: dict[str, set[str]] = {}
    for _path, tree in modules:
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases[node.name] = {name for base in node.bases if (name := _name(base))}
    family = {"RuleError"}
    grown = True
    while grown:
        grown = False
        for name, parents in bases.items():
            if name not in family and parents & family:
                family.add(name)
                grown = True
    return family


def _is_sentence(node: ast.expr) -> bool:
    """A literal with letters in it, or a string built from one, outside gettext."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and any(char.isalpha() for char in node.value)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        return _is_sentence(node.left) or (
            isinstance(node.op, ast.Add) and _is_sentence(node.right)
        )
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "format" and _is_sentence(node.func.value)
    if isinstance(node, ast.IfExp):
        return _is_sentence(node.body) or _is_sentence(node.orelse)
    return False


def _messages(call: ast.Call, errors: set[str]) -> Iterator[ast.expr]:
    """The arguments of ``call`` that a person reads."""
    name = _name(call.func)
    keywords = {keyword.arg: keyword.value for keyword in call.keywords}
    if name in GETTEXT and call.args and isinstance(call.args[0], ast.JoinedStr):
        yield call.args[0]  # _(f"…"): extraction skips it, so it is never translated
    if "error_message" in keywords:  # a rate limit's page (Flask-Limiter)
        yield keywords["error_message"]
    if name == "flash" and call.args:
        yield call.args[0]
    elif name == "abort":
        if len(call.args) > 1:
            yield call.args[1]
        if "description" in keywords:
            yield keywords["description"]
    elif name == "append" and isinstance(call.func, ast.Attribute):
        owner = call.func.value  # form.field.errors, not a CLI report's errors
        of_a_field = isinstance(owner, ast.Attribute) and (
            isinstance(owner.value, ast.Attribute) or _name(owner.value) in {"field", "form"}
        )
        if _name(owner) == "errors" and of_a_field and call.args:
            yield call.args[0]
    elif name == "api_error":
        if len(call.args) > 1:
            yield call.args[1]
        if "message" in keywords:
            yield keywords["message"]
    elif name in errors or name in SHOWN_ERRORS:
        if call.args:
            yield call.args[0]
        if "message" in keywords:
            yield keywords["message"]


def offenders() -> list[str]:
    modules = _modules()
    errors = _rule_errors(modules)
    found = []
    for path, tree in modules:
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and _is_sentence(node.value):
                # Flask-Login's login_message and module constants of error messages
                names = {_name(target) or "" for target in node.targets}
                if any(n == "login_message" or n.endswith("_MESSAGE") for n in names):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {sorted(names)}")
            if isinstance(node, ast.Call):
                for message in _messages(node, errors):
                    if _is_sentence(message):
                        where = f"{path.relative_to(ROOT)}:{message.lineno}"
                        found.append(f"{where}: {ast.unparse(message)[:90]}")
    return found


def test_every_sentence_a_person_reads_passes_through_gettext() -> None:
    found = offenders()
    assert not found, "Not through gettext (wrap in _()/ngettext()):\n" + "\n".join(found)


def test_the_walk_sees_each_kind_of_offence() -> None:
    """The walk itself: each shape it must catch is caught, and gettext passes."""
    source = "\n".join(
        [
            "flash(f'{n} sessies')",
            "abort(404, 'Niet gevonden')",
            "form.email.errors.append('Ongeldig %s' % x)",
            "raise ValidationError('Te lang: {}'.format(n))",
            "api_error(400, 'Fout ' + detail)",
            "raise PolicyError(message='nee')",
            "flash(_('Goed'))",
            "abort(403)",
            "flash(ngettext('%(num)d sessie', '%(num)d sessies', n))",
            "raise PolicyError(error.message)",
            "x = _l(f'Minstens {n} tekens')",
        ]
    )
    tree = ast.parse(source)
    caught = [
        message.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        for message in _messages(node, {"PolicyError"})
        if _is_sentence(message)
    ]
    assert sorted(caught) == [1, 2, 3, 4, 5, 6, 11]
