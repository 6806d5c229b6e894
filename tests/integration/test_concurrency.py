"""No oversell: 2×S concurrent single-unit orders for stock S make exactly S orders."""

from __future__ import annotations

import asyncio

from tests.conftest import Stack
from tests.support import data

STOCK = 10


async def test_concurrent_orders_never_oversell(stack: Stack) -> None:
    product = await data.make_product(stack.db, stock=STOCK)
    coop = await data.cooperative(stack.db, "lok-baintan")
    before = await data.order_count(stack.db, coop.id)
    limits = {"max_connections": 2 * STOCK, "max_keepalive_connections": 2 * STOCK}
    import httpx

    async with stack.client(limits=httpx.Limits(**limits)) as client:
        responses = await asyncio.gather(
            *[
                client.post("/api/cooperatives/lok-baintan/orders", json=data.order_body(product.id, 1))
                for _ in range(2 * STOCK)
            ]
        )
    codes = sorted(r.status_code for r in responses)
    assert codes.count(201) == STOCK, codes
    assert codes.count(409) == STOCK, codes
    assert await data.stock_of(stack.db, product.id) == 0
    assert await data.order_count(stack.db, coop.id) == before + STOCK
    assert await data.ledger_sum(stack.db, product.id) == 0


async def test_two_hundred_buyers_ten_units(stack: Stack) -> None:
    product = await data.make_product(stack.db, stock=10)
    import httpx

    async with stack.client(limits=httpx.Limits(max_connections=50)) as client:
        responses = await asyncio.gather(
            *[
                client.post("/api/cooperatives/lok-baintan/orders", json=data.order_body(product.id, 1))
                for _ in range(200)
            ]
        )
    codes = [r.status_code for r in responses]
    assert codes.count(201) == 10
    assert codes.count(409) == 190
    assert await data.stock_of(stack.db, product.id) == 0
