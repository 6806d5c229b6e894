"""Where money changes hands (packing slips, run sheets), an unpaid transfer or QRIS order says so."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import Stack
from tests.support import data
from tests.support.staff import send_out, staff


def _block(html: str, start: str, end: str) -> str:
    part = html[html.index(start) :]
    return part[: part.index(end)]


@pytest.mark.parametrize("method", ["transfer", "qris"])
async def test_unpaid_transfer_and_qris_orders_say_belum_dibayar(
    stack: Stack, http: httpx.AsyncClient, method: str
) -> None:
    product = await data.make_product(stack.db, stock=10, price=12_500)
    await data.ensure_zone(stack.db, "lok-baintan", "Dusun Bayar")
    body = data.order_body(product.id, 2, payment_method=method, fulfilment="delivery")
    body["address"] = {"dusun": "Dusun Bayar", "rt": "001", "landmark": ""}
    placed = await http.post("/api/cooperatives/lok-baintan/orders", json=body)
    assert placed.status_code == 201, placed.text
    number = placed.json()["number"]
    async with staff(stack) as s:
        await s.post("/staf/lok-baintan/pesanan/aksi", {"aksi": "confirm", "pilih": [number]})
        slips = await s.get("/staf/lok-baintan/slip", params={"pilih": number})
        slip = _block(slips.text, f'id="slip-{number}"', "</article>")
        assert "SUDAH LUNAS" not in slip
        assert "BELUM DIBAYAR" in slip
        await s.post("/staf/lok-baintan/pesanan/aksi", {"aksi": "pack", "pilih": [number]})
    await send_out(stack, [number])
    async with staff(stack) as s:
        board = await s.get("/staf/lok-baintan/pesanan", params={"q": number})
        run = re.search(r'href="/staf/lok-baintan/antar/(\d+)"', board.text)
        assert run, "the board links the order's run sheet"
        sheet = await s.get(f"/staf/lok-baintan/antar/{run.group(1)}")
        stop = _block(sheet.text, f'id="stop-{number}"', "</li>")
        assert "Sudah lunas" not in stop
        assert "BELUM DIBAYAR" in stop
        # The courier is told what to check before handing over, not just offered "Terkirim".
        assert re.search(r">Terkirim</button>", stop) is None
