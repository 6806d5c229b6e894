"""Settlement periods and retail prices from a margin: the arithmetic staff and producers rely on."""

from __future__ import annotations

import datetime

import pytest

from app.clock import parse_period
from app.errors import InvalidInput
from producers.services.review import retail_from_margin

TODAY = datetime.date(2026, 11, 27)


def test_month_and_week_periods() -> None:
    month = parse_period("bulan", "2026-02", TODAY)
    assert (month.start, month.end, month.label) == (
        datetime.date(2026, 2, 1),
        datetime.date(2026, 3, 1),
        "Februari 2026",
    )
    week = parse_period("minggu", "2026-W48", TODAY)
    assert week.start == datetime.date(2026, 11, 23) and week.end == datetime.date(2026, 11, 30)
    assert week.key == "2026-W48"
    assert parse_period(None, None, TODAY).key == "2026-11"
    assert parse_period("bulan", "2026-12", TODAY).previous().key == "2026-11"


@pytest.mark.parametrize(
    ("kind", "value"), [("tahun", "2026"), ("bulan", "2026-13"), ("minggu", "2026-W60"), ("bulan", "x")]
)
def test_bad_periods_are_refused_with_a_message(kind: str, value: str) -> None:
    with pytest.raises(InvalidInput):
        parse_period(kind, value, TODAY)


def test_margin_rounds_up_to_the_next_hundred_rupiah() -> None:
    assert retail_from_margin(8_000, 25) == 10_000
    assert retail_from_margin(8_000, 20) == 9_600
    assert retail_from_margin(7_333, 10) == 8_100
    assert retail_from_margin(5_000, 0) == 5_000
