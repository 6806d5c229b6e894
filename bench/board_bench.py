"""The staff order board with 500 open orders: how long the server takes to answer, on SQLite and PostgreSQL.

Seeds a fresh database through the real checkout and state-machine services, serves the app with uvicorn,
logs in as staff and times board requests over loopback (so the numbers are server time plus a
fraction of a millisecond). Writes bench/results/board.json. Nothing here is asserted in tests.
"""

from __future__ import annotations

import asyncio
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from app.auth import load_current_user
from app.db import DatabaseConfig
from app.models import Cooperative, User
from app.settings import Settings
from catalog.models import Category, LedgerReason, Product, StockLedgerEntry
from orders import services
from orders.schemas import AddressIn, CustomerIn, LineIn, OrderCreate
from tests.conftest import DEMO_PASSWORD, _prepare, make_settings, server_env
from tests.support import data
from tests.support.postgres import find_bindir, start_cluster
from tests.support.server import start_server

RESULTS = Path(__file__).resolve().parent / "results" / "board.json"
OPEN_ORDERS = 500
# How the 500 spread over the board's columns on a busy morning.
SPREAD = {"placed": 200, "confirmed": 150, "packed": 100, "ready_for_pickup": 25, "out_for_delivery": 25}
PATHS = {
    "board (default, 60 per column)": "/staf/lok-baintan/pesanan",
    "board, all 200 placed shown": "/staf/lok-baintan/pesanan?status=placed&semua=1",
    "board filtered by dusun": "/staf/lok-baintan/pesanan?dusun=Dusun+II",
    "board htmx refresh (fragment)": "/staf/lok-baintan/pesanan",
}
ROUNDS = 40
# The demo cooperative's delivery zones: checkout accepts only those.
DUSUNS = ["Dusun I", "Dusun II", "Dusun III", "Seberang sungai (jukung)"]


async def seed(settings: Settings) -> None:
    db = DatabaseConfig(settings)
    try:
        async with db.session(write=True) as session:
            coop = await session.scalar(select(Cooperative).where(Cooperative.slug == "lok-baintan"))
            category = await session.scalar(select(Category).order_by(Category.id))
            staff_id = await session.scalar(select(User.id).where(User.phone == "+6281200000101"))
            assert coop and category and staff_id
            products = []
            for i in range(20):
                product = Product(
                    cooperative_id=coop.id,
                    category_id=category.id,
                    name=f"Barang bangku uji {i}",
                    unit="bungkus",
                    producer_price=8_000,
                    retail_price=10_000 + i * 500,
                    stock=10_000,
                    search_aliases=[],
                )
                session.add(product)
                products.append(product)
            await session.flush()
            for p in products:
                session.add(
                    StockLedgerEntry(
                        product_id=p.id, cooperative_id=coop.id, delta=p.stock, reason=LedgerReason.INITIAL
                    )
                )
            await session.commit()
            product_ids = [p.id for p in products]
        n = 0
        for target, count in SPREAD.items():
            for _ in range(count):
                n += 1
                async with db.session(write=True) as session:
                    coop = await session.scalar(select(Cooperative).where(Cooperative.slug == "lok-baintan"))
                    staff = await load_current_user(session, staff_id)
                    assert coop and staff
                    delivery = target != "ready_for_pickup" and (target == "out_for_delivery" or n % 3 != 0)
                    address = AddressIn(dusun=DUSUNS[n % len(DUSUNS)], rt=f"{n % 12 + 1:03d}", landmark="dekat langgar")
                    request = OrderCreate(
                        customer=CustomerIn(name=f"Pembeli {n}", phone=f"0813{n:08d}"),
                        fulfilment="delivery" if delivery else "pickup",
                        address=address if delivery else None,
                        lines=[LineIn(product_ids[(n + k) % len(product_ids)], 1 + k) for k in range(1 + n % 4)],
                    )
                    order, _ = await services.place_order(session, coop, request)
                    path = ["confirmed", "packed", "out_for_delivery" if delivery else "ready_for_pickup"]
                    steps = {"placed": 0, "confirmed": 1, "packed": 2}.get(target, 3)
                    for status in path[:steps]:
                        # The board sends orders out on a courier run; the bench only needs them in that state.
                        await services.transition(session, order, status, staff, role="staff", courier_run=True)
                    await session.commit()
    finally:
        await db.dispose()


async def measure(url: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        response = await data.login(client, "081200000101", DEMO_PASSWORD)
        assert response.status_code == 303
        results: dict[str, Any] = {}
        for label, path in PATHS.items():
            headers = {"HX-Request": "true"} if "htmx" in label else {}
            for _ in range(3):
                await client.get(path, headers=headers)
            timings = []
            size = wire = 0
            for _ in range(ROUNDS):
                start = time.perf_counter()
                response = await client.get(path, headers={**headers, "Accept-Encoding": "gzip"})
                timings.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, response.text[:300]
                size, wire = len(response.content), response.num_bytes_downloaded
            timings.sort()
            results[label] = {
                "median_ms": round(statistics.median(timings), 1),
                "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 1),
                "max_ms": round(timings[-1], 1),
                "html_kb": round(size / 1024, 1),
                "gzip_kb": round(wire / 1024, 1),
            }
        return results


def run_backend(backend: str) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix=f"board-bench-{backend}-"))
    cluster = None
    if backend == "postgres":
        cluster = start_cluster()
        settings = make_settings(tmp, cluster.create_database("board_bench"))
    else:
        settings = make_settings(tmp)
    try:
        _prepare(settings)
        asyncio.run(seed(settings))
        server = start_server(server_env(settings), log_dir=tmp)
        try:
            return asyncio.run(measure(server.url))
        finally:
            server.stop()
    finally:
        if cluster:
            cluster.stop()


def main() -> None:
    report: dict[str, Any] = {
        "what": f"GET of the staff board with {OPEN_ORDERS} open orders {SPREAD}, {ROUNDS} rounds each, "
        "one uvicorn worker, timed at the client over loopback",
        "budget_ms": 300,
        "machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}",
        "results": {},
    }
    backends = ["sqlite"] + (["postgres"] if find_bindir() else [])
    for backend in backends:
        report["results"][backend] = run_backend(backend)
        print(backend, json.dumps(report["results"][backend], indent=1), flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written {RESULTS}")


if __name__ == "__main__":
    main()
