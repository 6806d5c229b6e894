"""JSON shapes of the catalog API (msgspec)."""

from __future__ import annotations

import msgspec


class CooperativeOut(msgspec.Struct):
    slug: str
    name: str
    short_name: str
    village: str
    desa: str
    kecamatan: str
    kabupaten: str
    provinsi: str
    whatsapp: str
    url: str


class ProducerRef(msgspec.Struct):
    id: int | None
    name: str


class ProductSummary(msgspec.Struct):
    id: int
    name: str
    unit: str
    price: int
    stock: int
    category: str
    producer: ProducerRef


class ProductList(msgspec.Struct):
    items: list[ProductSummary]
    total: int
    page: int
    per_page: int


class ProductDetail(msgspec.Struct):
    id: int
    name: str
    description: str | None
    unit: str
    pack_size: str | None
    price: int
    producer_price: int
    margin: int
    het: int | None
    het_basis: str | None
    hap: int | None
    stock: int
    in_stock: bool
    max_qty_per_order: int | None
    members_only: bool
    requires_nik: bool
    quota_qty: int | None
    quota_period: str | None
    category: str
    producer: ProducerRef
    cooperative: str


class ProductTermsForm(msgspec.Struct):
    """The staff form for a product's price and purchase rules; the service checks every field."""

    retail_price: str = ""
    max_qty_per_order: str = ""
    members_only: str = ""
    requires_nik: str = ""
    quota_qty: str = ""
    quota_period: str = ""


class AdjustForm(msgspec.Struct):
    """Damaged, lost or miscounted goods: an `ADJUSTMENT_KINDS` key, how many, and why."""

    kind: str = ""
    quantity: str = ""
    note: str = ""


class ThresholdForm(msgspec.Struct):
    threshold: str = ""
