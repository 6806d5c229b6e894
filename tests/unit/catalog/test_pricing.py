"""Price ceilings: a HET refuses, a HAP only warns, and each applies only on the days it is in force."""

from __future__ import annotations

import datetime

import pytest

from app.errors import InvalidInput
from catalog.pricing import Ceiling, CeilingKind, check_price

D = datetime.date
RICE_HET_OLD = Ceiling(CeilingKind.HET, 12_500, "Perbadan 5/2024", D(2024, 1, 1), D(2025, 8, 22))
RICE_HET_NEW = Ceiling(CeilingKind.HET, 14_000, "Kepbadan 299/2025", D(2025, 8, 22), None)
SUGAR_HAP = Ceiling(CeilingKind.HAP, 17_500, None)


def test_price_above_the_het_is_refused_with_the_ceiling_and_its_basis() -> None:
    with pytest.raises(InvalidInput) as refused:
        check_price(14_100, [RICE_HET_NEW], D(2025, 9, 1))
    assert "Rp14.000" in refused.value.message
    assert "Kepbadan 299/2025" in refused.value.message
    assert "retail_price" in refused.value.field_errors


def test_price_at_the_het_is_allowed() -> None:
    assert check_price(14_000, [RICE_HET_NEW], D(2025, 9, 1)).warnings == ()


def test_price_above_the_hap_is_allowed_with_a_warning() -> None:
    result = check_price(18_000, [SUGAR_HAP], D(2025, 9, 1))
    assert len(result.warnings) == 1
    assert "Rp17.500" in result.warnings[0]
    assert check_price(17_500, [SUGAR_HAP]).warnings == ()


@pytest.mark.parametrize(
    ("day", "price", "refused"),
    [
        (D(2025, 8, 21), 13_000, True),  # the old ceiling (Rp12.500) still applied that day
        (D(2025, 8, 21), 12_500, False),
        (D(2025, 8, 22), 13_000, False),  # the new ceiling starts on its start date
        (D(2025, 8, 22), 14_001, True),
        (D(2023, 12, 31), 20_000, False),  # before any ceiling existed
    ],
)
def test_effective_dates_decide_which_het_applies(day: datetime.date, price: int, refused: bool) -> None:
    ceilings = [RICE_HET_OLD, RICE_HET_NEW]
    if refused:
        with pytest.raises(InvalidInput):
            check_price(price, ceilings, day)
    else:
        check_price(price, ceilings, day)


def test_a_het_that_ended_no_longer_refuses() -> None:
    ended = Ceiling(CeilingKind.HET, 10_000, None, D(2024, 1, 1), D(2025, 1, 1))
    check_price(50_000, [ended], D(2025, 1, 1))


def test_zero_or_negative_price_is_refused() -> None:
    for price in (0, -5):
        with pytest.raises(InvalidInput):
            check_price(price, [])
