"""Loads a synthetic catalog (N products over M cooperatives, Indonesian names) for benchmarks."""

from __future__ import annotations

import datetime
import random

from sqlalchemy import insert, select

from app.db import DatabaseConfig
from app.models import Cooperative
from catalog.models import Category, LedgerReason, Product, ProductStatus, StockLedgerEntry
from catalog.outbox import ProductOutbox
from producers.models import Producer
from search.synthetic import cooperative_slugs, generate_documents

SLUG_PREFIX = "sintetis-"
BATCH = 5000


async def load_synthetic_catalog(db: DatabaseConfig, *, products: int, cooperatives: int, seed: int = 1) -> str:
    """Insert cooperatives, producers and products in bulk; every product gets a ledger and outbox row."""
    rng = random.Random(seed)
    slugs = [SLUG_PREFIX + s for s in cooperative_slugs(cooperatives)]
    now = datetime.datetime.now(datetime.UTC)
    stamps = {"created_at": now, "updated_at": now}
    async with db.session(write=True) as session:
        existing = set((await session.scalars(select(Cooperative.slug).where(Cooperative.slug.in_(slugs)))).all())
        if existing:
            return f"Katalog sintetis sudah ada ({len(existing)} koperasi); tidak dimuat ulang."
        coop_ids: dict[str, int] = {}
        for index, slug in enumerate(slugs):
            village = slug.removeprefix(SLUG_PREFIX).replace("-", " ").title()
            coop = Cooperative(
                slug=slug,
                name=f"Koperasi Desa Merah Putih {village} (sintetis)",
                short_name=f"KDMP {village}",
                order_prefix=f"S{index % 100:02d}",
                desa=village,
                kecamatan="Sintetis",
                kabupaten="Sintetis",
                provinsi="Kalimantan Selatan",
                whatsapp=f"62812000{index:05d}",
                is_demo=True,
            )
            session.add(coop)
            await session.flush()
            coop_ids[slug] = coop.id
        categories = {c.name: c.id for c in (await session.scalars(select(Category))).all()}
        producer_ids: dict[tuple[str, str], int] = {}
        pending: list[dict[str, object]] = []
        count = 0
        for doc in generate_documents(products, slugs, seed=seed):
            if doc.category not in categories:
                category = Category(
                    slug=doc.category.lower().replace(" & ", "-").replace(" ", "-"),
                    name=doc.category,
                    position=len(categories),
                )
                session.add(category)
                await session.flush()
                categories[doc.category] = category.id
            key = (doc.cooperative, doc.producer)
            if key not in producer_ids:
                producer = Producer(
                    cooperative_id=coop_ids[doc.cooperative],
                    slug=f"p{len(producer_ids) + 1}",
                    business_name=doc.producer,
                )
                session.add(producer)
                await session.flush()
                producer_ids[key] = producer.id
            retail = doc.price
            pending.append(
                {
                    "cooperative_id": coop_ids[doc.cooperative],
                    "producer_id": producer_ids[key],
                    "category_id": categories[doc.category],
                    "name": doc.name,
                    "description": doc.description,
                    "unit": doc.unit,
                    "producer_price": retail * rng.randint(80, 92) // 100,
                    "retail_price": retail,
                    "stock": rng.randint(0, 200) if doc.in_stock else 0,
                    "status": ProductStatus.ACTIVE,
                    "search_aliases": doc.aliases,
                    "popularity": doc.popularity,
                    **stamps,
                }
            )
            if len(pending) >= BATCH:
                count += await _flush(session, pending, stamps)
        count += await _flush(session, pending, stamps)
        await session.commit()
    return f"Katalog sintetis dimuat: {count} produk di {len(slugs)} koperasi."


async def _flush(session: object, rows: list[dict[str, object]], stamps: dict[str, datetime.datetime]) -> int:
    from sqlalchemy.ext.asyncio import AsyncSession

    assert isinstance(session, AsyncSession)
    if not rows:
        return 0
    result = await session.execute(insert(Product).returning(Product.id, Product.cooperative_id, Product.stock), rows)
    created = result.all()
    await session.execute(
        insert(StockLedgerEntry),
        [
            {"product_id": pid, "cooperative_id": cid, "delta": stock, "reason": LedgerReason.INITIAL, **stamps}
            for pid, cid, stock in created
        ],
    )
    await session.execute(
        insert(ProductOutbox), [{"product_id": pid, "op": "upsert", "attempts": 0, **stamps} for pid, _, _ in created]
    )
    rows.clear()
    return len(created)
