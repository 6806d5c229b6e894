"""Form and JSON shapes for producers, reviews, settlements and the province overview (msgspec)."""

from __future__ import annotations

import msgspec


class ListingForm(msgspec.Struct):
    """A producer's listing form: every field arrives as text and is checked by the service."""

    name: str = ""
    description: str = ""
    category: str = ""
    unit: str = ""
    pack_size: str = ""
    producer_price: str = ""
    # "ajukan": save and submit for review; anything else: save as draft.
    aksi: str = ""


class ReviewFormIn(msgspec.Struct):
    action: str = ""
    retail_price: str = ""
    margin_percent: str = ""
    reason: str = ""


class PaymentFormIn(msgspec.Struct):
    producer_id: str = ""
    jenis: str = "bulan"
    periode: str = ""
    method: str = ""
    reference: str = ""
    paid_on: str = ""


class MonthActivityOut(msgspec.Struct):
    month: str
    orders: int
    sales: int


class KabupatenOut(msgspec.Struct):
    provinsi: str
    kabupaten: str
    cooperatives: int
    active_30_days: int
    orders_30_days: int
    sales_30_days: int
    producers: int
    producers_paid: int
    paid_to_producers: int


class ProvinceOverviewOut(msgspec.Struct):
    cooperatives: int
    active_30_days: int
    producers_paid: int
    paid_to_producers: int
    months: list[MonthActivityOut]
    kabupaten: list[KabupatenOut]
