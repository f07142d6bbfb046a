"""Group the loose top-level modules of ``lms/`` by floor and rewrite every import.

    python tools/group_modules.py .

Web floor (what every page's request and response go through) into ``lms/web/`` (``web.py``
becomes ``lms/web/__init__.py``), rules-floor mechanisms every feature shares into
``lms/common/``. Modules already moved are skipped, so running it again after a merge only
rewrites the imports the merge brought back (``from lms.timeutil import …`` and the like,
also inside functions, in strings given to ``monkeypatch`` and in README paths). Then run
``ruff check --select I,F401 --fix`` and ``ruff format``, and wrap the few lines the longer
names push past 100 characters. ``tests/core/test_floors.py`` must count cycles at the rules
floor only: ``lms/web`` imports ``lms.accounts.tokens`` and every feature's views import
``lms/web``, a cycle of packages that is fine across floors. ``lms/i18n.py``, ``lms/access.py``,
``lms/audit.py`` and ``lms/demo.py`` are left where they are.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(sys.argv[1])

MOVES = {
    # web floor: what every page's request and response go through
    "web": "web",  # lms/web.py -> lms/web/__init__.py
    "web_errors": "web.errors",
    "input_guard": "web.input_guard",
    "response_policies": "web.response_policies",
    "security_headers": "web.security_headers",
    "redirects": "web.redirects",
    "confirmation": "web.confirmation",
    "web_access": "web.access",
    # rules floor: mechanisms every feature's rules share
    "errors": "common.errors",
    "locking": "common.locking",
    "timeutil": "common.timeutil",
    "display_dates": "common.display_dates",
    "slugs": "common.slugs",
    "urls": "common.urls",
    "pagination": "common.pagination",
    "backup": "common.backup",
    "secret_key_check": "common.secret_key_check",
    "pdf_fonts": "common.pdf_fonts",
    "pdf_text": "common.pdf_text",
    "text_search": "common.text_search",
    "display": "common.display",
    "vocabulary": "common.vocabulary",
}


def git(*args: str) -> None:
    subprocess.run(["git", "-C", str(ROOT), *args], check=True)  # noqa: S603, S607


(ROOT / "lms/common").mkdir(exist_ok=True)
(ROOT / "lms/web").mkdir(exist_ok=True)
for old, new in MOVES.items():
    src = ROOT / f"lms/{old}.py"
    if not src.is_file():
        continue
    dest = ROOT / ("lms/web/__init__.py" if new == "web" else f"lms/{new.replace('.', '/')}.py")
    git("mv", str(src.relative_to(ROOT)), str(dest.relative_to(ROOT)))

if not (ROOT / "lms/common/__init__.py").is_file():
    (ROOT / "lms/common/__init__.py").write_text(
        '"""The rules floor\'s shared mechanisms: errors, locks, time and dates, slugs, absolute\n'
        "URLs, pagination, PDFs, backups. They import the schema (``lms.models``) and the\n"
        'extensions, never a feature, a view or a request object."""\n'
    )
    git("add", "lms/common/__init__.py")

moved = {
    o: n
    for o, n in MOVES.items()
    if n != "web" and (ROOT / f"lms/{n.replace('.', '/')}.py").is_file()
}
print("rewriting", sorted(moved))
names = "|".join(sorted(moved, key=len, reverse=True))

FROM_LMS = re.compile(r"^(\s*)from lms import ([^\n(]+)$", re.M)


def rewrite_from_lms(match: re.Match[str]) -> str:
    indent, items = match.group(1), match.group(2)
    comment = ""
    if "#" in items:
        items, comment = items.split("#", 1)
        comment = "  #" + comment
    parts = [p.strip() for p in items.split(",") if p.strip()]
    keep: list[str] = []
    lines: list[str] = []
    groups: dict[str, list[str]] = {}
    for part in parts:
        name, _, alias = part.partition(" as ")
        name, alias = name.strip(), alias.strip()
        if name in moved:
            package, leaf = moved[name].rsplit(".", 1)
            shown = alias or name
            groups.setdefault(package, []).append(leaf if shown == leaf else f"{leaf} as {shown}")
        else:
            keep.append(part)
    if not groups:
        return match.group(0)
    if keep:
        lines.append(f"{indent}from lms import {', '.join(keep)}")
    for package, leaves in groups.items():
        lines.append(f"{indent}from lms.{package} import {', '.join(leaves)}")
    lines[0] += comment
    return "\n".join(lines)


DOTTED = re.compile(rf"\blms\.({names})\b")
PATHS = re.compile(rf"\blms/({names})\.py\b")

files = subprocess.run(  # noqa: S603
    [  # noqa: S607
        "git",
        "-C",
        str(ROOT),
        "ls-files",
        "*.py",
        "*.md",
        "*.cfg",
        "*.toml",
        "*.html",
        "*.txt",
        "Makefile",
        ".ci/*",
    ],
    capture_output=True,
    text=True,
    check=True,
).stdout.split()
for rel in files:
    path = ROOT / rel
    if not path.is_file() or rel.startswith("migrations/versions"):
        continue
    text = path.read_text(encoding="utf-8")
    new = FROM_LMS.sub(rewrite_from_lms, text)
    new = DOTTED.sub(lambda m: "lms." + moved[m.group(1)], new)
    new = PATHS.sub(lambda m: "lms/" + moved[m.group(1)].replace(".", "/") + ".py", new)
    new = new.replace("lms/web.py", "lms/web/__init__.py")
    if new != text:
        path.write_text(new, encoding="utf-8")
        print("rewrote", rel)

# pdf_fonts finds static/ from its own place
p = ROOT / "lms/common/pdf_fonts.py"
t = p.read_text()
t2 = t.replace(
    'Path(__file__).resolve().parent.parent / "static"',
    'Path(__file__).resolve().parents[2] / "static"',
)
p.write_text(t2)

# the floors test: lms/web is web floor as a whole
p = ROOT / "tests/core/test_floors.py"
t = p.read_text()
start = t.index("WEB_PACKAGES = {") if 'WEB_PACKAGES = {"api", "cli"}' in t else None
if start is None:
    raise SystemExit(0)
end = t.index("#: Request-bound objects")
t = (
    t[:start]
    + """WEB_PACKAGES = {"api", "cli", "web"}
#: Modules (below lms/) outside those packages that work on requests and responses: web floor.
WEB_MODULES = {
    "catalog.page_cache",  # WSGI middleware in front of the catalogue page
}
"""
    + t[end:]
)
t = t.replace("#: Packages under lms/ that are web floor as a whole.\n#: Packages", "#: Packages")
p.write_text(t)
