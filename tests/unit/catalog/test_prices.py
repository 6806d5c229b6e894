"""Price rules: retail price within the legal ceiling, the producer/cooperative split."""

from __future__ import annotations

import pytest

from app.errors import InvalidInput
from catalog.models import Product
from catalog.services import check_retail_price


@pytest.mark.parametrize(("retail", "het"), [(18_500, 18_500), (18_000, 18_500), (17_500, None)])
def test_prices_at_or_below_the_ceiling_pass(retail: int, het: int | None) -> None:
    check_retail_price(retail, het)


def test_price_above_het_is_refused_naming_the_ceiling() -> None:
    with pytest.raises(InvalidInput) as info:
        check_retail_price(18_501, 18_500)
    assert "Rp18.500" in info.value.message
    assert "retail_price" in info.value.field_errors


@pytest.mark.parametrize("retail", [0, -100])
def test_price_must_be_positive(retail: int) -> None:
    with pytest.raises(InvalidInput):
        check_retail_price(retail, None)


def test_margin_is_retail_minus_producer_price() -> None:
    product = Product(retail_price=18_500, producer_price=15_250, stock=0)
    assert product.margin == 3_250
    assert product.in_stock is False
