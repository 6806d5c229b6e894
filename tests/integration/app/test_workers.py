"""Several app workers on one database and one index directory: one writes, all answer the same."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest

from app.db import DatabaseConfig
from tests.conftest import _prepare, make_settings, server_env
from tests.support import data
from tests.support.postgres import PgCluster
from tests.support.server import LiveServer, start_server


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def two_workers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, DatabaseConfig]]:
    tmp = tmp_path_factory.mktemp(f"workers-{request.param}")
    if request.param == "postgres":
        cluster: PgCluster = request.getfixturevalue("pg_cluster")
        settings = make_settings(tmp, cluster.create_database("pasardesa_workers"))
    else:
        settings = make_settings(tmp)
    _prepare(settings)  # migrations run once, before the workers start
    server = start_server(server_env(settings), workers=2, log_dir=tmp)
    yield server, DatabaseConfig(settings)
    server.stop()


async def test_two_workers_never_oversell(two_workers: tuple[LiveServer, DatabaseConfig]) -> None:
    server, db = two_workers
    product = await data.make_product(db, stock=10)
    async with httpx.AsyncClient(base_url=server.url, timeout=60, limits=httpx.Limits(max_connections=40)) as client:
        responses = await asyncio.gather(
            *[
                client.post("/api/cooperatives/lok-baintan/orders", json=data.order_body(product.id, 1))
                for _ in range(40)
            ]
        )
    codes = [r.status_code for r in responses]
    assert codes.count(201) == 10, codes
    assert codes.count(409) == 30, codes
    assert await data.stock_of(db, product.id) == 0


async def test_every_worker_finds_a_new_product(two_workers: tuple[LiveServer, DatabaseConfig]) -> None:
    server, db = two_workers
    product = await data.make_product(db, stock=4, name="Sasirangan pekerja ganda")
    deadline = time.monotonic() + 30
    streak = 0
    misses: list[dict[str, object]] = []
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        # New connections land on either worker; require many answers in a row that all find it.
        while time.monotonic() < deadline and streak < 20:
            response = await client.get(
                "/api/cooperatives/lok-baintan/search",
                params={"q": "sasirangan pekerja ganda"},
                headers={"Connection": "close"},
            )
            body = response.json()
            found = any(hit["id"] == product.id for hit in body["hits"]) and body["engine"] == "embedded"
            streak = streak + 1 if found else 0
            if not found:
                misses.append({"engine": body.get("engine"), "hits": [hit["id"] for hit in body["hits"]][:5]})
                await asyncio.sleep(0.2)
    assert streak >= 20, f"{len(misses)} answers missed it, the last: {misses[-3:]}\n{server.log()[-3000:]}"
    log = server.log()
    assert "Traceback" not in log, log[-3000:]
