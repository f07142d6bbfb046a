"""Verification codes: random, easy to type, forgiving when typed."""

from __future__ import annotations

import re

import pytest

from lms.certificates.codes import ALPHABET, new_code, normalise


def test_a_code_is_four_groups_of_crockford_base32():
    code = new_code()
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}", code)
    assert len(ALPHABET) == 32  # 16 symbols of 5 bits: 80 random bits


def test_codes_do_not_repeat():
    codes = {new_code() for _ in range(5000)}
    assert len(codes) == 5000


@pytest.mark.parametrize(
    "typed",
    [
        "7KQ4-M2XD-9FJ1-PZ3W",
        "7kq4-m2xd-9fj1-pz3w",
        "7KQ4M2XD9FJ1PZ3W",
        " 7KQ4 M2XD 9FJI PZ3W ",
        "7KQ4-M2XD-9FJl-PZ3W",
        "7KQ4–M2XD–9FJ1–PZ3W",
    ],
)
def test_typed_codes_are_normalised(typed):
    assert normalise(typed) == "7KQ4-M2XD-9FJ1-PZ3W"


def test_letter_o_reads_as_zero():
    assert normalise("OOOO-1111-2222-3333") == "0000-1111-2222-3333"


@pytest.mark.parametrize(
    "typed", ["", None, "ABC", "7KQ4-M2XD-9FJ1-PZ3W-0000", "UUUU-1111-2222-3333"]
)
def test_what_cannot_be_a_code_is_refused(typed):
    assert normalise(typed) is None
