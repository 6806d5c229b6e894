"""Staff of one cooperative get 403/404 for every board, list, export and action of another, and change nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import func, select

from app.models import Cooperative, Membership, Role, User
from catalog.models import Product, StockLedgerEntry, StockReceipt, Stocktake, StockThreshold
from orders.models import CashReconciliation, Courier, DeliveryRun, DeliveryZone
from tests.conftest import Stack
from tests.support import data
from tests.support.staff import order_state, place, staff


@dataclass(frozen=True)
class Foreign:
    """Objects of cooperative B (tabanio), attacked by staff of A (lok-baintan)."""

    number: str
    packed: str
    run_id: int
    courier_id: int
    product_id: int
    stock: int


_made: dict[str, Foreign] = {}


async def foreign(stack: Stack) -> Foreign:
    if stack.backend in _made:
        return _made[stack.backend]
    product = await data.make_product(stack.db, "tabanio", stock=30)
    async with stack.client() as http:
        out = await place(http, [(product.id, 2)], slug="tabanio")
        packed = await place(http, [(product.id, 1)], slug="tabanio")
    async with staff(stack, "tabanio") as b:
        for action in ("confirm", "pack"):
            await b.post("/staf/tabanio/pesanan/aksi", {"aksi": action, "pilih": [out["number"], packed["number"]]})
        await b.post("/staf/tabanio/kurir", {"name": "Kurir Tabanio"})
        page = await b.get("/staf/tabanio/antar")
        ref = re.search(r'value="(kurir:\d+)">Kurir Tabanio<', page.text)
        assert ref
        assigned = await b.post("/staf/tabanio/antar", {"kurir": ref.group(1), "pilih": out["number"]})
        run_id = int(assigned.headers["location"].rsplit("/", 1)[1])
    _made[stack.backend] = Foreign(
        number=out["number"],
        packed=packed["number"],
        run_id=run_id,
        courier_id=int(ref.group(1).split(":")[1]),
        product_id=product.id,
        stock=30 - 3,
    )
    return _made[stack.backend]


B = "/staf/tabanio"
A = "/staf/lok-baintan"
# (method, path, form): {n} B's order out for delivery, {p} B's packed order, {r} run, {c} courier, {x} product.
ROUTES: list[tuple[str, str, dict[str, object]]] = [
    ("GET", B, {}),
    ("GET", B + "/pesanan", {}),
    ("GET", B + "/pesanan?q={n}", {}),
    ("GET", B + "/ambil", {}),
    ("GET", B + "/ambil.csv", {}),
    ("GET", A + "/ambil?pilih={n}", {}),
    ("GET", A + "/ambil.csv?pilih={n}", {}),
    ("GET", B + "/slip", {}),
    ("GET", A + "/slip?pilih={n}", {}),
    ("GET", B + "/antar", {}),
    ("GET", B + "/antar/{r}", {}),
    ("GET", A + "/antar/{r}", {}),
    ("GET", B + "/setoran", {}),
    ("GET", B + "/stok", {}),
    ("GET", B + "/stok/opname", {}),
    ("GET", B + "/stok/terima", {}),
    ("GET", A + "/stok/terima?produk={x}", {}),
    ("GET", B + "/stok/{x}", {}),
    ("GET", A + "/stok/{x}", {}),
    ("GET", B + "/ekspor", {}),
    ("GET", B + "/ekspor/pesanan.csv", {}),
    ("GET", B + "/ekspor/penjualan-produk.csv", {}),
    ("GET", B + "/ekspor/penjualan-produsen.csv", {}),
    ("GET", B + "/ekspor/buku-stok.csv", {}),
    ("GET", B + "/produk", {}),
    ("GET", B + "/produk/{x}", {}),
    ("GET", A + "/produk/{x}", {}),
    ("GET", B + "/pengaturan", {}),
    ("POST", B + "/pesanan/{p}/pembayaran", {"status": "paid", "method": "cash"}),
    ("POST", A + "/pesanan/{p}/pembayaran", {"status": "paid", "method": "cash"}),
    ("POST", B + "/produk/{x}", {"retail_price": "1"}),
    ("POST", A + "/produk/{x}", {"retail_price": "1"}),
    ("POST", B + "/pengaturan/antar", {"name": "Dusun Penyusup", "fee": "0"}),
    ("POST", B + "/pengaturan/rekening", {"bank_name": "BRI", "account_number": "123456789", "account_name": "X"}),
    ("POST", B + "/pesanan/{p}/langkah", {"to": "cancelled"}),
    ("POST", A + "/pesanan/{p}/langkah", {"to": "cancelled"}),
    ("POST", B + "/pesanan/aksi", {"aksi": "assign", "kurir": "kurir:{c}", "pilih": "{p}"}),
    ("POST", A + "/pesanan/aksi", {"aksi": "pack", "pilih": "{p}"}),
    ("POST", A + "/pesanan/aksi", {"aksi": "ambil", "pilih": "{p}"}),
    ("POST", B + "/antar", {"kurir": "kurir:{c}", "pilih": "{p}"}),
    ("POST", A + "/antar", {"kurir": "kurir:{c}", "pilih": "{p}"}),
    ("POST", B + "/kurir", {"name": "Penyusup"}),
    ("POST", B + "/antar/{r}/{n}/terkirim", {"tunai": "1"}),
    ("POST", A + "/antar/{r}/{n}/terkirim", {"tunai": "1"}),
    ("POST", B + "/antar/{r}/{n}/tunai", {}),
    ("POST", A + "/antar/{r}/{n}/tunai", {}),
    ("POST", B + "/setoran", {"kurir": "{c}", "tanggal": "2026-01-01", "received": "0"}),
    ("POST", A + "/setoran", {"kurir": "{c}", "tanggal": "2026-01-01", "received": "0"}),
    ("POST", B + "/stok/opname", {"count-{x}": "0"}),
    ("POST", A + "/stok/opname", {"count-{x}": "0"}),
    ("POST", B + "/stok/terima", {"qty-{x}": "5"}),
    ("POST", A + "/stok/terima", {"qty-{x}": "5"}),
    ("POST", B + "/stok/{x}/sesuaikan", {"kind": "hilang", "quantity": "1"}),
    ("POST", A + "/stok/{x}/sesuaikan", {"kind": "hilang", "quantity": "1"}),
    ("POST", B + "/stok/{x}/batas", {"threshold": "99"}),
    ("POST", A + "/stok/{x}/batas", {"threshold": "99"}),
]


def _fill(text: str, f: Foreign) -> str:
    return text.format(n=f.number, p=f.packed, r=f.run_id, c=f.courier_id, x=f.product_id)


async def _counts(stack: Stack) -> tuple[int, ...]:
    async with stack.db.session() as session:
        counts = []
        models = (
            StockLedgerEntry,
            StockReceipt,
            Stocktake,
            StockThreshold,
            CashReconciliation,
            Courier,
            DeliveryRun,
            DeliveryZone,
        )
        for model in models:
            counts.append(int(await session.scalar(select(func.count()).select_from(model)) or 0))
        return tuple(counts)


@pytest.mark.parametrize(("method", "path", "form"), ROUTES, ids=[f"{m} {p} {sorted(f)}" for m, p, f in ROUTES])
async def test_staff_of_another_cooperative_get_403_or_404_and_change_nothing(
    stack: Stack, method: str, path: str, form: dict[str, object]
) -> None:
    f = await foreign(stack)
    before = await _counts(stack)
    url = _fill(path, f)
    async with staff(stack, "lok-baintan") as a:
        if method == "GET":
            response = await a.get(url)
        else:
            response = await a.post(url, {_fill(k, f): _fill(str(v), f) for k, v in form.items()})
    assert response.status_code in (403, 404), (url, response.status_code, response.text[:300])
    assert f.number not in response.text and f.packed not in response.text
    assert "Tabanio" not in response.text
    assert await order_state(stack.db, f.number) == ("out_for_delivery", "unpaid")
    assert await order_state(stack.db, f.packed) == ("packed", "unpaid")
    assert await data.stock_of(stack.db, f.product_id) == f.stock
    assert await _counts(stack) == before


async def test_the_owner_can_use_the_same_routes(stack: Stack) -> None:
    """The refusals above are about the cooperative, not broken routes: B's own staff get 200s."""
    f = await foreign(stack)
    async with staff(stack, "tabanio") as b:
        for method, path, _form in ROUTES:
            if method == "GET" and path.startswith(B):
                response = await b.get(_fill(path, f))
                assert response.status_code == 200, (path, response.text[:300])


