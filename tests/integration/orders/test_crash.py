"""`kill -9` of the app during 16-way concurrent checkout: every order answered 201 is there after a restart,
and every product's stock still equals the sum of its ledger."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import httpx
from sqlalchemy import select

from orders.models import Order
from tests.conftest import Stack, server_env
from tests.support import data
from tests.support.server import LiveServer, start_server

BUYERS = 16
ROUNDS = 3  # rounds of 16 concurrent checkouts; the server is killed during the second
KILL_IN_ROUND = 1
KILL_AFTER = 3  # answers seen in that round before the SIGKILL, so the rest are still in flight


async def _round(
    url: str, products: list[int], server: LiveServer | None, answered: list[str], turn: itertools.count[int]
) -> int:
    """16 buyers at once; with `server`, SIGKILL it once KILL_AFTER of them were answered.

    Returns how many requests the kill cut off."""
    seen = 0
    killed = False
    cut = 0
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=httpx.Limits(max_connections=BUYERS)) as client:

        async def buy() -> httpx.Response | BaseException:
            product = products[next(turn) % len(products)]
            try:
                return await client.post(
                    "/api/cooperatives/lok-baintan/orders", json=data.order_body(product, 1 + next(turn) % 2)
                )
            except httpx.HTTPError as error:  # the server died under this request
                return error

        for outcome in asyncio.as_completed([buy() for _ in range(BUYERS)]):
            response = await outcome
            seen += 1
            if isinstance(response, httpx.Response) and response.status_code == 201:
                answered.append(response.json()["number"])
            elif isinstance(response, httpx.Response):
                assert response.status_code == 409, response.text  # sold out, never a 500
            else:
                cut += 1
            if server is not None and not killed and seen >= KILL_AFTER:
                server.process.kill()  # SIGKILL: no shutdown, no flush, requests cut mid-way
                server.process.wait()
                killed = True
    return cut


async def test_acknowledged_orders_survive_a_kill_during_concurrent_checkout(stack: Stack, tmp_path: Path) -> None:
    products = [(await data.make_product(stack.db, stock=40)).id for _ in range(3)]
    # A second server on the stack's database and files (its search index only read, never rebuilt).
    env = server_env(stack.settings) | {"SEARCH_RELAY": "0"}
    answered: list[str] = []
    turn = itertools.count()
    server = start_server(env, log_dir=tmp_path)
    try:
        for number in range(ROUNDS):
            victim = server if number == KILL_IN_ROUND else None
            cut = await _round(server.url, products, victim, answered, turn)
            if victim is not None:
                assert server.process.returncode == -9 and cut > 0, "killed with checkouts in flight"
                server = start_server(env, log_dir=tmp_path)
    finally:
        server.stop()
    assert len(answered) >= BUYERS, "most checkouts before and after the crash were answered"

    async with stack.db.session() as session:
        found = set((await session.scalars(select(Order.number).where(Order.number.in_(answered)))).all())
    assert found == set(answered), f"{len(set(answered) - found)} acknowledged orders lost"
    for product_id in products:
        assert await data.stock_of(stack.db, product_id) == await data.ledger_sum(stack.db, product_id), product_id
