"""Staff of one cooperative get 403/404 for every board, list, export and action of another, and change nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from catalog.models import StockLedgerEntry, StockReceipt, Stocktake, StockThreshold
from orders.models import CashReconciliation, Courier, DeliveryRun
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
    ("POST", "/staf/pesanan/{p}/status", {"to": "out_for_delivery"}),
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
        models = (StockLedgerEntry, StockReceipt, Stocktake, StockThreshold, CashReconciliation, Courier, DeliveryRun)
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
