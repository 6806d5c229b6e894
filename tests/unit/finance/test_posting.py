"""The balance rule every journal entry passes before it is written."""

from __future__ import annotations

import datetime

import pytest

from finance import chart
from finance.posting import Draft, Line, UnbalancedEntry, check

DAY = datetime.date(2026, 3, 1)


def test_balanced_entry_passes_and_negative_amounts_flip_sides() -> None:
    draft = Draft(1, DAY, "selisih", "hand_in", 1).debit(chart.BEBAN_SELISIH_KAS, -500).credit(chart.KAS, -500)
    check(draft)
    assert [(x.account, x.debit, x.credit) for x in draft.lines] == [("6106", 0, 500), ("1101", 500, 0)]


def test_zero_amounts_write_no_line() -> None:
    draft = Draft(1, DAY, "nol", "expense", 1).debit(chart.BEBAN_LAIN, 0).credit(chart.KAS, 0)
    check(draft)
    assert draft.lines == []


@pytest.mark.parametrize(
    ("debit", "credit", "account"),
    [(1000, 999, chart.KAS), (1000, 1000, "9999"), (1.5, 1.5, chart.KAS), (True, True, chart.KAS)],
)
def test_unbalanced_or_odd_entries_are_refused(debit: object, credit: object, account: str) -> None:
    draft = Draft(1, DAY, "salah", "expense", 1)
    draft.lines.append(Line(account, debit, 0))  # type: ignore[arg-type]
    draft.lines.append(Line(chart.BANK, 0, credit))  # type: ignore[arg-type]
    with pytest.raises(UnbalancedEntry):
        check(draft)
