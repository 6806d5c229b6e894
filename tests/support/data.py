"""Test data helpers: fresh products with known stock, logged-in clients, CSRF tokens."""

from __future__ import annotations

import itertools
import re

import httpx
from sqlalchemy import func, select

from app.db import DatabaseConfig
from app.models import Cooperative
from catalog.models import Category, LedgerReason, Product, StockLedgerEntry
from orders.models import Order
from search import outbox

_counter = itertools.count(1)


async def cooperative(db: DatabaseConfig, slug: str) -> Cooperative:
    async with db.session() as session:
        coop = await session.scalar(select(Cooperative).where(Cooperative.slug == slug))
        assert coop is not None
        return coop


async def make_product(
    db: DatabaseConfig,
    slug: str = "lok-baintan",
    *,
    stock: int = 10,
    price: int = 12_000,
    producer_price: int = 10_000,
    max_qty: int | None = None,
    name: str | None = None,
) -> Product:
    """A product nobody else touches, so a test can reason about its exact stock."""
    async with db.session(write=True) as session:
        coop = await session.scalar(select(Cooperative).where(Cooperative.slug == slug))
        category = await session.scalar(select(Category).order_by(Category.position))
        assert coop is not None and category is not None
        product = Product(
            cooperative_id=coop.id,
            producer_id=None,
            category_id=category.id,
            name=name or f"Produk uji {next(_counter)}",
            unit="bungkus",
            producer_price=producer_price,
            retail_price=price,
            stock=stock,
            max_qty_per_order=max_qty,
            search_aliases=[],
        )
        session.add(product)
        await session.flush()
        session.add(
            StockLedgerEntry(product_id=product.id, cooperative_id=coop.id, delta=stock, reason=LedgerReason.INITIAL)
        )
        await outbox.enqueue(session, [product.id])
        await session.commit()
        return product


async def stock_of(db: DatabaseConfig, product_id: int) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(Product.stock).where(Product.id == product_id)) or 0)


async def ledger_sum(db: DatabaseConfig, product_id: int) -> int:
    async with db.session() as session:
        return int(
            await session.scalar(
                select(func.coalesce(func.sum(StockLedgerEntry.delta), 0)).where(
                    StockLedgerEntry.product_id == product_id
                )
            )
            or 0
        )


async def order_count(db: DatabaseConfig, cooperative_id: int | None = None) -> int:
    async with db.session() as session:
        query = select(func.count()).select_from(Order)
        if cooperative_id is not None:
            query = query.where(Order.cooperative_id == cooperative_id)
        return int(await session.scalar(query) or 0)


async def csrf_token(client: httpx.AsyncClient, path: str = "/masuk") -> str:
    """Load a page so the CSRF cookie is set, and return the token a form would carry."""
    response = await client.get(path)
    token = client.cookies.get("csrftoken")
    if token is None:
        match = re.search(r'name="_csrf_token" value="([^"]+)"', response.text)
        assert match, "no CSRF token on the page"
        token = match.group(1)
    return token


async def login(client: httpx.AsyncClient, phone: str, password: str) -> httpx.Response:
    token = await csrf_token(client)
    return await client.post("/masuk", data={"phone": phone, "password": password, "_csrf_token": token})


def order_body(product_id: int, quantity: int = 1, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "customer": {"name": "Ibu Rahmah", "phone": "0812-3456-7890"},
        "fulfilment": "pickup",
        "payment_method": "cash",
        "lines": [{"product_id": product_id, "quantity": quantity}],
    }
    body.update(overrides)
    return body
