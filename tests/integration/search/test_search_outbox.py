"""The outbox with many relays: out-of-order commits during a rebuild, refused changes, leases, retention, lag."""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import insert, select, text, update
from sqlalchemy.ext.asyncio import create_async_engine

from app.cli import alembic_config
from app.db import DatabaseConfig
from app.models import Cooperative
from app.settings import Settings
from catalog import outbox
from catalog import services as catalog
from catalog.models import Product, ProductStatus
from catalog.outbox import ProductOutbox
from search import delivery
from search import relay as search_relay
from search import services as search_services
from search.documents import SearchDocument
from search.engine import EngineError, SearchEngine, SearchQuery
from search.relay import SearchRuntime, retry_parked
from tests.integration.search.test_search_sync import Switchable, indexed, runtime, sell
from tests.support import data
from tests.support.postgres import PgCluster

__all__ = ["runtime"]  # the fixture, shared with test_search_sync

POISON = "Racun"


class Picky(Switchable):
    """A real engine that refuses any batch holding a document whose name has POISON in it."""

    def __init__(self, inner: SearchEngine) -> None:
        super().__init__(inner)
        self.refusing = True
        self.batches: list[list[int]] = []

    async def upsert(self, docs: Sequence[SearchDocument]) -> None:
        self.batches.append([doc.id for doc in docs])
        if self.refusing and any(POISON in doc.name for doc in docs):
            raise EngineError("Meilisearch task 7 failed: invalid_document_fields")
        await super().upsert(docs)


class Recorder:
    """A fake shared engine that notes which products each relay delivered, slowly enough to interleave."""

    name = "recorder"

    def __init__(self) -> None:
        self.delivered: list[int] = []

    async def ensure_settings(self) -> None:
        return None

    async def upsert(self, docs: Sequence[SearchDocument]) -> None:
        await asyncio.sleep(0.01)
        self.delivered += [doc.id for doc in docs]

    async def delete(self, ids: Sequence[int]) -> None:
        await asyncio.sleep(0.01)
        self.delivered += list(ids)

    async def close(self) -> None:
        return None


def use(rt: SearchRuntime, engine: object) -> None:
    rt.engine = engine  # type: ignore[assignment]
    rt.service.engine = engine  # type: ignore[assignment]


async def outbox_ids(db: DatabaseConfig, product_id: int) -> list[int]:
    async with db.session() as session:
        rows = await session.scalars(
            select(ProductOutbox.id).where(ProductOutbox.product_id == product_id).order_by(ProductOutbox.id)
        )
        return list(rows.all())


