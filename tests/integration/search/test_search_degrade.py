"""With the search engine unreachable the shop degrades to a database search and keeps selling."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

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

    # The outbox keeps the changes, with the failure recorded, until the engine is back. An outage is
    # not the change's fault: it uses up none of its attempts, so nothing is parked.
    deadline = time.monotonic() + 20
    rows: list[tuple[int, str | None, object]] = []
    while time.monotonic() < deadline and not any(error for _, error, _ in rows):
        async with db.session() as session:
            found = await session.execute(
                select(ProductOutbox.attempts, ProductOutbox.last_error, ProductOutbox.failed_at).where(
                    ProductOutbox.product_id == product.id, ProductOutbox.processed_at.is_(None)
                )
            )
            rows = [tuple(row) for row in found.all()]  # type: ignore[misc]
        await asyncio.sleep(0.3)
    assert rows, "the change must still be waiting in the outbox"
    assert any(error for _, error, _ in rows), "the failed delivery must be recorded"
    assert all(attempts == 0 and failed_at is None for attempts, _, failed_at in rows)
