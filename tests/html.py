"""Reading pages as a person sees them, parsed rather than grepped: a substring can match
the wrong thing ("1 u" is also in "11 u"); an element's own text cannot."""

from __future__ import annotations

from html.parser import HTMLParser

VOID = {"input", "br", "img", "meta", "link", "hr", "source", "area", "col", "wbr", "base"}


class _Tree(HTMLParser):
    """A tiny DOM: every element with its attributes, children and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root: dict = {"tag": "root", "attrs": {}, "children": [], "text": []}
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        node = {"tag": tag, "attrs": dict(attrs), "children": [], "text": []}
        self.stack[-1]["children"].append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i]["tag"] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        self.stack[-1]["text"].append(data)
        self.stack[-1]["children"].append(data)


def parse(html: str) -> dict:
    tree = _Tree()
    tree.feed(html)
    return tree.root


def walk(node: dict):  # type: ignore[no-untyped-def]
    yield node
    for child in node["children"]:
        if isinstance(child, dict):
            yield from walk(child)


def text(node: dict) -> str:
    parts: list[str] = []

    def collect(n: dict) -> None:
        for child in n["children"]:
            if isinstance(child, str):
                parts.append(child)
            else:
                collect(child)

    collect(node)
    return " ".join(" ".join(parts).split())


def by_id(html: str, element_id: str) -> dict | None:
    return next((n for n in walk(parse(html)) if n["attrs"].get("id") == element_id), None)


def find_all(html_or_node, tag: str, class_: str | None = None) -> list[dict]:  # type: ignore[no-untyped-def]
    root = parse(html_or_node) if isinstance(html_or_node, str) else html_or_node
    return [
        n
        for n in walk(root)
        if n["tag"] == tag and (class_ is None or class_ in (n["attrs"].get("class") or "").split())
    ]


def table_rows(html_or_node, caption: str | None = None) -> list[list[str]]:
    """The body rows of the page's tables (or of the one whose caption is ``caption``),
    each a list of its cells' (``th`` and ``td``) text."""
    root = parse(html_or_node) if isinstance(html_or_node, str) else html_or_node
    rows = []
    for table in find_all(root, "table"):
        captions = find_all(table, "caption")
        if caption is not None and not any(text(c) == caption for c in captions):
            continue
        for body in find_all(table, "tbody"):
            for row in find_all(body, "tr"):
                cells = [n for n in row["children"] if isinstance(n, dict)]
                rows.append([text(c) for c in cells if c["tag"] in ("th", "td")])
    return rows


def answer_pairs(html: str) -> list[list[tuple[str, str]]]:
    """Each ``dl.intake-answers`` of the page as (question, answer) pairs."""
    result = []
    for dl in find_all(html, "dl", "intake-answers"):
        terms = [text(n) for n in dl["children"] if isinstance(n, dict) and n["tag"] == "dt"]
        values = [text(n) for n in dl["children"] if isinstance(n, dict) and n["tag"] == "dd"]
        result.append(list(zip(terms, values, strict=True)))
    return result


def flashes(html: str) -> list[str]:
    return [
        text(n) for n in walk(parse(html)) if "flash" in (n["attrs"].get("class") or "").split()
    ]


def signed_in_email(client) -> str | None:  # type: ignore[no-untyped-def]
    """The address the client is signed in with, as its profile page shows it; None when
    the page sends it to the login (a status alone cannot tell a login from a refusal)."""
    response = client.get("/account/")
    if response.status_code != 200:
        return None
    for node in find_all(response.get_data(as_text=True), "p"):
        strong = find_all(node, "strong")
        if strong and text(strong[0]).startswith("E-mailadres"):
            return text(node)[len(text(strong[0])) :].split("(")[0].strip()
    return None
