"""Moved to tests/html.py (page parsing for every feature's tests); kept so that tests
written against the old place still import."""

from tests.html import answer_pairs, by_id, find_all, flashes, parse, text, walk

__all__ = ["answer_pairs", "by_id", "find_all", "flashes", "parse", "text", "walk"]
