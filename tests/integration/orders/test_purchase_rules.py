"""Subsidy rules at checkout, over HTTP: members only, NIK required, per-member quotas, in plain Indonesian."""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import httpx

from app.text import tanggal
from tests.conftest import Stack
from tests.support import data

ORDERS = "/api/cooperatives/lok-baintan/orders"


def next_month_start() -> str:
    today = datetime.datetime.now(ZoneInfo("Asia/Makassar")).date()
    return tanggal((today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1))


async def test_guest_cannot_buy_a_members_only_item(stack: Stack, http: httpx.AsyncClient) -> None:
    lpg = await data.make_product(stack.db, stock=10, members_only=True, requires_nik=True, name="LPG uji guest")
    response = await http.post(ORDERS, json=data.order_body(lpg.id))
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"] == {
        f"product:{lpg.id}": "LPG uji guest hanya dijual kepada anggota KDMP Lok Baintan. "
        "Masuk dengan akun anggota, atau daftar lalu ajukan keanggotaan."
    }
    assert await data.stock_of(stack.db, lpg.id) == 10

    # The cart says the same before checkout, with a way to fix it.
    token = await data.csrf_token(http, f"/k/lok-baintan/produk/{lpg.id}")
    await http.post("/k/lok-baintan/keranjang", data={"product_id": str(lpg.id), "quantity": "1", "_csrf_token": token})
    cart = await http.get("/k/lok-baintan/keranjang")
    assert "hanya dijual kepada anggota" in cart.text
    assert 'href="/masuk?lanjut=/k/lok-baintan/keranjang"' in cart.text
    assert "Lanjut ke pemesanan" not in cart.text


async def test_signed_in_non_member_is_told_to_join(stack: Stack) -> None:
    lpg = await data.make_product(stack.db, stock=10, members_only=True, name="LPG uji bukan anggota")
    client = await data.resident(stack.url, stack.db)
    try:
        response = await client.post(ORDERS, json=data.order_body(lpg.id))
        assert response.status_code == 422
        assert "Ajukan keanggotaan dulu" in response.json()["detail"]
        # A member of another cooperative is not a member here.
        other = await data.resident(stack.url, stack.db, member_of="tabanio", nik=True)
        refused = await other.post(ORDERS, json=data.order_body(lpg.id))
        assert refused.status_code == 422
        await other.aclose()
    finally:
        await client.aclose()


async def test_member_without_nik_is_told_to_add_it(stack: Stack) -> None:
    lpg = await data.make_product(stack.db, stock=10, members_only=True, requires_nik=True, name="LPG uji NIK")
    member = await data.resident(stack.url, stack.db, member_of="lok-baintan")
    try:
        response = await member.post(ORDERS, json=data.order_body(lpg.id))
        assert response.status_code == 422
        assert response.json()["detail"] == (
            "LPG uji NIK wajib NIK. Tambahkan NIK Anda (16 angka, sesuai KTP) di profil, lalu pesan lagi."
        )
        token = await data.csrf_token(member, f"/k/lok-baintan/produk/{lpg.id}")
        await member.post(
            "/k/lok-baintan/keranjang", data={"product_id": str(lpg.id), "quantity": "1", "_csrf_token": token}
        )
        cart = await member.get("/k/lok-baintan/keranjang")
        assert 'href="/akun/profil?lanjut=/k/lok-baintan/keranjang">Isi NIK di profil</a>' in cart.text

        saved = await data.set_nik(member, data.new_nik())
        assert saved.status_code == 303
        ordered = await member.post(ORDERS, json=data.order_body(lpg.id))
        assert ordered.status_code == 201, ordered.text
    finally:
        await member.aclose()


async def test_member_at_the_quota_may_buy_and_over_it_is_told_when_it_resets(stack: Stack) -> None:
    lpg = await data.make_product(
        stack.db, stock=50, members_only=True, requires_nik=True, quota=(3, "month"), name="LPG uji kuota"
    )
    member = await data.resident(stack.url, stack.db, member_of="lok-baintan", nik=True)
    try:
        first = await member.post(ORDERS, json=data.order_body(lpg.id, 2))
        assert first.status_code == 201, first.text
        too_many = await member.post(ORDERS, json=data.order_body(lpg.id, 2))
        assert too_many.status_code == 422
        assert too_many.json()["detail"] == (
            "Kuota LPG uji kuota Anda bulan ini tinggal 1 bungkus (sudah 2 dari 3). Kurangi jumlahnya menjadi 1. "
            f"Kuota baru mulai {next_month_start()}."
        )
        exactly = await member.post(ORDERS, json=data.order_body(lpg.id, 1))
        assert exactly.status_code == 201, "buying up to exactly the quota is allowed"
        over = await member.post(ORDERS, json=data.order_body(lpg.id, 1))
        assert over.status_code == 422
        assert over.json()["detail"] == (
            f"Kuota LPG uji kuota Anda bulan ini sudah habis: sudah 3 dari 3 bungkus. "
            f"Kuota baru mulai {next_month_start()}."
        )
        # A cancelled order gives its units back to the quota.
        cancelled = await member.post(f"/api/orders/{exactly.json()['number']}/cancel", json={})
        assert cancelled.status_code == 200
        again = await member.post(ORDERS, json=data.order_body(lpg.id, 1))
        assert again.status_code == 201
        assert await data.stock_of(stack.db, lpg.id) == 50 - 3
    finally:
        await member.aclose()


async def test_quota_is_per_member(stack: Stack) -> None:
    rice = await data.make_product(stack.db, stock=50, quota=(1, "day"), name="Beras uji kuota harian")
    one = await data.resident(stack.url, stack.db)
    two = await data.resident(stack.url, stack.db)
    try:
        assert (await one.post(ORDERS, json=data.order_body(rice.id))).status_code == 201
        assert (await one.post(ORDERS, json=data.order_body(rice.id))).status_code == 422
        assert (await two.post(ORDERS, json=data.order_body(rice.id))).status_code == 201
        async with stack.client() as guest:
            refused = await guest.post(ORDERS, json=data.order_body(rice.id))
        assert refused.status_code == 422
        assert "Masuk dulu supaya kuota Anda bisa dihitung" in refused.json()["detail"]
    finally:
        await one.aclose()
        await two.aclose()


async def test_demo_lpg_is_members_only_with_nik_and_ceiling(http: httpx.AsyncClient) -> None:
    items = (await http.get("/api/cooperatives/lok-baintan/products", params={"q": "LPG"})).json()["items"]
    lpg = next(i for i in items if i["name"].startswith("LPG 3 kg"))
    detail = (await http.get(f"/api/products/{lpg['id']}")).json()
    assert (detail["members_only"], detail["requires_nik"], detail["max_qty_per_order"]) == (True, True, 1)
    assert (detail["quota_qty"], detail["quota_period"]) == (15, "month")
    assert detail["het"] == 18_500 and "188.44/0385/KUM/2022" in detail["het_basis"]
    page = await http.get(f"/k/lok-baintan/produk/{lpg['id']}")
    assert "Khusus anggota koperasi" in page.text and "Wajib NIK" in page.text
    assert re.search(r"HET \(harga eceran tertinggi\): <strong>Rp18\.500</strong>", page.text)
