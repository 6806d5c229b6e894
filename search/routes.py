"""The search JSON API: `GET /api/cooperatives/{slug}/search`."""

from __future__ import annotations

import time
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get
from litestar.params import Parameter

from app import cooperatives
from app.guards import request_session
from app.i18n import get_locale
from catalog import page_cache
from search.schemas import HighlightOut, HitOut, PriceStats, SearchOut
from search.services import build_query, search_runtime


class SearchApiController(Controller):
    path = "/api"
    tags = ["pencarian"]

    @get("/cooperatives/{slug:str}/search", name="api_search")
    async def search(
        self,
        request: Request[Any, Any, Any],
        slug: str,
        q: Annotated[str, Parameter(max_length=200)] = "",
        category: Annotated[list[str] | None, Parameter(query="category")] = None,
        producer: Annotated[list[str] | None, Parameter(query="producer")] = None,
        min_price: Annotated[str | None, Parameter(max_length=20)] = None,
        max_price: Annotated[str | None, Parameter(max_length=20)] = None,
        in_stock: Annotated[str | None, Parameter(max_length=5)] = None,
        sort: Annotated[str, Parameter(max_length=20)] = "relevance",
        page: Annotated[str, Parameter(max_length=6)] = "1",
        per_page: Annotated[str, Parameter(max_length=4)] = "24",
    ) -> SearchOut:
        # Answers depend only on the catalog (no session): kept per catalog version, like the shop's pages.
        # No `db_session` parameter: an answer served from the cache opens no database session.
        cooperative_id, version = await page_cache.cooperative_and_version(request, slug)
        service = search_runtime(request).service
        key = (
            "search-api",
            get_locale(),
            cooperative_id,
            version,
            service.view_stamp(),
            request.scope.get("query_string", b""),
        )
        started = time.perf_counter()
        if isinstance(kept := page_cache.PAGES.get(key), SearchOut):
            return msgspec.structs.replace(kept, took_ms=round((time.perf_counter() - started) * 1000))
        db_session = request_session(request)
        cooperative = await cooperatives.get_cooperative(db_session, slug)
        query = build_query(
            cooperative.slug,
            q=q,
            categories=category,
            producers=producer,
            min_price=min_price,
            max_price=max_price,
            in_stock=in_stock,
            sort=sort,
            page=page,
            per_page=per_page,
        )
        timed = await service.search(db_session, cooperative, query)
        result = timed.result
        answer = SearchOut(
            hits=[
                HitOut(
                    id=h.id,
                    name=h.name,
                    price=h.price,
                    unit=h.unit,
                    category=h.category,
                    producer=h.producer,
                    in_stock=h.in_stock,
                    cooperative=h.cooperative,
                    highlight=HighlightOut(name=h.highlight_name),
                )
                for h in result.hits
            ],
            total=result.total,
            page=result.page,
            per_page=result.per_page,
            facets=result.facets,
            price_stats=PriceStats(**result.price_stats) if result.price_stats else None,
            engine=result.engine,
            took_ms=timed.took_ms,
        )
        page_cache.PAGES.put(key, answer)
        return answer
