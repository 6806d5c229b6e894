"""Pure pieces of stock work: whole numbers typed by staff, and the one low-stock rule."""

from __future__ import annotations

import pytest

from catalog.stock import DEFAULT_LOW_STOCK, is_low, parse_int


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12", 12), (" 7 ", 7), ("15.000", 15_000), ("1.500.000", 1_500_000), (5, 5)],
)
def test_parse_int_accepts_what_staff_type(raw: object, expected: int) -> None:
    errors: dict[str, str] = {}
    assert parse_int(raw, "x", "Jumlah", errors, low=0, high=10_000_000) == expected
    assert errors == {}


@pytest.mark.parametrize("raw", ["", "dua", "1,5", "1.5", "-1", "99999999999999", True, None, "1e3"])
def test_parse_int_refuses_the_rest_with_a_message(raw: object) -> None:
    errors: dict[str, str] = {}
    assert parse_int(raw, "x", "Jumlah", errors, low=0, high=10_000_000) is None
    assert errors["x"].startswith("Jumlah")


def test_low_stock_is_at_or_below_the_products_threshold_or_the_default() -> None:
    assert is_low(DEFAULT_LOW_STOCK, None) and not is_low(DEFAULT_LOW_STOCK + 1, None)
    assert is_low(8, 10) and not is_low(3, 2) and is_low(0, 0)
