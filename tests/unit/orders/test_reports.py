"""Pure pieces of the staff reports: the sales chart geometry, axis labels, CSV safety, input parsing."""

from __future__ import annotations

import datetime

import pytest

from app.errors import InvalidInput
from catalog.stock import parse_int
from orders import fulfilment, reports


def _days(amounts: list[int]) -> list[tuple[datetime.date, int]]:
    start = datetime.date(2026, 11, 1)
    return [(start + datetime.timedelta(days=i), a) for i, a in enumerate(amounts)]


def test_chart_bars_are_proportional_and_stay_inside_the_plot() -> None:
    chart = reports.sales_chart(_days([0, 50_000, 100_000, 25_000]))
    heights = [b.height for b in chart.bars]
    assert heights[0] == 0
    assert heights[2] == pytest.approx(2 * heights[1]) == pytest.approx(4 * heights[3])
    for bar in chart.bars:
        assert bar.x >= chart.plot_left and bar.x + bar.width <= chart.width
        assert bar.y + bar.height == pytest.approx(chart.plot_bottom)
    assert chart.total == 175_000
    assert [t.label for t in chart.ticks] == ["Rp0", "Rp50rb", "Rp100rb"]


def test_chart_of_a_quiet_month_has_no_sales_and_still_has_an_axis() -> None:
    chart = reports.sales_chart(_days([0] * 30))
    assert not chart.has_sales
    assert all(b.height == 0 for b in chart.bars)
    assert len(chart.day_labels) == 5  # every 7th day, ending today
    assert chart.day_labels[-1][1] == "30/11"


@pytest.mark.parametrize(
    ("amount", "label"),
    [(0, "Rp0"), (950, "Rp950"), (18_500, "Rp18rb"), (1_000_000, "Rp1jt"), (1_250_000, "Rp1,25jt")],
)
def test_short_rupiah_labels(amount: int, label: str) -> None:
    assert reports.short_rupiah(amount) == label


def test_csv_keeps_formulas_as_text_but_numbers_as_numbers() -> None:
    text = reports.csv_text(["Nama", "Perubahan"], [["=1+1", -2], ["@SUM(A1)", 3], ["Ibu -", 0]])
    assert text.startswith("\ufeffNama,Perubahan\r\n")
    assert "'=1+1,-2" in text and "'@SUM(A1),3" in text and "Ibu -,0" in text


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


def test_board_filters_refuse_unknown_values() -> None:
    assert fulfilment.parse_filters(cara="delivery", bayar="unpaid").query() == "cara=delivery&bayar=unpaid"
    for bad in ({"cara": "drone"}, {"bayar": "gratis"}, {"status": "cancelled"}, {"tanggal": "2026-13-01"}):
        with pytest.raises(InvalidInput):
            fulfilment.parse_filters(**bad)


def test_order_numbers_from_forms_are_cleaned() -> None:
    assert fulfilment.clean_numbers(["lba-261127-k7q3", "LBA-261127-K7Q3", "<x>", "", 5]) == ["LBA-261127-K7Q3"]


def test_business_day_bounds_follow_the_cooperative_clock() -> None:
    class Coop:
        timezone = "Asia/Makassar"

    start, end = fulfilment.day_bounds(Coop(), datetime.date(2026, 11, 27))  # type: ignore[arg-type]
    assert start == datetime.datetime(2026, 11, 26, 16, 0, tzinfo=datetime.UTC)
    assert end - start == datetime.timedelta(days=1)
