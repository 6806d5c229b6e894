"""The loan schedule: equal principal with the rupiah left over on the last instalment, a flat interest, due
dates a month apart that keep to the month's last day; and the chart geometry for negative figures."""

from __future__ import annotations

import datetime

from app.charts import bar_chart
from finance.loans import month_after, schedule
from finance.models import Loan


def test_schedule_adds_up_to_the_principal() -> None:
    loan = Loan(principal=1_000_000, instalments=3, interest_per_instalment=10_000, drawn_on=datetime.date(2026, 1, 31))
    rows = schedule(loan)
    assert [(r.principal, r.interest) for r in rows] == [(333_333, 10_000), (333_333, 10_000), (333_334, 10_000)]
    assert [r.due_on for r in rows] == [
        datetime.date(2026, 2, 28),
        datetime.date(2026, 3, 31),
        datetime.date(2026, 4, 30),
    ]
    assert month_after(datetime.date(2027, 12, 15), 1) == datetime.date(2028, 1, 15)


def test_chart_draws_a_loss_below_the_line_and_says_every_figure() -> None:
    chart = bar_chart(["Jan", "Feb"], [("Sisa", [100_000, -50_000])])
    gain, loss = chart.bars
    assert gain.y + gain.height == chart.baseline == loss.y and abs(loss.height - gain.height / 2) < 0.1
    assert chart.description == "Jan: Sisa Rp100.000; Feb: Sisa -Rp50.000."
