"""The import graph of ``lms/`` keeps its three floors and has no cycle between packages.

Floors, imports only going down: the schema (``lms/models``) imports nothing of the
application; the rules (services, queries, pure functions) import no web module
(routes, views, forms, blueprints, ``lms/api``, ``lms/cli``, ``lms/web.py``,
``create_app``) and no request-bound object (``flask.request``, ``flask.session``,
``flask_login.current_user``); the web floor may import anything below it. Between the
packages of ``lms/`` (``lms/enrolment``, ``lms/audit.py``, …) the graph has no cycle.

Every import counts, also one inside a function: a deferred import hides a cycle from
Python, not from a reader. What exists today is listed, with a comment, in
:data:`ALLOWED_UPWARD` and :data:`ALLOWED_CYCLE_EDGES`; the restructuring of the features empties
these lists. Anything new fails. :func:`test_a_synthetic_cycle_and_upward_import_are_caught`
proves the checker on a tree made for it.
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
WEB_PACKAGES = {"api", "cli"}
#: Modules (below lms/) that work on requests and responses for every page: web floor.
WEB_MODULES = {
    "web",  # login, error pages, template helpers
    "web_errors",  # flashing a refusal
    "input_guard",  # checks every request before the views
    "response_policies",  # headers every response shares
    "security_headers",  # Flask-Talisman
    "catalog.page_cache",  # WSGI middleware in front of the catalogue page
    "confirmation",  # the confirmation step views show before an irreversible action
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
        or last in WEB_MODULE_NAMES
        or last.startswith("views_")
        or "views" in parts[2:-1]  # a feature's views/ package: each module is a view
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


# --- What exists today (to be emptied by the restructuring) ------------------------------------

#: Imports that go up a floor today. Each is a debt the restructuring pays off.
ALLOWED_UPWARD: set[tuple[str, str]] = {
    # Access checks read the logged-in user instead of taking it as an argument.
    ("lms.access", "flask_login.current_user"),
    # The activity page lives in the catalogue's web module but is built from the
    # enrolment feature's routes and forms (it belongs to the enrolment feature).
    ("lms.catalog.activity_page", "flask_login.current_user"),
    ("lms.catalog.activity_page", "lms.catalog.routes"),
    # … and its visitors' page is kept whole by the catalogue's page cache (web floor).
    ("lms.catalog.activity_page", "lms.catalog.page_cache"),
    ("lms.catalog.activity_page", "lms.enrolment.forms"),
    ("lms.catalog.activity_page", "lms.enrolment.routes"),
    # lms.i18n resolves the locale from the request; the models import its N_ marker,
    # so the schema reaches Flask's request through it (every lms.models module may, see
    # allowed_upward, until N_ moves to a module of its own).
    ("lms.i18n", "flask.request"),
    ("lms.i18n", "flask_login.current_user"),
}

#: Package imports that lie on a cycle today (one example import each; "+n": n more).
#: Most come from web modules and demo data living inside feature packages, which the
#: restructuring separates; an import added inside this circle fails the test.
ALLOWED_CYCLE_EDGES: set[tuple[str, str]] = {
    ("lms.accounts", "lms.attendance"),  # accounts.routes->attendance.landing
    ("lms.accounts", "lms.organisations"),  # accounts.forms->organisations.membership (+3)
    ("lms.activities", "lms.enrolment"),  # activities.service->enrolment.queries (+2)
    ("lms.activities", "lms.schedule"),  # activities.service->schedule.service
    ("lms.admin", "lms.accounts"),  # admin.views_import->accounts.import_jobs (+3)
    ("lms.admin", "lms.activities"),  # admin.copy_edition->activities.service (+5)
    ("lms.admin", "lms.attendance"),  # admin.dashboard->attendance.todo
    ("lms.admin", "lms.catalog"),  # admin.audit_log->catalog.queries (+3)
    ("lms.admin", "lms.certificates"),  # admin.dashboard->certificates.overview
    ("lms.admin", "lms.enrolment"),  # admin.dashboard->enrolment.queries (+10)
    ("lms.admin", "lms.policy"),  # admin.views_enrolments->policy.service
    ("lms.admin", "lms.schedule"),  # admin.copy_edition->schedule.service (+1)
    ("lms.api", "lms.accounts"),  # api.auth->accounts.tokens (+2)
    ("lms.api", "lms.activities"),  # api.activity_admin->activities.service (+1)
    ("lms.api", "lms.attendance"),  # api.attendance->attendance.queries (+2)
    ("lms.api", "lms.certificates"),  # api.certificates->certificates.service
    ("lms.api", "lms.enrolment"),  # api.activities->enrolment.queries (+6)
    ("lms.api", "lms.policy"),  # api.progress->policy.evaluation (+1)
    ("lms.api", "lms.schedule"),  # api.activity_admin->schedule.service
    # Trainers mail their group through the coordinators' bulk mail (which belongs to the
    # mail feature): this import draws lms.admin, and with it lms.catalog, into the circle.
    ("lms.attendance", "lms.admin"),  # attendance.routes->admin.bulk_mail
    ("lms.attendance", "lms.enrolment"),  # attendance.demo->enrolment.service (+1)
    ("lms.attendance", "lms.policy"),  # attendance.queries->policy.evaluation (+3)
    ("lms.catalog", "lms.activities"),  # catalog.activity_page->activities.queries
    ("lms.catalog", "lms.enrolment"),  # catalog.activity_page->enrolment.forms (+5)
    ("lms.catalog", "lms.web"),  # catalog.page_cache->web (+1)
    ("lms.certificates", "lms.api"),  # certificates.routes->api.serializers
    ("lms.certificates", "lms.policy"),  # certificates.overview->policy.evaluation (+13)
    ("lms.certificates", "lms.web"),  # certificates.routes->web
    ("lms.enrolment", "lms.organisations"),  # enrolment.routes->organisations.queries
    ("lms.organisations", "lms.certificates"),  # organisations.queries->certificates.record (+1)
    ("lms.organisations", "lms.enrolment"),  # organisations.queries->enrolment.queries (+6)
    ("lms.organisations", "lms.policy"),  # organisations.queries->policy.service
    ("lms.organisations", "lms.reports"),  # organisations.routes->reports.charts
    ("lms.policy", "lms.attendance"),  # policy.routes->attendance.service (+2)
    ("lms.policy", "lms.certificates"),  # policy.routes->certificates.forms
    ("lms.reports", "lms.attendance"),  # reports.demo->attendance.queries (+2)
    ("lms.reports", "lms.certificates"),  # reports.demo->certificates.service
    ("lms.reports", "lms.enrolment"),  # reports.demo->enrolment.service (+1)
    ("lms.reports", "lms.policy"),  # reports.common->policy.evaluation
    ("lms.reports", "lms.web"),  # reports.routes->web
    ("lms.schedule", "lms.attendance"),  # schedule.reminders->attendance.queries (+1)
    ("lms.schedule", "lms.enrolment"),  # schedule.service->enrolment.queries
    ("lms.web", "lms.accounts"),  # web->accounts.tokens (+1)
    # Intake questions: the enrolment page and API ask lms.intake whether an activity has
    # questions, and lms.intake enrols through lms.enrolment (its views import enrolment's).
    ("lms.admin", "lms.intake"),  # admin.copy_edition->intake.service
    ("lms.api", "lms.intake"),  # api.enrolments->intake.queries (+2)
    ("lms.enrolment", "lms.intake"),  # enrolment.routes->intake.queries
    ("lms.intake", "lms.enrolment"),  # intake.routes->enrolment.pricing (+3)
}


def allowed_upward(pair: tuple[str, str]) -> bool:
    importer, imported = pair
    if importer.startswith("lms.models.") and imported == "lms.i18n":
        return True  # the N_ marker for labels (see ALLOWED_UPWARD)
    return pair in ALLOWED_UPWARD


# --- Tests ----------------------------------------------------------------------------------


def test_no_new_upward_import():
    new = {pair for pair in upward_imports(all_imports(LMS)) if not allowed_upward(pair)}
    assert not new, "imports that go up a floor:\n" + "\n".join(
        f"{a} imports {b}" for a, b in sorted(new)
    )


def test_no_new_cycle_between_packages():
    new = cycle_edges(all_imports(LMS)) - ALLOWED_CYCLE_EDGES
    assert not new, "package imports that close or widen a cycle:\n" + "\n".join(
        f"{a} imports {b}" for a, b in sorted(new)
    )


def test_a_synthetic_cycle_and_upward_import_are_caught(tmp_path):
    """The checker on a small tree: a cycle between two features, a service that imports
    a route module and ``flask.request``, a model that imports a service."""
    root = tmp_path / "app"
    files = {
        "__init__.py": "from app.shop import routes\n",
        "models/__init__.py": "",
        "models/order.py": "from app.shop.service import place\n",
        "shop/__init__.py": "",
        "shop/service.py": (
            "from flask import request\nfrom app.billing import service as billing\n"
        ),
        "shop/routes.py": "from app.shop import service\n",
        "billing/__init__.py": "",
        "billing/service.py": (
            "def charge():\n    from app.shop.routes import helper  # deferred, still counted\n"
        ),
        "clean/__init__.py": "",
        "clean/service.py": "from app.models import order\nfrom . import other\n",
        "clean/other.py": "",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    imports = all_imports(root)
    assert package_cycles(imports) == {frozenset({"app.shop", "app.billing"})}
    assert cycle_edges(imports) == {("app.shop", "app.billing"), ("app.billing", "app.shop")}
    assert upward_imports(imports) == {
        ("app.models.order", "app.shop.service"),
        ("app.shop.service", "flask.request"),
        ("app.billing.service", "app.shop.routes"),
    }
    # Relative imports resolve to the module imported.
    assert Import("app.clean.service", "app.clean.other", 2) in imports
