"""Catalog search: the engine protocol, Meilisearch and embedded engines, the outbox relay."""

from __future__ import annotations

from pathlib import Path

from search.documents import SearchDocument
from search.engine import (
    EngineError,
    EngineUnavailable,
    Hit,
    SearchEngine,
    SearchQuery,
    SearchResult,
    Sort,
)
from search.synonyms import Synonyms, load_synonyms

__all__ = [
    "EngineError",
    "EngineUnavailable",
    "Hit",
    "SearchDocument",
    "SearchEngine",
    "SearchQuery",
    "SearchResult",
    "Sort",
    "Synonyms",
    "create_engine",
    "load_synonyms",
]


def create_engine(
    *,
    meili_url: str | None,
    meili_api_key: str | None,
    index_dir: Path,
    synonyms: Synonyms,
    writer: bool = True,
    source_id: str = "",
    timeout: float = 5.0,
) -> SearchEngine:
    """Meilisearch when a URL is configured, otherwise the embedded engine in index_dir."""
    # Imported here so an app on one engine never loads the other's library.
    if meili_url:
        from search.meili import MeiliEngine

        return MeiliEngine(meili_url, meili_api_key, synonyms=synonyms, timeout=timeout)
    from search.embedded import EmbeddedEngine

    return EmbeddedEngine(index_dir, synonyms, writer=writer, source_id=source_id)
