"""Simpanan wajib arrears on a fixed clock, with numbers a person can check by hand."""

from __future__ import annotations

import datetime

from finance.schedule import Schedule, arrears, months_due

D = datetime.date
TODAY = D(2026, 12, 1)


def test_months_count_the_joining_month_and_this_one() -> None:
    assert months_due(D(2026, 3, 1), TODAY) == 10  # March..December
    assert months_due(D(2026, 12, 1), TODAY) == 1
    assert months_due(D(2025, 12, 1), TODAY) == 13
    assert months_due(D(2027, 1, 1), TODAY) == 0


def test_joined_in_march_paid_six_months() -> None:
    # 10 months × Rp10.000 = Rp100.000 due; Rp60.000 paid; Rp40.000 owed.
    paid = {D(2026, 3, 1): 10_000, D(2026, 5, 1): 20_000, D(2026, 9, 1): 30_000}
    a = arrears(Schedule(10_000, None), D(2026, 3, 15), paid, TODAY)
    assert (a.since, a.months, a.due, a.paid, a.owed) == (D(2026, 3, 1), 10, 100_000, 60_000, 40_000)
    assert a.since_label == "Maret 2026"


def test_a_later_schedule_start_counts_only_what_was_paid_since() -> None:
    # The schedule starts in July: 6 months × Rp25.000 = Rp150.000; the April payment was for before it.
    paid = {D(2026, 4, 1): 20_000, D(2026, 8, 1): 50_000}
    a = arrears(Schedule(25_000, D(2026, 7, 1)), D(2026, 3, 15), paid, TODAY)
    assert (a.months, a.due, a.paid, a.owed) == (6, 150_000, 50_000, 100_000)


def test_paid_ahead_owes_nothing_and_a_withdrawal_counts_against() -> None:
    ahead = arrears(Schedule(10_000, None), D(2026, 11, 2), {D(2026, 11, 1): 50_000}, TODAY)
    assert (ahead.due, ahead.owed) == (20_000, 0)
    back = arrears(Schedule(10_000, None), D(2026, 11, 2), {D(2026, 11, 1): 50_000, D(2026, 12, 1): -40_000}, TODAY)
    assert (back.paid, back.owed) == (10_000, 10_000)
