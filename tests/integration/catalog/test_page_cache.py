"""Anonymous storefront pages are kept per catalog version: never stale, never another shop's, never a cart."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from sqlalchemy import update

from app.db import DatabaseConfig
from app.models import Cooperative
from app.settings import Settings
from catalog import outbox, page_cache
from tests.conftest import Stack
from tests.support import data

TOKEN = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def _save_price(stack: Stack, product_id: int, price: str) -> None:
    staff = await data.staff(stack.url)
    try:
        token = await data.csrf_token(staff, f"/staf/lok-baintan/produk/{product_id}")
        saved = await staff.post(
            f"/staf/lok-baintan/produk/{product_id}", data={"_csrf_token": token, "retail_price": price}
        )
        assert saved.status_code == 303, saved.text[:300]
    finally:
        await staff.aclose()


async def test_a_price_change_shows_on_the_next_page_and_search_answer(stack: Stack) -> None:
    name = "Kerupuk amplang cache"
    product = await data.make_product(stack.db, name=name, price=17_500, stock=20)
    async with stack.client() as client:
        await data.wait_until_findable(client, "lok-baintan", name, product.id)
        shop, detail = f"/k/lok-baintan?q={name}", f"/k/lok-baintan/produk/{product.id}"
        search = f"/api/cooperatives/lok-baintan/search?q={name}"
        for _ in range(2):  # the second answer comes from the cache
            assert "Rp17.500" in (await client.get(shop)).text
            assert "Rp17.500" in (await client.get(detail)).text
        assert (await client.get(search)).json()["hits"][0]["price"] == 17_500
        await _save_price(stack, product.id, "16.900")
        assert "Rp16.900" in (await client.get(shop)).text
        assert "Rp17.500" not in (await client.get(shop)).text
        page = (await client.get(detail)).text
        assert "Rp16.900" in page and "Rp17.500" not in page
        # The API answers from the index, which learns the change from the outbox.
        deadline = time.monotonic() + 30  # the relay's pace on a busy machine, not a speed check
        while time.monotonic() < deadline:
            hits = (await client.get(search)).json()["hits"]
            if hits and hits[0]["price"] == 16_900:
                break
            await asyncio.sleep(0.2)
        assert hits[0]["price"] == 16_900


async def test_a_kept_page_is_never_another_cooperatives(stack: Stack) -> None:
    async with stack.client() as client:
        for _ in range(2):
            lok = (await client.get("/k/lok-baintan?urut=termurah")).text
            telaga = (await client.get("/k/telaga-bidadari?urut=termurah")).text
            assert "/k/telaga-bidadari/produk/" not in lok and "/k/lok-baintan/produk/" not in telaga
            assert "/k/lok-baintan/produk/" in lok and "/k/telaga-bidadari/produk/" in telaga
            fragment = await client.get("/k/telaga-bidadari?urut=termurah", headers={"HX-Request": "true"})
            assert "<html" not in fragment.text and "/k/lok-baintan/" not in fragment.text
        product_id = re.search(r"/k/lok-baintan/produk/(\d+)", lok).group(1)  # type: ignore[union-attr]
        assert (await client.get(f"/k/lok-baintan/produk/{product_id}")).status_code == 200
        assert (await client.get(f"/k/telaga-bidadari/produk/{product_id}")).status_code == 404


async def test_one_buyers_cart_and_token_never_reach_another(stack: Stack) -> None:
    product = await data.make_product(stack.db, stock=5)
    async with stack.client() as buyer, stack.client() as other:
        token = await data.csrf_token(buyer, "/k/lok-baintan")
        added = await buyer.post(
            "/k/lok-baintan/keranjang", data={"product_id": str(product.id), "quantity": "2", "_csrf_token": token}
        )
        assert added.status_code in (200, 303)
        for path in ("/k/lok-baintan", f"/k/lok-baintan/produk/{product.id}"):
            mine = await buyer.get(path)
            theirs = await other.get(path)
            again = await other.get(path)
            assert re.search(r'<span class="badge">[12]</span>', mine.text)
            assert '<span class="badge">0</span>' in theirs.text and '<span class="badge">0</span>' in again.text
            assert "pd_session" not in theirs.headers.get("set-cookie", "")
            # Each reader's forms carry their own CSRF token, the one their cookie holds.
            their_token = other.cookies.get("csrftoken")
            assert their_token and set(TOKEN.findall(again.text)) == {their_token}
            assert token not in theirs.text and token not in again.text


async def test_a_change_committed_by_another_process_shows_on_the_next_page(stack: Stack) -> None:
    """The version is read fresh on every request, whichever process (or machine) committed the change."""
    async with stack.client() as client:
        before = (await client.get("/k/lok-baintan")).text
        assert (await client.get("/k/lok-baintan")).text == before  # kept
        async with stack.db.session(write=True) as session:
            old = await session.scalar(
                update(Cooperative).where(Cooperative.slug == "lok-baintan")
                .values(short_name=Cooperative.short_name + " Baru").returning(Cooperative.short_name)
            )
            await session.commit()
        try:
            assert old is not None and old in (await client.get("/k/lok-baintan")).text
        finally:
            async with stack.db.session(write=True) as session:
                await session.execute(
                    update(Cooperative).where(Cooperative.slug == "lok-baintan")
                    .values(short_name=old.removesuffix(" Baru") if old else Cooperative.short_name)
                )
                await session.commit()


async def test_the_fast_version_read_matches_the_engines_and_sees_a_change(quiet_settings: Settings) -> None:
    """Kept pages read the catalog version past the engine (SQLite's own reader, asyncpg's own pool)."""
    db = DatabaseConfig(quiet_settings)
    try:
        if quiet_settings.is_sqlite:
            path = quiet_settings.sqlite_file
            assert path is not None

            async def fast() -> tuple[Any, ...] | None:
                return page_cache._sqlite_version_row(str(path), "lok-baintan")
        else:
            dsn = page_cache._asyncpg_dsn(quiet_settings.database_url)
            assert dsn is not None

            async def fast() -> tuple[Any, ...] | None:
                return await page_cache._asyncpg_version_row(dsn, "lok-baintan")

        before, engine_row = await fast(), await page_cache._server_version_row(db.engine, "lok-baintan")
        assert before is not None and engine_row is not None
        assert before[0] == engine_row[0] and len(before) == len(engine_row)
        assert await fast() == before
        async with db.session(write=True) as session:
            await outbox.enqueue(session, [1])
            await session.commit()
        assert await fast() != before
    finally:
        await db.dispose()


def test_urls_with_connection_options_keep_to_the_engine() -> None:
    assert page_cache._asyncpg_dsn("postgresql+asyncpg://u:p@db:5432/pasar") == "postgresql://u:p@db:5432/pasar"
    assert page_cache._asyncpg_dsn("postgresql+asyncpg://u:p@db/pasar?ssl=require") is None
    assert str(Settings(database_url="sqlite+aiosqlite:///var/pasar.sqlite3").sqlite_file) == "var/pasar.sqlite3"
    assert Settings(database_url="sqlite+aiosqlite:///:memory:").sqlite_file is None
