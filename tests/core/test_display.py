"""The one display module (``lms/common/display.py``): how numbers, percentages, money and
hours read.

Dutch as this platform writes it, English when chosen; percentages by one rounding rule
(half-up to one decimal), hours in one form (``9 u 36 min``) whether counted in minutes or
in hours.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask_babel import force_locale

from lms.common import display


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (75, "75"),
        (79.99, "80"),
        (66.666, "66,7"),
        (200 / 3, "66,7"),
        (66.65, "66,7"),  # half-up, where Babel alone would round half-even to 66,6
        (66.64, "66,6"),
        (100, "100"),
        (0, "0"),
        (91.6667, "91,7"),
    ],
)
def test_percentages_round_half_up_to_one_decimal(app, value, text) -> None:  # type: ignore[no-untyped-def]
    with app.test_request_context():
        assert display.pct(value) == text
        assert display.percent(value) == f"{text} %"


def test_percentages_follow_the_language(app) -> None:  # type: ignore[no-untyped-def]
    with app.test_request_context(), force_locale("en"):
        assert display.pct(200 / 3) == "66.7"
        assert display.rate(Decimal(2) / 3) == "66.7 %"
    assert display.pct_number(2, 3) == 66.7
    assert display.pct_number(1, 6) == 16.7
    assert display.pct_number(0, 0) == 0.0
    assert display.rate(None) == "–"


def test_hours_read_one_way_from_minutes_and_from_hours(app) -> None:  # type: ignore[no-untyped-def]
    with app.test_request_context():
        assert display.duration(150) == "2 u 30 min"
        assert display.duration(180) == "3 u"
        assert display.duration(45) == "45 min"
        assert display.hours(Decimal("21.17")) == "21 u 10 min"
        assert display.hours(Decimal("12.50")) == "12 u 30 min"
        assert display.hours(3) == "3 u"
        with force_locale("en"):
            assert display.duration(576) == "9 h 36 min"
        assert display.hours(Decimal("2.5"), "nl") == "2 u 30 min"


def test_money_numbers_and_exports(app) -> None:  # type: ignore[no-untyped-def]
    with app.test_request_context():
        assert display.money(Decimal("45")) == "€ 45,00"
        assert display.money(Decimal("1250.5")) == "€ 1.250,50"
        assert display.money(0) == "gratis"
        assert display.amount(Decimal("1250")) == "1.250,00"
        assert display.number(Decimal("1234.567")) == "1.234,57"
        with force_locale("en"):
            assert display.money(Decimal("45")) == "€45.00"
            assert display.money(0) == "free"
            assert display.number(Decimal("2.5")) == "2.5"
    assert display.export_number(Decimal("1234.50")) == "1234,5"
    assert display.minutes_to_hours(100) == Decimal("1.67")