async def test_a_rebuild_delivers_a_change_committed_late_with_a_lower_id(
    runtime: SearchRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    if runtime.settings.is_sqlite:
        pytest.skip("SQLite commits one writer at a time, so outbox ids always commit in order")
    early = await data.make_product(runtime.db, stock=2, name="Kerupuk urutan awal")
    late = await data.make_product(runtime.db, stock=2, name="Kerupuk urutan akhir")
    await runtime.drain()
    real_all_documents = search_relay.all_documents

    async with runtime.db.session(write=True) as slow:
        product = await slow.get(Product, early.id)
        assert product is not None
        # The first sale writes its outbox row (the lower id) but commits only after the rebuild read the database.
        assert await catalog.reserve_many(slow, [product], {product.id: 2}, order_id=None) is None  # type: ignore[arg-type]
        assert await sell(runtime.db, late.id, 2)
        assert (await outbox_ids(runtime.db, late.id))[-1] > max(
            await slow.scalars(select(ProductOutbox.id).where(ProductOutbox.product_id == early.id))
        )

        async def all_documents_then_commit(
            session: object, batch_size: int = 2000
        ) -> AsyncIterator[list[SearchDocument]]:
            async for batch in real_all_documents(session, batch_size=batch_size):  # type: ignore[arg-type]
                yield batch
            await slow.commit()

        monkeypatch.setattr(search_relay, "all_documents", all_documents_then_commit)
        await runtime.reindex()
    monkeypatch.setattr(search_relay, "all_documents", real_all_documents)

    assert await runtime.pending() >= 1, "the late commit must still be waiting for delivery"
    await runtime.drain()
    for product_id in (early.id, late.id):
        doc = await indexed(runtime, product_id)
        assert doc is not None
        assert doc.in_stock is False, product_id


async def test_a_refused_change_is_parked_and_reported_while_the_rest_flow(
    runtime: SearchRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert runtime.engine is not None
    picky = Picky(runtime.engine)
    use(runtime, picky)
    monkeypatch.setattr(delivery, "BACKOFF_BASE", datetime.timedelta(0))
    async with runtime.db.session(write=True) as session:
        await delivery.retry_parked(session)  # nothing parked by earlier tests gets in the way
        await session.commit()
    good = [await data.make_product(runtime.db, stock=4, name=f"Lempeng pisang {i}") for i in range(5)]
    bad = await data.make_product(runtime.db, stock=4, name=f"Dodol {POISON} kedaluwarsa")

    await runtime.drain()
    for product in good:
        assert await indexed(runtime, product.id) is not None
    assert await indexed(runtime, bad.id) is None
    # Halving isolated the bad document: it went alone in the end.
    assert [bad.id] in picky.batches
    async with runtime.db.session() as session:
        report = await delivery.parked(session)
        assert await delivery.lag(session) < datetime.timedelta(minutes=1), "parked rows do not count as lag"
    assert report.count == 1
    assert report.latest[0].product_id == bad.id
    assert report.latest[0].attempts == delivery.MAX_ATTEMPTS
    assert "invalid_document_fields" in report.latest[0].last_error
    assert await runtime.pending() == 0

    # Later changes keep flowing past the parked one.
    after = await data.make_product(runtime.db, stock=1, name="Lempeng pisang sesudahnya")
    await runtime.drain()
    assert await indexed(runtime, after.id) is not None

    # Once the cause is fixed, the operator's retry (app.cli reindex) delivers it.
    picky.refusing = False
    assert await retry_parked(runtime.db) == 1
    await runtime.drain()
    assert await indexed(runtime, bad.id) is not None
    async with runtime.db.session() as session:
        assert (await delivery.parked(session)).count == 0


async def test_interleaved_late_commits_and_a_refused_one_during_a_rebuild(
    runtime: SearchRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both at once on PostgreSQL: two changes commit out of id order while a rebuild reads the catalogue (one
    between its batches, one after it), and the later of them is refused by the engine."""
    if runtime.settings.is_sqlite:
        pytest.skip("SQLite commits one writer at a time, so outbox ids always commit in order")
    assert runtime.engine is not None
    picky = Picky(runtime.engine)
    use(runtime, picky)
    monkeypatch.setattr(delivery, "BACKOFF_BASE", datetime.timedelta(0))
    async with runtime.db.session(write=True) as session:
        await delivery.retry_parked(session)
        await session.commit()
    early = await data.make_product(runtime.db, stock=2, name="Amplang urutan awal")
    renamed = await data.make_product(runtime.db, stock=2, name="Amplang biasa")
    late = await data.make_product(runtime.db, stock=3, name="Amplang urutan akhir")
    await runtime.drain()
    real_all_documents = search_relay.all_documents  # type: ignore[attr-defined]

    async with runtime.db.session(write=True) as first, runtime.db.session(write=True) as second:
        product = await first.get(Product, early.id)
        assert product is not None
        assert await catalog.reserve_many(first, [product], {product.id: 2}, order_id=None) is None  # type: ignore[arg-type]
        spoiled = await second.get(Product, renamed.id)
        assert spoiled is not None
        spoiled.name = f"Amplang {POISON} basi"
        await outbox.enqueue(second, [renamed.id])
        await second.flush()
        assert await sell(runtime.db, late.id, 3)  # committed first, with the highest outbox id

        async def all_documents_interleaved(
            session: object, batch_size: int = 2000
        ) -> AsyncIterator[list[SearchDocument]]:
            batches = 0
            async for batch in real_all_documents(session, batch_size=50):  # type: ignore[arg-type]
                yield batch
                batches += 1
                if batches == 1:
                    await first.commit()  # between two batches of the rebuild
            assert batches > 1, "the rebuild must read more than one batch to interleave"
            await second.commit()  # after the rebuild read everything

        monkeypatch.setattr(search_relay, "all_documents", all_documents_interleaved)
        await runtime.reindex()
    monkeypatch.setattr(search_relay, "all_documents", real_all_documents)

    await runtime.drain()
    for product_id in (early.id, late.id):
        doc = await indexed(runtime, product_id)
        assert doc is not None and doc.in_stock is False, product_id
    async with runtime.db.session() as session:
        report = await delivery.parked(session)
    # Rows delivered just before the rebuild are sent again after it (the clock margin), so a refused
    # product's earlier rows (this one's, or an earlier test's) may be parked beside the rename.
    parked_products = {row.product_id for row in report.latest}
    assert renamed.id in parked_products and not parked_products & {early.id, late.id}, report
    assert await runtime.pending() == 0
    after = await data.make_product(runtime.db, stock=1, name="Amplang sesudahnya")
    await runtime.drain()
    assert await indexed(runtime, after.id) is not None, "later changes flow past the parked one"
    picky.refusing = False
    assert await retry_parked(runtime.db) == report.count
    await runtime.drain()
    doc = await indexed(runtime, renamed.id)
    assert doc is not None and POISON in doc.name


async def test_two_relays_share_the_outbox_without_delivering_a_row_twice(runtime: SearchRuntime) -> None:
    await runtime.drain()
    async with runtime.db.session(write=True) as session:
        product_ids = list(
            (
                await session.scalars(
                    select(Product.id).where(Product.status == ProductStatus.ACTIVE).order_by(Product.id).limit(60)
                )
            ).all()
        )
        await outbox.enqueue(session, product_ids)
        await session.commit()
    relays = [SearchRuntime(runtime.settings, DatabaseConfig(runtime.settings)) for _ in range(2)]
    engines = [Recorder(), Recorder()]
    for relay, engine in zip(relays, engines, strict=True):
        use(relay, engine)

    async def run(relay: SearchRuntime) -> int:
        total = 0
        while delivered := await relay.drain_once(limit=5):
            total += delivered
        return total

    try:
        counts = await asyncio.gather(*(run(relay) for relay in relays))
    finally:
        for relay in relays:
            await relay.db.dispose()
    first, second = (set(engine.delivered) for engine in engines)
    assert all(counts), f"both relays must make progress: {counts}"
    assert not first & second, "a product was delivered by both relays"
    assert len(engines[0].delivered) == len(first) and len(engines[1].delivered) == len(second)
    assert set(product_ids) <= first | second
    assert await runtime.pending() == 0


async def test_claims_do_not_wait_for_each_other_on_postgres(runtime: SearchRuntime) -> None:
    if runtime.settings.is_sqlite:
        pytest.skip("SQLite queues writers by design (BEGIN IMMEDIATE); PostgreSQL claims skip locked rows")
    await runtime.drain()
    async with runtime.db.session(write=True) as session:
        await outbox.enqueue(session, range(900_001, 900_011))
        await session.commit()
    now = delivery.utcnow()
    async with runtime.db.session(write=True) as first:
        mine = await delivery.claim(first, "relay-a", now, 5)  # not committed: its rows stay locked
        async with runtime.db.session(write=True) as second:
            theirs = await asyncio.wait_for(delivery.claim(second, "relay-b", now, 10), timeout=5)
            await second.commit()
        await first.commit()
    assert len(mine) == 5
    assert len(theirs) == 5
    assert not {c.id for c in mine} & {c.id for c in theirs}
    await _forget(runtime.db, range(900_001, 900_011))


async def _forget(db: DatabaseConfig, product_ids: range) -> None:
    async with db.session(write=True) as session:
        await session.execute(
            update(ProductOutbox)
            .where(ProductOutbox.product_id.in_(list(product_ids)))
            .values(processed_at=delivery.utcnow())
        )
        await session.commit()


async def test_a_crashed_relays_lease_runs_out_and_another_relay_delivers(runtime: SearchRuntime) -> None:
    await runtime.drain()
    held = await data.make_product(runtime.db, stock=3, name="Amplang relay hidup")
    crashed = await data.make_product(runtime.db, stock=3, name="Amplang relay mati")
    now = delivery.utcnow()
    async with runtime.db.session(write=True) as session:
        # One relay holds a fresh lease; another claimed a row long ago and died.
        live = await delivery.claim(session, "relay-hidup", now, 1)
        assert [c.product_id for c in live] == [held.id]
        claimed = await delivery.claim(session, "relay-mati", now - 2 * delivery.LEASE, 1)
        assert [c.product_id for c in claimed] == [crashed.id]
        await session.commit()
    assert await runtime.drain() == 1
    assert await indexed(runtime, crashed.id) is not None
    assert await indexed(runtime, held.id) is None, "a live lease is left alone"
    async with runtime.db.session(write=True) as session:
        await session.execute(update(ProductOutbox).where(ProductOutbox.id == live[0].id).values(claimed_until=None))
        await session.commit()
    await runtime.drain()
    assert await indexed(runtime, held.id) is not None


async def test_processed_rows_older_than_a_week_are_deleted(runtime: SearchRuntime) -> None:
    now = delivery.utcnow()
    stamps = {"op": "upsert", "attempts": 0, "created_at": now, "updated_at": now}
    ages = {"old": now - datetime.timedelta(days=8), "recent": now - datetime.timedelta(days=6)}
    async with runtime.db.session(write=True) as session:
        ids = {
            label: await session.scalar(
                insert(ProductOutbox)
                .values(product_id=910_000 + i, processed_at=when, **stamps)
                .returning(ProductOutbox.id)
            )
            for i, (label, when) in enumerate(ages.items())
        }
        pending = await session.scalar(
            insert(ProductOutbox).values(product_id=910_009, **stamps).returning(ProductOutbox.id)
        )
        await session.commit()
    assert await runtime.purge() >= 1
    async with runtime.db.session() as session:
        left = set((await session.scalars(select(ProductOutbox.id).where(ProductOutbox.product_id >= 910_000))).all())
    assert ids["old"] not in left
    assert {ids["recent"], pending} <= left
    await _forget(runtime.db, range(910_000, 910_010))


async def test_the_shop_searches_the_database_when_the_index_lags(
    runtime: SearchRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    await runtime.drain()
    monkeypatch.setattr(search_services, "LAG_CHECK_SECONDS", 0.0)
    product = await data.make_product(runtime.db, stock=2, name="Wadai lapis tertinggal")
    query = SearchQuery(cooperative="lok-baintan", q="beras")
    async with runtime.db.session() as session:
        coop = await session.scalar(select(Cooperative).where(Cooperative.slug == "lok-baintan"))
        assert coop is not None
        assert (await runtime.service.search(session, coop, query)).result.engine != "database"
    # The relay has not delivered this change for ten minutes.
    stuck = delivery.utcnow() - datetime.timedelta(minutes=10)
    async with runtime.db.session(write=True) as session:
        await session.execute(
            update(ProductOutbox).where(ProductOutbox.product_id == product.id).values(created_at=stuck)
        )
        await session.commit()
        assert await delivery.lag(session) > search_services.MAX_LAG
        assert (await runtime.service.search(session, coop, query)).result.engine == "database"
    await runtime.drain()
    async with runtime.db.session() as session:
        assert (await runtime.service.search(session, coop, query)).result.engine != "database"


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_migration_0007_keeps_outbox_rows(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if backend == "postgres":
        cluster: PgCluster = request.getfixturevalue("pg_cluster")
        settings = Settings(database_url=cluster.create_database("pasardesa_migration_0007"), secret_key="x")
    else:
        settings = Settings(var_dir=tmp_path, secret_key="x")
    config = alembic_config(settings)
    command.upgrade(config, "0006_merge_features")
    row = (
        "INSERT INTO search_outbox (product_id, op, processed_at, attempts, last_error, created_at, updated_at)"
        " VALUES (5, 'upsert', NULL, 2, 'boom', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
    )
    _execute(settings, row)
    command.upgrade(config, "heads")
    found = _execute(
        settings, "SELECT product_id, attempts, last_error, claimed_by, claimed_until, failed_at FROM search_outbox"
    )
    assert found == [(5, 2, "boom", None, None, None)]


def _execute(settings: Settings, statement: str) -> list[tuple[object, ...]]:
    async def run() -> list[tuple[object, ...]]:
        engine = create_async_engine(settings.database_url)
        try:
            async with engine.begin() as conn:
                result = await conn.execute(text(statement))
                return [tuple(r) for r in result.all()] if result.returns_rows else []
        finally:
            await engine.dispose()

    return asyncio.run(run())
