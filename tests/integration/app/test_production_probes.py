"""Probes and figures for operators: /healthz, /readyz, /metrics (summed over workers), JSON logs."""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from app.db import DatabaseConfig
from app.settings import Settings
from tests.conftest import Stack
from tests.support import data
from tests.support.installation import env_for, installation
from tests.support.server import start_server


async def test_healthz_and_readyz(http: httpx.AsyncClient) -> None:
    alive = await http.get("/healthz")
    assert alive.status_code == 200 and alive.json() == {"status": "ok"}
    ready = await http.get("/readyz")
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["status"] == "ready" and body["database"] == "ok" and body["migrations"] == "current"
    assert set(body["outbox"]) == {"pending", "retrying", "lag_seconds"}
    assert body["search"]["engine"] == "embedded" and "index_ready" in body["search"]
    assert body["media"] == "ok"


async def test_metrics_name_routes_by_template_and_read_business_figures(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    product = await data.make_product(stack.db, stock=2)
    created = await http.post("/api/cooperatives/lok-baintan/orders", json=data.order_body(product.id))
    assert created.status_code == 201
    await http.get(f"/api/orders/{created.json()['number']}", params={"token": created.json()["token"]})
    scraped = await http.get("/metrics")
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    figures = scraped.text
    by_template = r'pasardesa_http_requests_total\{method="GET",route="/api/orders/\{number[^"]*\}",status="200"\}'
    assert re.search(by_template, figures)
    assert created.json()["number"] not in figures  # never a raw path
    assert re.search(r'pasardesa_http_request_duration_seconds_bucket\{.*method="POST"', figures)
    placed = re.search(r'pasardesa_orders\{status="placed"\} (\d+)', figures)
    assert placed and int(placed.group(1)) >= 1
    assert "pasardesa_search_outbox_pending" in figures and "pasardesa_search_outbox_lag_seconds" in figures


@pytest.fixture(params=["sqlite"])
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return installation(request, tmp_path / "site", request.param, "pasardesa_probes")


async def test_counts_are_summed_over_workers_and_logs_can_be_json(site: Settings, tmp_path: Path) -> None:
    env = env_for(site, SECRET_KEY=secrets.token_hex(32), LOG_FORMAT="json")
    server = start_server(env, workers=2, log_dir=tmp_path)
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
            await asyncio.gather(*[client.get("/api/cooperatives", headers={"Connection": "close"}) for _ in range(30)])
            # Whichever worker answers the scrape, it reports every worker's requests.
            for _ in range(4):
                scraped = (await client.get("/metrics", headers={"Connection": "close"})).text
                pattern = r'requests_total\{method="GET",route="/api/cooperatives",status="200"\} ([\d.]+)'
                count = re.search(pattern, scraped)
                assert count and float(count.group(1)) >= 30, scraped[:2000]
            await client.get("/api/orders/PD-X-1")
    finally:
        server.stop()
    lines = [line for line in server.log().splitlines() if line.startswith("{")]
    assert lines, server.log()[-2000:]
    assert all(isinstance(json.loads(line), dict) for line in lines)


async def test_readyz_says_not_ready_when_migrations_are_behind(site: Settings, tmp_path: Path) -> None:
    db = DatabaseConfig(site)
    try:
        async with db.session(write=True) as session:
            await session.execute(text("UPDATE alembic_version SET version_num = '0005_producers'"))
            await session.commit()
    finally:
        await db.dispose()
    server = start_server(env_for(site, SECRET_KEY=secrets.token_hex(32)), log_dir=tmp_path)
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
            assert (await client.get("/healthz")).status_code == 200
            ready = await client.get("/readyz")
    finally:
        server.stop()
    assert ready.status_code == 503
    assert ready.json()["migrations"] == "behind" and ready.json()["status"] == "not_ready"
