"""CSV exports name the orders their sales figures count: producers' sales are completed orders, as statements."""

from __future__ import annotations

from reports import exports, sales


def test_every_sales_export_names_its_basis() -> None:
    captions = {e.key: e.caption for e in exports.EXPORTS.values()}
    assert captions["producers"] == "Penjualan (pesanan selesai)"
    assert captions["products"] == "Penjualan (pesanan masuk, tanpa yang dibatalkan)"
    assert captions["ledger"] is None


def test_the_producer_sales_header_says_completed_orders() -> None:
    assert exports.PRODUCERS_BASIS == sales.Basis.COMPLETED
    assert exports.sales_header(exports.PRODUCERS_BASIS) == "Penjualan (pesanan selesai, Rp)"
