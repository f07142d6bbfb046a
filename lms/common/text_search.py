"""Text search that ignores case and accents, for every list with a search box.

"beinvloeden" finds "beïnvloeden", "ZOE" finds "Zoë". SQLite compares :func:`fold_text`
of both sides (a function ``lms_fold`` registered on every connection); PostgreSQL matches
a regular expression that lists every accented form of each letter (see
:class:`folded_contains`). Used by the catalogue and the coordinators' lists of activities,
people and audit entries.
"""

from __future__ import annotations

from sqlalchemy import Boolean, event, literal
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

#: Words of a search text beyond this many are ignored.
MAX_SEARCH_WORDS = 8

# --- Case and accent folding ----------------------------------------------------------

_FOLD_PAIRS = {
    "a": "àáâãäåāăą",
    "c": "çćčĉċ",
    "d": "ďđ",
    "e": "èéêëēĕėęě",
    "g": "ğĝġģ",
    "i": "ìíîïīĭįı",
    "l": "łľĺļ",
    "n": "ñńňņ",
    "o": "òóôõöøōŏő",
    "r": "řŕ",
    "s": "śšşșŝ",
    "t": "ťţț",
    "u": "ùúûüūŭůűų",
    "y": "ýÿ",
    "z": "źżž",
}
FOLD_FROM = "".join(_FOLD_PAIRS.values())
FOLD_TO = "".join(plain * len(accented) for plain, accented in _FOLD_PAIRS.items())
_FOLD_TABLE = str.maketrans(FOLD_FROM, FOLD_TO)


def fold_text(value: str | None) -> str | None:
    """Lower case without accents: ``"Beïnvloeden"`` → ``"beinvloeden"``."""
    if value is None:
        return None
    return value.lower().translate(_FOLD_TABLE)


#: Per plain letter: itself and its accented forms, lower and upper case.
_LETTER_CLASSES = {
    plain: "".join(dict.fromkeys(plain + accented + (plain + accented).upper()))
    for plain, accented in _FOLD_PAIRS.items()
}


def word_regex(word: str) -> str:
    """A PostgreSQL regular expression matching ``word`` (folded) with any case or accent.

    ``"cafe"`` → ``[cCçÇ…][aAàÀ…][fF][eEèÈ…]``; other characters are matched literally.
    """
    parts = []
    for char in word:
        if char.isalpha():
            letters = _LETTER_CLASSES.get(char, char + char.upper())
            parts.append(f"[{''.join(dict.fromkeys(letters))}]")
        elif char.isalnum():
            parts.append(char)
        else:
            parts.append("\\" + char)  # a backslash before a non-alphanumeric: literal
    return "".join(parts)


class folded_contains(FunctionElement):  # noqa: N801 (an SQL construct, named like one)
    """SQL: ``column`` contains a word, ignoring case and accents.

    SQLite: ``lms_fold(column) LIKE '%word%'`` (``lms_fold`` is :func:`fold_text`,
    registered on every connection). PostgreSQL: ``column ~ '[wW][oOòÒ…]…'``, a regular
    expression with every accented form (fast; ``translate()`` per row is not).
    """

    type = Boolean()
    name = "folded_contains"
    inherit_cache = True


def contains_folded(column, word: str) -> folded_contains:  # type: ignore[no-untyped-def]
    return folded_contains(column, literal(like_pattern(word)), literal(word_regex(word)))


@compiles(folded_contains)
def _folded_contains_sqlite(element: folded_contains, compiler, **kw) -> str:  # type: ignore[no-untyped-def]
    column, like, _regex = list(element.clauses)
    return (
        f"lms_fold({compiler.process(column, **kw)}) LIKE {compiler.process(like, **kw)} "
        "ESCAPE '\\'"
    )


@compiles(folded_contains, "postgresql")
def _folded_contains_postgresql(element: folded_contains, compiler, **kw) -> str:  # type: ignore[no-untyped-def]
    column, _like, regex = list(element.clauses)
    return f"({compiler.process(column, **kw)} ~ {compiler.process(regex, **kw)})"


def _register_sqlite_fold(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.create_function("lms_fold", 1, fold_text, deterministic=True)


if not event.contains(Engine, "connect", _register_sqlite_fold):
    event.listen(Engine, "connect", _register_sqlite_fold)


def like_pattern(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_words(text: str) -> list[str]:
    """The folded words of a search text (at most :data:`MAX_SEARCH_WORDS`)."""
    return [w for w in (fold_text(text) or "").split() if w][:MAX_SEARCH_WORDS]
