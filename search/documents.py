"""The document indexed for each product, shared by every search engine."""

from __future__ import annotations

import msgspec


class SearchDocument(msgspec.Struct):
    """One product as the search engines see it; built from the database by the caller."""

    id: int
    cooperative: str  # cooperative slug: every search is filtered on it
    name: str
    aliases: list[str]
    category: str
    producer: str  # producer/supplier display name
    description: str
    unit: str
    price: int  # integer rupiah
    in_stock: bool
    created_at: int  # unix seconds, for "newest"
    popularity: int = 0

    def to_dict(self) -> dict[str, object]:
        """The JSON-ready form sent to Meilisearch."""
        return msgspec.to_builtins(self)  # type: ignore[no-any-return]
