"""Every feature package has the same inner shape (README.md, "Layout").

A feature is a package of ``lms/`` with a web side: its URL table is ``blueprint.py``
(the Blueprint and one ``add_url_rule`` per URL), its view functions are in ``views.py``
or ``views/``, plain functions without route decorators. Only :func:`lms.create_app`
imports a blueprint module, and no module imports another feature's views or blueprint:
what several features' views share lives in ``lms/web/``.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.core.test_floors import LMS, all_imports

#: Packages of lms/ that are not features: the schema, the shared floors, the wiring.
NOT_FEATURES = {"models", "web", "common", "pdf", "cli", "mail", "translations", "demo"}

#: Features still registering routes with decorators (being converted; emptied when done).
NOT_YET_CONVERTED: set[str] = set()

#: Module names that only the skeleton may use.
WEB_SIDE = ("blueprint", "views", "routes")


def feature_packages() -> list[Path]:
    return sorted(
        path
        for path in LMS.iterdir()
        if (path / "__init__.py").is_file() and path.name not in NOT_FEATURES
    )


def has_views(package: Path) -> bool:
    return (package / "views.py").is_file() or (package / "views" / "__init__.py").is_file()


def python_files(package: Path) -> list[Path]:
    return sorted(package.rglob("*.py"))


def route_decorators(path: Path) -> list[str]:
    """``@bp.route``/``@bp.get``/… decorators (a blueprint's, not the app's own hooks in
    ``create_app``'s helpers) and blueprint objects made outside blueprint.py."""
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                call = decorator.func if isinstance(decorator, ast.Call) else decorator
                on_app = isinstance(call, ast.Attribute) and getattr(call.value, "id", "") == "app"
                if (
                    isinstance(call, ast.Attribute)
                    and not on_app
                    and call.attr
                    in {
                        "route",
                        "get",
                        "post",
                        "put",
                        "patch",
                        "delete",
                        "before_request",
                        "after_request",
                        "app_template_global",
                        "app_template_filter",
                        "errorhandler",
                        "context_processor",
                    }
                ):
                    found.append(f"{path.relative_to(LMS.parent)}:{decorator.lineno}")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "Blueprint"
            and path.name != "blueprint.py"
        ):
            found.append(f"{path.relative_to(LMS.parent)}:{node.lineno} Blueprint(...)")
    return found


def test_a_feature_has_a_blueprint_if_and_only_if_it_has_views():
    wrong = [
        package.name
        for package in feature_packages()
        if (package / "blueprint.py").is_file() != has_views(package)
        and package.name not in NOT_YET_CONVERTED
    ]
    assert not wrong, f"blueprint.py without views or views without blueprint.py: {wrong}"


def test_no_routes_module_and_no_route_decorators():
    """The URL table is blueprint.py; a view never registers itself."""
    files = [
        path
        for path in sorted(LMS.rglob("*.py"))
        if path.relative_to(LMS).parts[0] not in NOT_YET_CONVERTED
    ]
    routes = [
        p.relative_to(LMS.parent)
        for p in files
        if p.name == "routes.py" or p.name.startswith("views_")
    ]
    assert not routes, f"routes or views_* modules (views.py or views/ instead): {routes}"
    decorated = [hit for path in files for hit in route_decorators(path)]
    assert not decorated, "routes registered outside blueprint.py:\n" + "\n".join(decorated)


def test_only_create_app_imports_a_blueprint_module():
    importers = sorted(
        {
            (item.importer, item.imported)
            for item in all_imports(LMS)
            if item.imported.endswith(".blueprint") and item.importer != "lms"
        }
    )
    assert not importers, f"blueprint modules imported outside create_app: {importers}"


def test_create_app_registers_every_feature_blueprint():
    from lms import BLUEPRINTS

    expected = {
        f"lms.{package.name}.blueprint"
        for package in feature_packages()
        if (package / "blueprint.py").is_file()
    }
    assert expected <= set(BLUEPRINTS)
    assert all(
        name.partition(":")[0].endswith(".blueprint") or name.split(".")[1] in NOT_YET_CONVERTED
        for name in BLUEPRINTS
    )


def feature_of(dotted: str) -> str | None:
    parts = dotted.split(".")
    return parts[1] if len(parts) > 2 and parts[1] not in NOT_FEATURES else None


def is_web_side(dotted: str) -> bool:
    """A views/blueprint/routes module (or a module inside a ``views/`` package)."""
    parts = dotted.split(".")[2:]
    return any(part in WEB_SIDE for part in parts)


def test_no_module_imports_another_features_views_or_blueprint():
    crossing = sorted(
        {
            (item.importer, item.imported)
            for item in all_imports(LMS)
            if is_web_side(item.imported)
            and feature_of(item.imported) is not None
            and feature_of(item.importer) != feature_of(item.imported)
            and item.importer != "lms"
            and feature_of(item.importer) not in NOT_YET_CONVERTED
            and feature_of(item.imported) not in NOT_YET_CONVERTED
        }
    )
    assert not crossing, "imports of another feature's views:\n" + "\n".join(
        f"{a} imports {b}" for a, b in crossing
    )
