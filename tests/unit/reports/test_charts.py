"""The sales chart geometry and its short rupiah axis labels."""

from __future__ import annotations

import datetime

import pytest

from reports.charts import sales_chart, short_rupiah


def _days(amounts: list[int]) -> list[tuple[datetime.date, int]]:
    start = datetime.date(2026, 11, 1)
    return [(start + datetime.timedelta(days=i), a) for i, a in enumerate(amounts)]


def test_chart_bars_are_proportional_and_stay_inside_the_plot() -> None:
    chart = sales_chart(_days([0, 50_000, 100_000, 25_000]))
    heights = [b.height for b in chart.bars]
    assert heights[0] == 0
    assert heights[2] == pytest.approx(2 * heights[1]) == pytest.approx(4 * heights[3])
    for bar in chart.bars:
        assert bar.x >= chart.plot_left and bar.x + bar.width <= chart.width
        assert bar.y + bar.height == pytest.approx(chart.plot_bottom)
    assert chart.total == 175_000
    assert [t.label for t in chart.ticks] == ["Rp0", "Rp50rb", "Rp100rb"]


def test_chart_of_a_quiet_month_has_no_sales_and_still_has_an_axis() -> None:
    chart = sales_chart(_days([0] * 30))
    assert not chart.has_sales
    assert all(b.height == 0 for b in chart.bars)
    assert len(chart.day_labels) == 5  # every 7th day, ending today
    assert chart.day_labels[-1][1] == "30/11"


@pytest.mark.parametrize(
    ("amount", "label"),
    [(0, "Rp0"), (950, "Rp950"), (18_500, "Rp18rb"), (1_000_000, "Rp1jt"), (1_250_000, "Rp1,25jt")],
)
def test_short_rupiah_labels(amount: int, label: str) -> None:
    assert short_rupiah(amount) == label
