"""The outbox relay loses nothing: engine outages, crashes before delivery, reindex under load."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Iterable, Sequence
from pathlib import Path

import pytest
from sqlalchemy import select, update

from app.db import DatabaseConfig
from app.models import Cooperative
from app.settings import Settings
from catalog import outbox
from catalog import services as catalog
from catalog.models import Product, ProductStatus
from catalog.services import deactivate_cooperative
from search import relay as search_relay
from search.documents import SearchDocument
from search.engine import EngineUnavailable, SearchEngine, SearchQuery, SearchResult
from search.relay import DeliveryFailed, SearchRuntime
from search.services import database_search
from tests.support import data


class Switchable:
    """Wraps a real engine; while `down` it fails like an unreachable server."""

    def __init__(self, inner: SearchEngine) -> None:
        self.inner = inner
        self.down = False
        self.name = inner.name

    def _check(self) -> None:
        if self.down:
            raise EngineUnavailable("connection refused")

    async def ensure_settings(self) -> None:
        await self.inner.ensure_settings()

    async def upsert(self, docs: Sequence[SearchDocument]) -> None:
        self._check()
        await self.inner.upsert(docs)

    async def delete(self, ids: Sequence[int]) -> None:
        self._check()
        await self.inner.delete(ids)

    async def search(self, query: SearchQuery) -> SearchResult:
        self._check()
        return await self.inner.search(query)

    async def health(self) -> bool:
        return not self.down

    async def rebuild(self, docs: AsyncIterator[list[SearchDocument]] | Iterable[list[SearchDocument]]) -> None:
        self._check()
        await self.inner.rebuild(docs)

    async def close(self) -> None:
        await self.inner.close()


@pytest.fixture
async def runtime(quiet_settings: Settings, tmp_path: Path) -> AsyncIterator[SearchRuntime]:
    settings = dataclasses.replace(quiet_settings, var_dir=tmp_path)  # an index of its own
    db = DatabaseConfig(settings)
    rt = SearchRuntime(settings, db)
    await rt.start(background=False)
    assert rt.owner
    await rt.drain()
    yield rt
    await rt.stop()
    await db.dispose()


async def indexed(rt: SearchRuntime, product_id: int, slug: str = "lok-baintan") -> SearchDocument | None:
    assert rt.engine is not None
    result = await rt.engine.search(SearchQuery(cooperative=slug, q="", per_page=100, page=1))
    pages = [result]
    page = 2
    while (page - 1) * 100 < result.total:
        pages.append(await rt.engine.search(SearchQuery(cooperative=slug, q="", per_page=100, page=page)))
        page += 1
    for hit in (h for p in pages for h in p.hits):
        if hit.id == product_id:
            return SearchDocument(
                id=hit.id,
                cooperative=hit.cooperative,
                name=hit.name,
                aliases=[],
                category=hit.category,
                producer=hit.producer,
                description="",
                unit=hit.unit,
                price=hit.price,
                in_stock=hit.in_stock,
                created_at=0,
            )
    return None


async def sell(db: DatabaseConfig, product_id: int, quantity: int) -> bool:
    async with db.session(write=True) as session:
        product = await session.get(Product, product_id)
        assert product is not None
        short = await catalog.reserve_many(session, [product], {product_id: quantity}, order_id=None)  # type: ignore[arg-type]
        if short is not None:  # nothing taken: the ledger row written before the stock check goes too
            await session.rollback()
            return False
        await session.commit()
        return True


async def test_changes_while_the_engine_is_down_arrive_after_it_returns(runtime: SearchRuntime) -> None:
    assert runtime.engine is not None
    switch = Switchable(runtime.engine)
    runtime.engine = switch
    runtime.service.engine = switch
    product = await data.make_product(runtime.db, stock=2, price=9_000, name="Amplang sinkron mati")
    switch.down = True
    with pytest.raises(DeliveryFailed):
        await runtime.drain_once()
    assert await runtime.pending() >= 1
    # The shop keeps answering from the database while the engine is down.
    async with runtime.db.session() as session:
        coop = await session.scalar(select(Cooperative).where(Cooperative.slug == "lok-baintan"))
        assert coop is not None
        timed = await runtime.service.search(session, coop, SearchQuery(cooperative="lok-baintan", q="amplang sinkron"))
    assert timed.result.engine == "database"
    assert [hit.id for hit in timed.result.hits] == [product.id]
    assert await sell(runtime.db, product.id, 2)
    switch.down = False
    await runtime.drain()
    assert await runtime.pending() == 0
    doc = await indexed(runtime, product.id)
    assert doc is not None
    assert doc.in_stock is False


async def test_a_crash_between_commit_and_delivery_loses_nothing(runtime: SearchRuntime, tmp_path: Path) -> None:
    product = await data.make_product(runtime.db, stock=3, name="Dodol sinkron crash")
    # The process dies after the commit, before the relay ran: nothing was delivered.
    await runtime.stop()
    restarted = SearchRuntime(runtime.settings, runtime.db)
    await restarted.start(background=False)
    try:
        assert await restarted.pending() >= 1
        await restarted.drain()
        assert await indexed(restarted, product.id) is not None
    finally:
        await restarted.stop()


async def test_reindex_while_orders_are_placed_loses_no_update(
    runtime: SearchRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    products = [await data.make_product(runtime.db, stock=3, name=f"Gula aren reindeks {i}") for i in range(6)]
    await runtime.drain()
    snapshot_read = asyncio.Event()
    orders_placed = asyncio.Event()
    real_all_documents = search_relay.all_documents

    async def all_documents_then_wait(session: object, batch_size: int = 2000) -> AsyncIterator[list[SearchDocument]]:
        async for batch in real_all_documents(session, batch_size=batch_size):  # type: ignore[arg-type]
            yield batch
        # The new index has read the database; orders now commit before it is switched in.
        snapshot_read.set()
        await orders_placed.wait()

    monkeypatch.setattr(search_relay, "all_documents", all_documents_then_wait)

    async def place_orders() -> None:
        await snapshot_read.wait()
        for product in products[:4]:
            assert await sell(runtime.db, product.id, 3)  # sold out while the rebuild runs
        await sell(runtime.db, products[4].id, 1)  # still in stock
        orders_placed.set()

    await asyncio.gather(runtime.reindex(), place_orders())
    monkeypatch.setattr(search_relay, "all_documents", real_all_documents)
    await runtime.drain()
    for product in products:
        doc = await indexed(runtime, product.id)
        assert doc is not None
        assert doc.in_stock == (product not in products[:4]), product.id


async def test_archived_products_and_removed_cooperatives_leave_search(runtime: SearchRuntime) -> None:
    product = await data.make_product(runtime.db, stock=5, name="Tikar purun arsip")
    await runtime.drain()
    assert await indexed(runtime, product.id) is not None
    async with runtime.db.session(write=True) as session:
        await session.execute(update(Product).where(Product.id == product.id).values(status=ProductStatus.ARCHIVED))
        await outbox.enqueue(session, [product.id])
        await session.commit()
    await runtime.drain()
    assert await indexed(runtime, product.id) is None

    other = await data.make_product(runtime.db, "tabanio", stock=5, name="Ikan asin tabanio arsip")
    await runtime.drain()
    assert await indexed(runtime, other.id, "tabanio") is not None
    async with runtime.db.session(write=True) as session:
        coop = await session.scalar(select(Cooperative).where(Cooperative.slug == "tabanio"))
        assert coop is not None
        assert await deactivate_cooperative(session, coop) > 0
        await session.commit()
    await runtime.drain()
    assert await indexed(runtime, other.id, "tabanio") is None
    async with runtime.db.session(write=True) as session:
        await session.execute(update(Cooperative).where(Cooperative.slug == "tabanio").values(is_active=True))
        await session.commit()


async def test_database_fallback_has_the_same_shape(runtime: SearchRuntime) -> None:
    async with runtime.db.session() as session:
        coop = await session.scalar(select(Cooperative).where(Cooperative.slug == "lok-baintan"))
        assert coop is not None
        result = await database_search(session, coop, SearchQuery(cooperative="lok-baintan", q="beras", per_page=5))
    assert result.engine == "database"
    assert result.total >= len(result.hits) > 0
    assert sum(result.facets["category"].values()) == result.total
    assert result.price_stats is not None
    assert all("<mark>" in hit.highlight_name for hit in result.hits if "beras" in hit.name.lower())
