"""JSON shapes of the search API (msgspec)."""

from __future__ import annotations

import msgspec


class HighlightOut(msgspec.Struct):
    name: str


class HitOut(msgspec.Struct):
    id: int
    name: str
    price: int
    unit: str
    category: str
    producer: str
    in_stock: bool
    cooperative: str
    highlight: HighlightOut


class PriceStats(msgspec.Struct):
    min: int
    max: int


class SearchOut(msgspec.Struct):
    hits: list[HitOut]
    total: int
    page: int
    per_page: int
    facets: dict[str, dict[str, int]]
    price_stats: PriceStats | None
    engine: str
    took_ms: int
