"""The search engine protocol and the query/result types every engine speaks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Literal, Protocol, runtime_checkable

import msgspec

from search.documents import SearchDocument

Sort = Literal["relevance", "price_asc", "price_desc", "newest"]

# Upper bound on a page; the API validates first, engines clamp again so no caller can ask an
# engine for an unbounded page.
MAX_PER_PAGE = 100
# Meilisearch, like the embedded engine, looks at no more than this many query words.
MAX_QUERY_WORDS = 10


class SearchQuery(msgspec.Struct):
    cooperative: str
    q: str = ""
    categories: list[str] = msgspec.field(default_factory=list)
    producers: list[str] = msgspec.field(default_factory=list)
    min_price: int | None = None
    max_price: int | None = None
    in_stock: bool = False
    sort: Sort = "relevance"
    page: int = 1
    per_page: int = 24

    def bounded_page(self) -> tuple[int, int]:
        """(page, per_page) clamped to sane values."""
        return max(1, self.page), min(max(1, self.per_page), MAX_PER_PAGE)


class Hit(msgspec.Struct):
    id: int
    name: str
    price: int
    unit: str
    category: str
    producer: str
    in_stock: bool
    cooperative: str
    highlight_name: str  # name with matches wrapped in <mark>…</mark>, everything else HTML-escaped


class SearchResult(msgspec.Struct):
    hits: list[Hit]
    total: int
    page: int
    per_page: int
    facets: dict[str, dict[str, int]]  # keys "category" and "producer"
    price_stats: dict[str, int] | None  # {"min", "max"}, None when nothing matched
    engine: str


class EngineUnavailable(Exception):
    """The engine cannot answer (down, timing out, 5xx, corrupt index): fall back to the database."""


class EngineError(Exception):
    """The engine answered but refused the work (a failed task, a bad setting): a bug, not an outage."""


FACET_ATTRIBUTES = ("category", "producer")


def empty_facets() -> dict[str, dict[str, int]]:
    return {name: {} for name in FACET_ATTRIBUTES}


@runtime_checkable
class SearchEngine(Protocol):
    name: str

    async def ensure_settings(self) -> None: ...

    async def upsert(self, docs: Sequence[SearchDocument]) -> None:
        """Index or replace documents; returns only once the engine confirmed they are durable."""
        ...

    async def delete(self, ids: Sequence[int]) -> None: ...

    async def search(self, query: SearchQuery) -> SearchResult: ...

    async def health(self) -> bool: ...

    async def rebuild(
        self, docs: AsyncIterator[list[SearchDocument]] | Iterable[list[SearchDocument]]
    ) -> None:
        """Zero-downtime full reindex: build a new index, then swap it in."""
        ...

    async def close(self) -> None: ...


async def iterate_batches(
    docs: AsyncIterator[list[SearchDocument]] | Iterable[list[SearchDocument]],
) -> AsyncIterator[list[SearchDocument]]:
    """Walk sync or async batches the same way, so rebuild() accepts a database stream or a list."""
    if isinstance(docs, AsyncIterator):
        async for batch in docs:
            yield batch
    else:
        for batch in docs:
            yield batch
