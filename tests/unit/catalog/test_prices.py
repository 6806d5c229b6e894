"""The split of a price between producer and cooperative, as every product card shows it."""

from __future__ import annotations

from catalog.models import Product


def test_margin_is_retail_minus_producer_price() -> None:
    product = Product(retail_price=18_500, producer_price=15_250, stock=0)
    assert product.margin == 3_250
    assert product.in_stock is False
