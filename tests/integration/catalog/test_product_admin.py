"""Staff add products (the cooperative's own goods, or a producer's) on /staf/{slug}/produk/baru and by the API."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import func, select

from catalog.models import LedgerReason, Product, StockLedgerEntry
from producers.models import Producer
from tests.conftest import Stack
from tests.support import data

# A cooperative the other suites do not search in, so the products added here change none of their results.
SLUG = "telaga-bidadari"


def _unique(name: str) -> str:
    return f"{name} {uuid.uuid4().hex[:6]}"


async def _post_form(client: httpx.AsyncClient, slug: str, **fields: str) -> httpx.Response:
    token = await data.csrf_token(client, f"/staf/{slug}/produk/baru")
    return await client.post(f"/staf/{slug}/produk/baru", data={"_csrf_token": token, **fields})


async def _product_count(stack: Stack) -> int:
    async with stack.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Product)) or 0)


async def _by_name(stack: Stack, name: str) -> Product:
    async with stack.db.session() as session:
        product = await session.scalar(select(Product).where(Product.name == name))
        assert product is not None
        return product


async def _ledger(stack: Stack, product_id: int) -> list[tuple[str, int, int | None]]:
    async with stack.db.session() as session:
        rows = await session.execute(
            select(StockLedgerEntry.reason, StockLedgerEntry.delta, StockLedgerEntry.user_id).where(
                StockLedgerEntry.product_id == product_id
            )
        )
        return [(r, d, u) for r, d, u in rows.all()]


async def _producer_of(stack: Stack, slug: str) -> Producer:
    coop = await data.cooperative(stack.db, slug)
    async with stack.db.session() as session:
        producer = await session.scalar(select(Producer).where(Producer.cooperative_id == coop.id).limit(1))
        assert producer is not None
        return producer


async def test_staff_add_the_cooperatives_own_goods_and_they_sell_at_once(stack: Stack) -> None:
    name = _unique("Isi ulang LPG 3 kg")
    staff = await data.staff(stack.url, "telaga-bidadari")
    try:
        page = await staff.get("/staf/telaga-bidadari/produk/baru")
        assert page.status_code == 200 and 'name="category"' in page.text and "Sembako" in page.text
        created = await _post_form(
            staff,
            "telaga-bidadari",
            name=name,
            category="sembako",
            unit="tabung",
            price="18.000",
            stock="40",
            producer_price="16.000",
            members_only="1",
            requires_nik="1",
            max_qty_per_order="2",
            quota_qty="4",
            quota_period="month",
        )
        assert created.status_code == 303, created.text
        product = await _by_name(stack, name)
        assert created.headers["location"] == f"/staf/telaga-bidadari/produk/{product.id}"
        assert (product.producer_id, product.retail_price, product.producer_price, product.stock) == (
            None,
            18_000,
            16_000,
            40,
        )
        # Recognised from its name: LPG 3 kg is under the Kalimantan Selatan HET per tabung.
        assert (product.ceiling_commodity, product.ceiling_units_milli) == ("lpg-3kg", 1000)
        assert (product.members_only, product.requires_nik, product.max_qty_per_order) == (True, True, 2)
        assert (product.quota_qty, product.quota_period) == (4, "month")
        [(reason, delta, user_id)] = await _ledger(stack, product.id)
        assert (reason, delta) == (LedgerReason.INITIAL, 40) and user_id is not None
        shown = await staff.get(created.headers["location"])
        assert "ditambahkan dan sudah tampil di toko" in shown.text

        async with stack.client() as visitor:
            detail = (await visitor.get(f"/api/products/{product.id}")).json()
            assert (detail["price"], detail["het"], detail["members_only"]) == (18_000, 18_500, True)
            await data.wait_until_findable(visitor, "telaga-bidadari", name.split()[-1], product.id)
    finally:
        await staff.aclose()


async def test_a_bad_form_shows_every_error_and_writes_nothing(stack: Stack) -> None:
    staff = await data.staff(stack.url, "telaga-bidadari")
    try:
        before = await _product_count(stack)
        refused = await _post_form(
            staff,
            "telaga-bidadari",
            name="",
            category="Perkakas Dapur",
            unit="",
            price="15,50",
            stock="lima",
            quota_qty="3",
        )
        assert refused.status_code == 422
        for message in (
            "Nama produk wajib diisi.",
            "Pilih kategori: Sembako",
            "Satuan wajib diisi.",
            "Harga jual ditulis dalam rupiah tanpa sen",
            "Stok awal harus angka bulat",
            "Pilih periode kuota",
        ):
            assert message in refused.text, message
        assert 'id="err-name"' in refused.text and 'value="lima"' in refused.text  # the form keeps what was typed
        # A price above the HET: the same words as the price page (/staf/{slug}/produk/{id}).
        above = await _post_form(
            staff, SLUG, name=_unique("Minyakita 2 liter"), category="Sembako", unit="pouch", price="32.000"
        )
        assert above.status_code == 422
        assert "melebihi HET (harga eceran tertinggi) Rp31.400 (Permendag 18/2024" in above.text
        taken = await _post_form(
            staff, SLUG, name=(await _by_name_any(stack)).upper(), category="Sembako", unit="kg", price="1000"
        )
        assert taken.status_code == 422 and "sudah ada di koperasi ini" in taken.text
        assert await _product_count(stack) == before
    finally:
        await staff.aclose()


async def _by_name_any(stack: Stack) -> str:
    coop = await data.cooperative(stack.db, "telaga-bidadari")
    async with stack.db.session() as session:
        name = await session.scalar(select(Product.name).where(Product.cooperative_id == coop.id).limit(1))
        assert name is not None
        return str(name)


async def test_the_api_adds_a_producers_product(stack: Stack) -> None:
    producer = await _producer_of(stack, "telaga-bidadari")
    name = _unique("Amplang Haruan")
    staff = await data.staff(stack.url, "telaga-bidadari")
    try:
        body: dict[str, Any] = {
            "name": name,
            "category": "Makanan Olahan",
            "unit": "bungkus",
            "price": 20000,
            "stock": 12,
            "producer_id": producer.id,
            "producer_price": 16000,
        }
        created = await staff.post("/api/cooperatives/telaga-bidadari/products", json=body)
        assert created.status_code == 201, created.text
        out = created.json()
        assert out == {
            "id": out["id"],
            "name": name,
            "category": "Makanan Olahan",
            "unit": "bungkus",
            "price": 20000,
            "stock": 12,
            "producer_id": producer.id,
            "producer_price": 16000,
        }
        assert [(r, d) for r, d, _ in await _ledger(stack, out["id"])] == [(LedgerReason.INITIAL, 12)]

        again = await staff.post("/api/cooperatives/telaga-bidadari/products", json=body)
        assert again.status_code == 422 and "name" in again.json()["errors"]
        missing_cost = await staff.post(
            "/api/cooperatives/telaga-bidadari/products", json={**body, "name": _unique("X"), "producer_price": None}
        )
        assert missing_cost.status_code == 422
        assert missing_cost.json()["errors"] == {"producer_price": "Harga produsen wajib diisi."}
        bad = await staff.post("/api/cooperatives/telaga-bidadari/products", json={"name": "", "price": "abc"})
        assert bad.status_code == 422
        assert {"name", "category", "unit", "price"} <= set(bad.json()["errors"])
    finally:
        await staff.aclose()


async def test_another_cooperatives_producer_is_not_found_and_nothing_is_written(stack: Stack) -> None:
    theirs = await _producer_of(stack, "lok-baintan")
    staff = await data.staff(stack.url, "telaga-bidadari")
    try:
        before = await _product_count(stack)
        body = {"name": _unique("Titipan"), "category": "Sembako", "unit": "kg", "price": 10000, "stock": 1}
        refused = await staff.post(
            "/api/cooperatives/telaga-bidadari/products", json={**body, "producer_id": theirs.id, "producer_price": 1}
        )
        assert refused.status_code == 404 and refused.json()["detail"] == "Produsen tidak ditemukan di koperasi ini."
        assert await _product_count(stack) == before
    finally:
        await staff.aclose()


async def test_only_staff_of_this_cooperative_may_add_products(stack: Stack) -> None:
    body = {"name": _unique("Beras"), "category": "Sembako", "unit": "kg", "price": 10000, "stock": 1}
    before = await _product_count(stack)
    async with stack.client() as visitor:
        assert (await visitor.post("/api/cooperatives/telaga-bidadari/products", json=body)).status_code == 401
        page = await visitor.get("/staf/telaga-bidadari/produk/baru")
        assert page.status_code == 303 and page.headers["location"].startswith("/masuk?lanjut=")
    other_staff = await data.staff(stack.url, "lok-baintan")
    resident = await data.resident(stack.url, stack.db, member_of="telaga-bidadari")
    try:
        for client in (other_staff, resident):
            assert (await client.post("/api/cooperatives/telaga-bidadari/products", json=body)).status_code == 403
            assert (await client.get("/staf/telaga-bidadari/produk/baru")).status_code == 403
    finally:
        await other_staff.aclose()
        await resident.aclose()
    assert await _product_count(stack) == before
