"""With the search engine unreachable the shop degrades to a database search and keeps selling."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from app.db import DatabaseConfig
from catalog.outbox import ProductOutbox
from tests.conftest import _prepare, make_settings, server_env
from tests.support import data
from tests.support.postgres import free_port
from tests.support.server import LiveServer, start_server


@pytest.fixture(scope="module")
def unreachable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, DatabaseConfig]]:
    tmp: Path = tmp_path_factory.mktemp("meili-down")
    settings = make_settings(tmp)
    _prepare(settings)
    # A Meilisearch URL where nothing listens: every call is refused.
    env = {**server_env(settings), "MEILI_URL": f"http://127.0.0.1:{free_port()}", "MEILI_API_KEY": "kunci"}
    server = start_server(env, log_dir=tmp)
    yield server, DatabaseConfig(settings)
    server.stop()


async def test_shop_says_simple_search_and_checkout_still_works(
    unreachable: tuple[LiveServer, DatabaseConfig],
) -> None:
    server, db = unreachable
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        page = await client.get("/k/lok-baintan", params={"q": "minyak"})
        assert page.status_code == 200
        assert "Pencarian sederhana" in page.text
        assert "Minyak" in page.text
        api = (await client.get("/api/cooperatives/lok-baintan/search", params={"q": "beras"})).json()
        assert api["engine"] == "database"
        assert api["total"] > 0
        assert {hit["cooperative"] for hit in api["hits"]} == {"lok-baintan"}
        product = await data.make_product(db, stock=3)
        order = await client.post("/api/cooperatives/lok-baintan/orders", json=data.order_body(product.id, 1))
        assert order.status_code == 201
    assert await data.stock_of(db, product.id) == 2

    # The outbox keeps the changes, with the failed attempts recorded, until the engine is back.
    deadline = time.monotonic() + 20
    attempts = 0
    while time.monotonic() < deadline and not attempts:
        async with db.session() as session:
            attempts = int(
                await session.scalar(
                    select(func.coalesce(func.max(ProductOutbox.attempts), 0)).where(
                        ProductOutbox.product_id == product.id
                    )
                )
                or 0
            )
        await asyncio.sleep(0.3)
    async with db.session() as session:
        pending = await session.scalar(
            select(func.count())
            .select_from(ProductOutbox)
            .where(ProductOutbox.product_id == product.id, ProductOutbox.processed_at.is_(None))
        )
    assert pending and pending >= 1
    assert attempts >= 1
