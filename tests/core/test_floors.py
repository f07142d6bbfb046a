"""The import graph of ``lms/`` keeps its three floors, its features keep to their own web
modules, and the rules have no cycle between packages.

Floors, imports only going down: the schema (``lms/models``) imports nothing of the
application; the rules (services, queries, pure functions) import no web module
(routes, views, forms, blueprints, ``lms/api``, ``lms/cli``, ``lms/web/__init__.py``,
``create_app``) and no request-bound object (``flask.request``, ``flask.session``,
``flask_login.current_user``); the web floor may import anything below it.

Between the packages of ``lms/`` (``lms/enrolment``, ``lms/audit``, …) the rules floor has
no cycle: counting only schema and rules modules, package A may import package B or B
import A, never both. The web floor composes the features (a page shows what several
features know), so its imports do not count there; instead no module imports another
feature's web modules (routes, views, forms, blueprint): web helpers shared by several
features live in a web-floor module made for them (``lms/web/__init__.py``, ``lms/web/access.py``,
…). The demo data (``lms/demo``) may use every feature; only the CLI imports it.

Every import counts, also one inside a function: a deferred import hides a cycle from
Python, not from a reader. :func:`test_a_synthetic_tree_shows_every_kind_of_fault` proves
the checker on a tree made for it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

LMS = Path(__file__).resolve().parents[2] / "lms"

#: Module names (last component) that belong to the web floor.
WEB_MODULE_NAMES = {"routes", "views", "forms", "blueprint"}
#: Packages under lms/ that are web floor as a whole.
WEB_PACKAGES = {"api", "cli", "web"}
#: Modules (below lms/) outside those packages that work on requests and responses: web floor.
WEB_MODULES = {
    "catalog.page_cache",  # WSGI middleware in front of the catalogue page
    "i18n",  # the language of the request
}
#: Request-bound objects the rules floor must not import: (module, name).
REQUEST_OBJECTS = {
    ("flask", "request"),
    ("flask", "session"),
    ("flask_login", "current_user"),
}


@dataclass(frozen=True, order=True)
class Import:
    importer: str  # dotted module name
    imported: str  # dotted module name (or "flask.request" for a request object)
    line: int


# --- Reading the tree ------------------------------------------------------------------------


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(root: Path, dotted: str) -> bool:
    relative = Path(*dotted.split(".")[1:]) if "." in dotted else Path()
    base = root / relative
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imports_of(root: Path, path: Path) -> Iterator[Import]:
    """Every import of one file (top level or inside functions), resolved to modules of
    the tree, plus the request-bound objects it takes."""
    top = root.name
    name = module_name(root, path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == top or alias.name.startswith(top + "."):
                    yield Import(name, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            for alias in node.names:
                if (source, alias.name) in REQUEST_OBJECTS:
                    yield Import(name, f"{source}.{alias.name}", node.lineno)
            if source != top and not source.startswith(top + "."):
                continue
            for alias in node.names:
                candidate = f"{source}.{alias.name}"
                yield Import(name, candidate if is_module(root, candidate) else source, node.lineno)


def all_imports(root: Path) -> list[Import]:
    found: set[Import] = set()
    for path in sorted(root.rglob("*.py")):
        found.update(imports_of(root, path))
    return sorted(found)


# --- The rules ------------------------------------------------------------------------------


def floor(dotted: str) -> str:
    """``schema``, ``rules`` or ``web`` for a module of the tree."""
    parts = dotted.split(".")
    if len(parts) == 1:
        return "web"  # the package itself: create_app
    if parts[1] == "models":
        return "schema"
    last = parts[-1]
    if (
        parts[1] in WEB_PACKAGES
        or any(part in WEB_MODULE_NAMES for part in parts[2:])  # also a views/ package
        or last.startswith("views_")
        or ".".join(parts[1:]) in WEB_MODULES
    ):
        return "web"
    return "rules"


def upward_imports(imports: list[Import]) -> set[tuple[str, str]]:
    """(importer, imported) pairs that go up a floor."""
    found = set()
    for item in imports:
        if item.importer == item.imported:
            continue
        below = floor(item.importer)
        if item.imported.startswith(("flask.", "flask_login.")):
            if below != "web":
                found.add((item.importer, item.imported))
            continue
        above = floor(item.imported)
        if (below == "schema" and above != "schema") or (below == "rules" and above == "web"):
            found.add((item.importer, item.imported))
    return found


def unit(dotted: str) -> str:
    """The package a module belongs to: ``lms.enrolment`` or a top-level ``lms.audit``."""
    return ".".join(dotted.split(".")[:2])


def rules_imports(imports: list[Import]) -> list[Import]:
    """The imports between schema and rules modules: the graph whose cycles count."""
    return [
        item
        for item in imports
        if not item.imported.startswith(("flask.", "flask_login."))
        and floor(item.importer) != "web"
        and floor(item.imported) != "web"
    ]


def is_feature_web_module(dotted: str) -> bool:
    """A feature's own web module: its routes, views, forms or blueprint."""
    parts = dotted.split(".")
    return (
        len(parts) > 2
        and parts[1] not in WEB_PACKAGES
        and (any(part in WEB_MODULE_NAMES for part in parts[2:]) or parts[-1].startswith("views_"))
    )


