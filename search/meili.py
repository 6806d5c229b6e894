"""The Meilisearch engine: settings, document sync that waits for confirmation, search, swap reindex."""

from __future__ import annotations

import html
import time
from collections.abc import AsyncIterator, Awaitable, Iterable, Sequence
from typing import Any, TypeVar

# meilisearch-python-sdk 8 talks through httpx2 (pydantic's fork of httpx), so its timeouts and
# errors are httpx2's.
import httpx2
from meilisearch_python_sdk import AsyncClient
from meilisearch_python_sdk.errors import (
    MeilisearchApiError,
    MeilisearchCommunicationError,
    MeilisearchError,
    MeilisearchTimeoutError,
)
from meilisearch_python_sdk.index import AsyncIndex
from meilisearch_python_sdk.models.settings import MeilisearchSettings, TypoTolerance
from meilisearch_python_sdk.models.task import TaskInfo

from search.documents import SearchDocument
from search.engine import (
    FACET_ATTRIBUTES,
    EngineError,
    EngineUnavailable,
    Hit,
    SearchQuery,
    SearchResult,
    empty_facets,
    iterate_batches,
)
from search.filters import FILTERABLE_ATTRIBUTES, SORT_MAP, build_filter
from search.synonyms import Synonyms

T = TypeVar("T")

SEARCHABLE_ATTRIBUTES = ["name", "aliases", "category", "producer", "description"]
SORTABLE_ATTRIBUTES = ["price", "created_at", "popularity"]
# "sort" right after "words": a shopper who picks "termurah" expects cheapest first among the
# results that match all the words; Meilisearch's default puts sort after attribute, where it
# rarely changes anything.
RANKING_RULES = ["words", "sort", "typo", "proximity", "attribute", "exactness"]
RETRIEVED_ATTRIBUTES = ["id", "name", "price", "unit", "category", "producer", "in_stock", "cooperative"]
# Private-use characters as highlight tags: Meilisearch does not escape the text it highlights, so
# we escape it ourselves and only then turn these markers into <mark>.
HIGHLIGHT_PRE = "\ue000"
HIGHLIGHT_POST = "\ue001"
UPSERT_BATCH = 1_000


def index_settings(synonyms: Synonyms) -> MeilisearchSettings:
    return MeilisearchSettings(
        searchable_attributes=list(SEARCHABLE_ATTRIBUTES),
        filterable_attributes=list(FILTERABLE_ATTRIBUTES),
        sortable_attributes=list(SORTABLE_ATTRIBUTES),
        ranking_rules=list(RANKING_RULES),
        synonyms={key: list(values) for key, values in synonyms.items()},
        typo_tolerance=TypoTolerance(enabled=True),  # Meilisearch's default word sizes (5 and 9)
    )


def highlight(formatted: str) -> str:
    """Meilisearch's highlighted text, HTML-escaped, with its markers turned into <mark>."""
    clean = formatted.replace("<mark>", "").replace("</mark>", "")
    return (
        html.escape(clean)
        .replace(HIGHLIGHT_PRE, "<mark>")
        .replace(HIGHLIGHT_POST, "</mark>")
    )


