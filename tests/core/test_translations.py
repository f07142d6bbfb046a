"""The English translation is complete: every Dutch string of the code and templates has one.

The extraction is the one of the README (``pybabel extract -F babel.cfg -k _l -k N_``), done in
process; a string added without translation fails here with its source location, so the
English interface never shows a stray Dutch sentence.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO_FILE = ROOT / "lms" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")


def _method_map() -> list[tuple[str, str]]:
    pattern = re.compile(r"^\[(\w+): (.+)\]$")
    methods = []
    for line in (ROOT / "babel.cfg").read_text().splitlines():
        match = pattern.match(line.strip())
        if match:
            methods.append((match.group(2), match.group(1)))
    return methods


def _source_messages() -> dict[str, str]:
    """msgid → first source location, as ``pybabel extract`` finds them."""
    keywords = {
        "_": None,
        "gettext": None,
        "ngettext": (1, 2),
        "_l": None,
        "lazy_gettext": None,
        "N_": None,  # lms.i18n.N_: labels translated where they are shown
    }
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=_method_map(), keywords=keywords
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def catalogue():  # type: ignore[no-untyped-def]
    with PO_FILE.open("rb") as handle:
        return read_po(handle, locale="en")


def test_every_string_in_the_code_has_an_english_translation(catalogue) -> None:  # type: ignore[no-untyped-def]
    missing = []
    for msgid, where in sorted(_source_messages().items(), key=lambda item: item[1]):
        message = catalogue.get(msgid)
        strings = message.string if message is not None else ""
        complete = all(strings) if isinstance(strings, tuple) else bool(strings)
        if not complete or (message is not None and message.fuzzy):
            missing.append(f"{where}: {msgid!r}")
    assert not missing, (
        "Untranslated (run pybabel extract/update as the README says, then translate "
        "lms/translations/en/LC_MESSAGES/messages.po):\n" + "\n".join(missing[:40])
    )


def test_translations_keep_every_placeholder(catalogue) -> None:  # type: ignore[no-untyped-def]
    wrong = []
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set().union(*({m.group(0) for m in PLACEHOLDER.finditer(i)} for i in ids))
        for string in strings:
            got = {m.group(0) for m in PLACEHOLDER.finditer(string)}
            # a plural form may spell out "one" instead of %(num)d, nothing else may differ
            fits = got <= wanted if len(ids) > 1 else got == wanted
            if not fits:
                wrong.append(f"{ids[0]!r} → {string!r}")
    assert not wrong, "\n".join(wrong)


def test_the_home_page_speaks_english_when_chosen(client) -> None:  # type: ignore[no-untyped-def]
    dutch = client.get("/").get_data(as_text=True)
    client.set_cookie("lang", "en")  # the footer's language switch sets this cookie
    english = client.get("/").get_data(as_text=True)
    assert 'lang="nl-BE"' in dutch
    assert 'lang="en"' in english
    assert "Aanbod" in dutch and "Catalogue" in english