def foreign_web_imports(imports: list[Import]) -> set[tuple[str, str]]:
    """(importer, imported): a module imports the web module of another feature. The root
    package (``create_app``) registers every blueprint and is left out."""
    return {
        (item.importer, item.imported)
        for item in imports
        if "." in item.importer
        and is_feature_web_module(item.imported)
        and unit(item.importer) != unit(item.imported)
    }


def demo_importers(imports: list[Import], top: str = "lms") -> set[str]:
    """Modules outside the demo package and the CLI that import the demo."""
    return {
        item.importer
        for item in imports
        if unit(item.imported) == f"{top}.demo"
        and unit(item.importer) not in (f"{top}.demo", f"{top}.cli")
    }


def package_graph(imports: list[Import]) -> dict[str, set[str]]:
    """Package → the packages it imports."""
    graph: dict[str, set[str]] = {}
    for item in imports:
        if item.imported.startswith(("flask.", "flask_login.")):
            continue
        source, target = unit(item.importer), unit(item.imported)
        if "." not in source or "." not in target or source == target:
            continue  # the root package (create_app) imports everything by design
        graph.setdefault(source, set()).add(target)
        graph.setdefault(target, set())
    return graph


def package_cycles(imports: list[Import]) -> set[frozenset[str]]:
    """The strongly connected groups (more than one package) of the package graph."""
    graph = package_graph(imports)
    # Tarjan's algorithm, iterative enough for a tree of this size.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: set[frozenset[str]] = set()

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.add(frozenset(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def cycle_edges(imports: list[Import]) -> set[tuple[str, str]]:
    """The package imports (A, B) that lie on a cycle: A and B import each other, directly
    or through other packages. A new import inside an existing cycle is new here too."""
    graph = package_graph(imports)
    groups = package_cycles(imports)
    return {
        (source, target)
        for source, targets in graph.items()
        for target in targets
        if any(source in group and target in group for group in groups)
    }


# --- Tests ----------------------------------------------------------------------------------


def test_no_upward_import():
    found = upward_imports(all_imports(LMS))
    assert not found, "imports that go up a floor:\n" + "\n".join(
        f"{a} imports {b}" for a, b in sorted(found)
    )


def test_no_cycle_between_packages_at_the_rules_floor():
    found = cycle_edges(rules_imports(all_imports(LMS)))
    assert not found, "package imports that close a cycle at the rules floor:\n" + "\n".join(
        f"{a} imports {b}" for a, b in sorted(found)
    )


def test_no_module_imports_another_features_web_modules():
    found = foreign_web_imports(all_imports(LMS))
    assert not found, "imports of another feature's web module:\n" + "\n".join(
        f"{a} imports {b}" for a, b in sorted(found)
    )


def test_only_the_cli_imports_the_demo():
    found = demo_importers(all_imports(LMS))
    assert not found, "modules that import the demo data: " + ", ".join(sorted(found))


def test_a_synthetic_tree_shows_every_kind_of_fault(tmp_path):
    """The checker on a small tree: a cycle between the services of two features, a
    service that imports a route module and ``flask.request``, a model that imports a
    service, a route module that imports another feature's, a service that imports the
    demo; and a circle through web modules only, which is no fault."""
    root = tmp_path / "app"
    files = {
        "__init__.py": "from app.shop import routes\n",
        "models/__init__.py": "",
        "models/order.py": "from app.shop.service import place\n",
        "shop/__init__.py": "",
        "shop/service.py": (
            "from flask import request\nfrom app.billing import service as billing\n"
        ),
        "shop/routes.py": "from app.shop import service\nfrom app.clean import service\n",
        "billing/__init__.py": "",
        "billing/service.py": (
            "def charge():\n"
            "    from app.shop.service import place  # deferred, still counted\n"
            "    from app.shop.routes import helper\n"
        ),
        "billing/routes.py": "from app.shop.forms import OrderForm\nfrom app.demo import load\n",
        "shop/forms.py": "",
        "shop/views/__init__.py": "",
        "shop/views/orders.py": "from flask import request\n",
        "clean/__init__.py": "",
        "clean/service.py": "from app.models import order\nfrom . import other\n",
        "clean/other.py": "",
        "clean/routes.py": "from app.shop import service\n",
        "clean/views/__init__.py": "from app.shop.views import orders\n",
        "demo/__init__.py": "from app.shop import service\n",
        "cli/__init__.py": "from app.demo import load\n",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    imports = all_imports(root)
    rules = rules_imports(imports)
    # clean imports shop (through the schema) and shop's routes import clean: web only.
    assert package_cycles(rules) == {frozenset({"app.shop", "app.billing"})}
    assert cycle_edges(rules) == {("app.shop", "app.billing"), ("app.billing", "app.shop")}
    assert upward_imports(imports) == {
        ("app.models.order", "app.shop.service"),
        ("app.shop.service", "flask.request"),
        ("app.billing.service", "app.shop.routes"),
    }
    assert foreign_web_imports(imports) == {
        ("app.billing.service", "app.shop.routes"),
        ("app.billing.routes", "app.shop.forms"),
        ("app.clean.views", "app.shop.views.orders"),
    }
    assert demo_importers(imports, top="app") == {"app.billing.routes"}
    # Relative imports resolve to the module imported.
    assert Import("app.clean.service", "app.clean.other", 2) in imports
