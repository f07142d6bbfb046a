"""Move ``@bp.route``/``@bp.get``/… decorators of a views module into its blueprint.py.

A feature's URLs live in ``lms/<feature>/blueprint.py`` as ``bp.add_url_rule`` lines (see
README.md, "Layout"). A branch written before that, or a habit, may still add a view with
a decorator; this turns it into the same line, with the endpoint, methods, defaults and
the other decorators unchanged:

    python tools/route_table.py lms/<feature>/blueprint.py lms/<feature>/views.py[=alias]

Each new line goes right after the lines of the function defined before it in the views
module, so the order of the URL rules stays the order of the source. Blueprint hooks
(``before_request``, ``app_template_global``, …) become ``bp.before_request(views.f)``
and the like. Run ``ruff check --fix`` and ``ruff format`` on both files afterwards.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROUTE_METHODS = {"get": "GET", "post": "POST", "put": "PUT", "patch": "PATCH", "delete": "DELETE"}
HOOKS_PLAIN = {
    "before_request",
    "after_request",
    "teardown_request",
    "record_once",
    "record",
    "before_app_request",
    "after_app_request",
    "app_context_processor",
    "context_processor",
    "url_value_preprocessor",
    "url_defaults",
}
HOOKS_NAMED = {
    "app_template_global": "add_app_template_global",
    "app_template_filter": "add_app_template_filter",
    "app_template_test": "add_app_template_test",
    "errorhandler": None,
    "app_errorhandler": None,
}


def seg(src: str, node: ast.AST) -> str:
    return ast.get_source_segment(src, node)


def bp_attr(dec: ast.expr) -> tuple[str, ast.Call | None] | None:
    """('route', call) for @bp.route(...), ('before_request', None) for @bp.before_request."""
    call = dec if isinstance(dec, ast.Call) else None
    func = dec.func if call else dec
    if (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id == "bp"
    ):
        return func.attr, call
    return None


def convert_text(src: str, alias: str, bp_source: list[str], src_path: Path):
    tree = ast.parse(src)
    lines = src.splitlines(keepends=True)
    drop: set[int] = set()  # 0-based line numbers
    regs: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "bp" for t in node.targets
        ):
            bp_source.append(seg(src, node))
            drop.update(range(node.lineno - 1, node.end_lineno))
            continue
        if isinstance(node, ast.Expr) and "bp" in {
            n.id for n in ast.walk(node) if isinstance(n, ast.Name)
        }:
            bp_source.append(seg(src, node))
            drop.update(range(node.lineno - 1, node.end_lineno))
            continue
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        decs = node.decorator_list
        found = [(i, bp_attr(d)) for i, d in enumerate(decs)]
        route_idx = [i for i, f in found if f and (f[0] == "route" or f[0] in ROUTE_METHODS)]
        if route_idx and route_idx != list(range(len(route_idx))):
            raise SystemExit(f"{src_path}:{node.lineno}: route decorator below another decorator")
        mine = []
        for i, f in reversed(found):  # applied bottom-up
            if not f:
                continue
            attr, call = f
            target = f"{alias}.{node.name}"
            if attr == "route" or attr in ROUTE_METHODS:
                args = [seg(src, a) for a in call.args]
                kws = {k.arg: seg(src, k.value) for k in call.keywords}
                if attr in ROUTE_METHODS:
                    assert "methods" not in kws
                    kws = {"methods": f'["{ROUTE_METHODS[attr]}"]', **kws}
                parts = [args[0]]
                if "endpoint" in kws:
                    parts.append(f"endpoint={kws.pop('endpoint')}")
                parts.append(f"view_func={target}")
                parts += [f"{k}={v}" for k, v in kws.items()]
                assert len(args) == 1, args
                mine.append(f"bp.add_url_rule({', '.join(parts)})")
            elif attr in HOOKS_PLAIN:
                assert call is None, (src_path, node.lineno)
                mine.append(f"bp.{attr}({target})")
            elif HOOKS_NAMED.get(attr):
                args = [seg(src, a) for a in call.args] if call else []
                args += [f"{k.arg}={seg(src, k.value)}" for k in (call.keywords if call else [])]
                mine.append(f"bp.{HOOKS_NAMED[attr]}({', '.join([target, *args])})")
            else:
                raise SystemExit(f"{src_path}:{node.lineno}: unknown bp decorator {attr}")
            d = decs[i]
            first = d.lineno - 1
            assert lines[first].lstrip().startswith("@"), (src_path, d.lineno)
            drop.update(range(first, d.end_lineno))
        if mine:
            regs.append((node.name, mine))
    out = "".join(line for n, line in enumerate(lines) if n not in drop)
    leftover = [
        n.lineno for n in ast.walk(ast.parse(out)) if isinstance(n, ast.Name) and n.id == "bp"
    ]
    if leftover:
        print(f"WARNING {src_path}: bp still used on lines {leftover}", file=sys.stderr)
    return out, regs


def main() -> None:
    bp_path = Path(sys.argv[1])

    bp_text = bp_path.read_text()
    for arg in sys.argv[2:]:
        path, _, alias = arg.partition("=")
        alias = alias or Path(path).stem
        src = Path(path).read_text()
        tree = ast.parse(src)
        funcs = [
            n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
        ]
        bp_source: list[str] = []
        out, regs_by_func = convert_text(src, alias, bp_source, Path(path))
        if not regs_by_func:
            continue
        assert not bp_source, bp_source
        Path(path).write_text(out)
        for func, regs in regs_by_func:
            # find the previous function that has a registration in the blueprint
            idx = funcs.index(func)
            lines = bp_text.split("\n")
            insert_at = None
            for prev in reversed(funcs[:idx]):
                needle = f"{alias}.{prev}"
                hits = [
                    i
                    for i, text in enumerate(lines)
                    if needle + ")" in text or needle + "," in text
                ]
                if hits:
                    i = hits[-1]
                    # the end of that statement: the line where parentheses balance
                    depth = 0
                    start = i
                    while not lines[start].startswith("bp."):
                        start -= 1
                    j = start
                    while True:
                        depth += lines[j].count("(") - lines[j].count(")")
                        if depth == 0:
                            break
                        j += 1
                    insert_at = j + 1
                    break
            if insert_at is None:
                lines = lines[:-1] if lines[-1] == "" else lines
                lines += [*regs, ""]
            else:
                lines[insert_at:insert_at] = regs
            bp_text = "\n".join(lines)
            print(f"{bp_path}: + {regs}")
    bp_path.write_text(bp_text)


if __name__ == "__main__":
    main()
