"""Login throttling counted in the database: shared by every worker, keyed on the real client address."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.db import DatabaseConfig
from app.ratelimit import hit, purge_expired
from app.settings import Settings
from tests.support.installation import RESIDENT_PHONE, away_from_minute_boundary, env_for, installation
from tests.support.server import LiveServer, start_server

LIMIT = 5


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    tmp = tmp_path_factory.mktemp(f"limits-{request.param}")
    return installation(request, tmp, request.param, "pasardesa_limits")


@pytest.fixture
def two_workers(site: Settings, tmp_path: Path) -> Iterator[LiveServer]:
    env = env_for(site, SECRET_KEY=secrets.token_hex(32), LOGIN_RATE_LIMIT=str(LIMIT))
    server = start_server(env, workers=2, log_dir=tmp_path)
    yield server
    server.stop()


async def _attempt(url: str, forwarded_for: str | None = None) -> int:
    # A new connection each time, so the attempts land on either worker.
    headers = {"Connection": "close"} | ({"X-Forwarded-For": forwarded_for} if forwarded_for else {})
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        response = await client.post(
            "/api/auth/login", json={"phone": RESIDENT_PHONE, "password": "salah-sandi"}, headers=headers
        )
        return response.status_code


async def _clear(site: Settings) -> None:
    db = DatabaseConfig(site)
    try:
        await purge_expired(db, now=10**12)
    finally:
        await db.dispose()


async def test_workers_share_the_limit_and_a_forged_header_does_not_reset_it(
    site: Settings, two_workers: LiveServer
) -> None:
    await _clear(site)
    away_from_minute_boundary()
    codes = [await _attempt(two_workers.url, forwarded_for=f"198.51.100.{n}") for n in range(LIMIT + 4)]
    assert codes == [422] * LIMIT + [429] * 4, (codes, two_workers.log()[-4000:])


async def test_behind_a_trusted_proxy_each_client_has_its_own_count(site: Settings, tmp_path: Path) -> None:
    await _clear(site)
    away_from_minute_boundary()
    env = env_for(site, SECRET_KEY=secrets.token_hex(32), LOGIN_RATE_LIMIT=str(LIMIT), TRUSTED_PROXIES="127.0.0.1")
    server = start_server(env, log_dir=tmp_path)
    try:
        first = [await _attempt(server.url, "203.0.113.7") for _ in range(LIMIT + 1)]
        assert first == [422] * LIMIT + [429]
        # The left part of the header is the client's own claim: it does not open a new count.
        assert await _attempt(server.url, "192.0.2.55, 203.0.113.7") == 429
        assert await _attempt(server.url, "203.0.113.8") == 422
    finally:
        server.stop()


async def test_one_conditional_upsert_counts_exactly_under_concurrency(site: Settings) -> None:
    db = DatabaseConfig(site)
    key = f"test:{secrets.token_hex(4)}"

    async def one() -> bool:
        async with db.session(write=True) as session:
            allowed = await hit(session, key, 10, 3600, now=7200)
            await session.commit()
        return allowed

    try:
        results = await asyncio.gather(*[one() for _ in range(25)])
        assert results.count(True) == 10
        async with db.session(write=True) as session:
            # A new window starts the count again.
            assert await hit(session, key, 10, 3600, now=10800)
            await session.commit()
        assert await purge_expired(db, now=10800 + 3601) >= 1
    finally:
        await db.dispose()