# --- one person, staff of two cooperatives ---------------------------------------------------------------------


async def _staff_of(stack: Stack, *slugs: str) -> httpx.AsyncClient:
    """A new resident made staff of each cooperative in `slugs`."""
    client = await data.resident(stack.url, stack.db)
    async with stack.db.session(write=True) as session:
        user_id = await session.scalar(select(User.id).order_by(User.id.desc()).limit(1))
        cooperatives = (await session.scalars(select(Cooperative).where(Cooperative.slug.in_(slugs)))).all()
        session.add_all(Membership(user_id=user_id, cooperative_id=c.id, role=Role.PENGURUS) for c in cooperatives)
        await session.commit()
    return client


async def _cooperative_row(stack: Stack, slug: str) -> Cooperative:
    async with stack.db.session() as session:
        row = await session.scalar(select(Cooperative).where(Cooperative.slug == slug))
        assert row is not None
        return row


async def test_staff_of_two_cooperatives_reach_prices_settings_and_board_of_both(stack: Stack) -> None:
    """`/staf/produk` and `/staf/pengaturan` used to open only the first cooperative of such a person."""
    lok_product = await data.make_product(stack.db, "lok-baintan", stock=5, price=10_000)
    tabanio_product = await data.make_product(stack.db, "tabanio", stock=5, price=10_000)
    lok_before = await _cooperative_row(stack, "lok-baintan")
    client = await _staff_of(stack, "lok-baintan", "tabanio")
    try:
        for old in ("/staf", "/staf/produk", "/staf/pengaturan"):
            chooser = await client.get(old)
            assert chooser.status_code == 200, old
            section = old.removeprefix("/staf").removeprefix("/")
            for slug in ("lok-baintan", "tabanio"):
                assert f'href="/staf/{slug}/{section}' in chooser.text, (old, slug)
        for slug in ("lok-baintan", "tabanio"):
            for page in ("", "/pesanan", "/produk", "/pengaturan"):
                response = await client.get(f"/staf/{slug}{page}")
                assert response.status_code == 200, (slug, page, response.text[:300])
                assert f'href="/staf/{slug}/produk"' in response.text, "the one staff menu names the cooperative"
        token = await data.csrf_token(client, "/staf/tabanio/pengaturan")
        # A price typed the Indonesian way is a price here too, as on the review page.
        saved = await client.post(
            f"/staf/tabanio/produk/{tabanio_product.id}", data={"_csrf_token": token, "retail_price": "15.000"}
        )
        assert saved.status_code == 303 and saved.headers["location"] == f"/staf/tabanio/produk/{tabanio_product.id}"
        crossed = await client.post(
            f"/staf/tabanio/produk/{lok_product.id}", data={"_csrf_token": token, "retail_price": "15000"}
        )
        assert crossed.status_code == 404
        bank = {"bank_name": "Bank Kalsel", "account_number": "0011223344", "account_name": "Koperasi Tabanio"}
        saved = await client.post("/staf/tabanio/pengaturan/rekening", data={"_csrf_token": token, **bank})
        assert saved.status_code == 303 and saved.headers["location"] == "/staf/tabanio/pengaturan#rekening"
        zone = {"name": f"Dusun Dua Koperasi {stack.backend}", "fee": "2.500"}
        saved = await client.post("/staf/tabanio/pengaturan/antar", data={"_csrf_token": token, **zone})
        assert saved.status_code == 303
    finally:
        await client.aclose()
    async with stack.db.session() as session:
        prices = dict(
            (
                await session.execute(
                    select(Product.id, Product.retail_price).where(Product.id.in_([lok_product.id, tabanio_product.id]))
                )
            ).all()
        )
        zones = (
            await session.execute(
                select(DeliveryZone.cooperative_id, DeliveryZone.fee).where(DeliveryZone.name == zone["name"])
            )
        ).all()
    assert prices == {lok_product.id: 10_000, tabanio_product.id: 15_000}
    tabanio, lok = await _cooperative_row(stack, "tabanio"), await _cooperative_row(stack, "lok-baintan")
    assert (tabanio.bank_name, tabanio.bank_account_number) == ("Bank Kalsel", "0011223344")
    assert (lok.bank_name, lok.bank_account_number) == (lok_before.bank_name, lok_before.bank_account_number)
    assert [(cid, fee) for cid, fee in zones] == [(tabanio.id, 2_500)]