class MeiliEngine:
    """Search through a Meilisearch server; every call has a timeout and maps outages to EngineUnavailable."""

    name = "meilisearch"

    def __init__(
        self,
        url: str,
        api_key: str | None,
        index_uid: str = "products",
        synonyms: Synonyms | None = None,
        timeout: float = 5.0,
        *,
        task_timeout: float = 60.0,
    ) -> None:
        self.url = url
        self.index_uid = index_uid
        self.synonyms = dict(synonyms or {})
        self.task_timeout_ms = int(task_timeout * 1000)
        self.client = AsyncClient(url, api_key, timeout=max(1, round(timeout)))
        # The SDK takes whole seconds; the httpx client underneath takes the exact value, and a
        # short connect timeout so a dead server is noticed quickly.
        self.client.http_client.timeout = httpx2.Timeout(timeout, connect=min(timeout, 2.0))

    @property
    def index(self) -> AsyncIndex:
        return self.client.index(self.index_uid)

    # -- protocol ---------------------------------------------------------------------------

    async def ensure_settings(self) -> None:
        await self._ensure_index(self.index_uid)
        await self._apply_settings(self.index_uid)

    async def upsert(self, docs: Sequence[SearchDocument]) -> None:
        await self._add(self.index_uid, docs)

    async def delete(self, ids: Sequence[int]) -> None:
        if not ids:
            return
        task = await self._guard(self.index.delete_documents([str(i) for i in ids]))
        await self._wait(task)

    async def search(self, query: SearchQuery) -> SearchResult:
        page, per_page = query.bounded_page()
        result = await self._guard(
            self.index.search(
                query.q,
                filter=build_filter(query),
                # "price" is asked for only for its facetStats (the price range shown to shoppers).
                facets=[*FACET_ATTRIBUTES, "price"],
                sort=SORT_MAP[query.sort] or None,
                page=page,
                hits_per_page=per_page,
                matching_strategy="last",
                attributes_to_retrieve=list(RETRIEVED_ATTRIBUTES),
                attributes_to_highlight=["name"],
                highlight_pre_tag=HIGHLIGHT_PRE,
                highlight_post_tag=HIGHLIGHT_POST,
            )
        )
        distribution = result.facet_distribution or {}
        facets = empty_facets()
        for name in facets:
            facets[name] = {str(k): int(v) for k, v in (distribution.get(name) or {}).items()}
        hits = [self._hit(raw) for raw in result.hits]
        total = int(result.total_hits or 0)
        stats = (result.facet_stats or {}).get("price")
        return SearchResult(
            # A hit outside the cooperative would be a filter bug: drop it rather than leak it.
            hits=[hit for hit in hits if hit.cooperative == query.cooperative],
            total=total,
            page=page,
            per_page=per_page,
            facets=facets,
            price_stats={"min": int(stats["min"]), "max": int(stats["max"])} if stats and total else None,
            engine=self.name,
        )

    async def health(self) -> bool:
        try:
            status = await self._guard(self.client.health())
        except (EngineUnavailable, EngineError):
            return False
        return status.status == "available"

    async def rebuild(
        self, docs: AsyncIterator[list[SearchDocument]] | Iterable[list[SearchDocument]]
    ) -> None:
        """Fill products_<timestamp>, swap it with the live index, then delete the old one."""
        staging = f"{self.index_uid}_{time.time_ns()}"
        await self._ensure_index(staging)
        try:
            await self._apply_settings(staging)
            async for batch in iterate_batches(docs):
                await self._add(staging, batch)
            await self._ensure_index(self.index_uid)  # a swap needs both sides to exist
            task = await self._guard(self.client.swap_indexes([(self.index_uid, staging)]))
            await self._wait(task)
        finally:
            # After the swap the staging name holds the old documents; before it, a partial build.
            await self._guard(self.client.delete_index_if_exists(staging))

    async def close(self) -> None:
        await self.client.aclose()

    # -- helpers ----------------------------------------------------------------------------

    async def _ensure_index(self, uid: str) -> None:
        # Idempotent: for an existing index the creation task fails quietly and the SDK then
        # fetches the index that is there.
        await self._guard(self.client.create_index(uid, primary_key="id", timeout_in_ms=self.task_timeout_ms))

    async def _apply_settings(self, uid: str) -> None:
        task = await self._guard(self.client.index(uid).update_settings(index_settings(self.synonyms)))
        await self._wait(task)

    async def _add(self, uid: str, docs: Sequence[SearchDocument]) -> None:
        index = self.client.index(uid)
        for start in range(0, len(docs), UPSERT_BATCH):
            batch = [doc.to_dict() for doc in docs[start : start + UPSERT_BATCH]]
            task = await self._guard(index.add_documents(batch, primary_key="id"))
            await self._wait(task)

    async def _wait(self, task: TaskInfo) -> None:
        await self._wait_uid(task.task_uid)

    async def _wait_uid(self, task_uid: int) -> None:
        """Return only once Meilisearch says the task succeeded."""
        result = await self._guard(
            self.client.wait_for_task(task_uid, timeout_in_ms=self.task_timeout_ms, interval_in_ms=50)
        )
        if result.status != "succeeded":
            raise EngineError(f"Meilisearch task {task_uid} {result.status}: {result.error}")

    async def _guard(self, awaitable: Awaitable[T]) -> T:
        try:
            return await awaitable
        except Exception as exc:
            raise self._translate(exc) from exc

    @staticmethod
    def _translate(exc: Exception) -> Exception:
        """Outages become EngineUnavailable (the caller falls back); refusals become EngineError."""
        if isinstance(exc, EngineUnavailable | EngineError):
            return exc
        if isinstance(exc, MeilisearchApiError):
            if exc.status_code >= 500 or exc.status_code == 429:
                return EngineUnavailable(f"Meilisearch answered {exc.status_code}: {exc.message}")
            return EngineError(f"Meilisearch refused ({exc.status_code}): {exc.code} {exc.message}")
        if isinstance(exc, httpx2.HTTPStatusError):
            status = exc.response.status_code
            if status >= 500 or status == 429:
                return EngineUnavailable(f"Meilisearch answered {status}")
            return EngineError(f"Meilisearch refused the request ({status})")
        if isinstance(exc, MeilisearchCommunicationError | MeilisearchTimeoutError | httpx2.TransportError):
            return EngineUnavailable(f"Meilisearch unreachable: {exc}")
        if isinstance(exc, MeilisearchError):
            # The SDK wraps read timeouts and other transport errors in its base error.
            return EngineUnavailable(f"Meilisearch unreachable: {exc}")
        if isinstance(exc, OSError):
            return EngineUnavailable(f"Meilisearch unreachable: {exc}")
        return exc

    @staticmethod
    def _hit(raw: dict[str, Any]) -> Hit:
        formatted = raw.get("_formatted") or {}
        name = str(raw.get("name", ""))
        return Hit(
            id=int(raw["id"]),
            name=name,
            price=int(raw.get("price", 0)),
            unit=str(raw.get("unit", "")),
            category=str(raw.get("category", "")),
            producer=str(raw.get("producer", "")),
            in_stock=bool(raw.get("in_stock", False)),
            cooperative=str(raw.get("cooperative", "")),
            highlight_name=highlight(str(formatted.get("name", name))),
        )
