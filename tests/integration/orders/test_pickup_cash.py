"""A cash pickup closes paid: "Selesaikan" takes the money through the one payment path; the board offers "Lunas"."""

from __future__ import annotations

import re

import httpx

from tests.conftest import Stack
from tests.support import data
from tests.support.staff import order_state, place, staff

HX = {"HX-Request": "true"}


def _card(html: str, number: str) -> str:
    part = html[html.index(f'id="o-{number}"') :]
    return part[: part.index("</li>")]


async def test_completing_a_cash_pickup_records_the_cash(stack: Stack, http: httpx.AsyncClient) -> None:
    product = await data.make_product(stack.db, stock=10, price=8_000)
    counter = await place(http, [(product.id, 2)], delivery=False)
    early = await place(http, [(product.id, 1)], delivery=False)
    number = counter["number"]
    async with staff(stack) as s:
        for action in ("confirm", "pack"):
            await s.post("/staf/lok-baintan/pesanan/aksi", {"aksi": action, "pilih": [number]})
        await s.post(f"/staf/lok-baintan/pesanan/{number}/langkah", {"to": "ready_for_pickup"})
        board = await s.get("/staf/lok-baintan/pesanan", params={"q": number})
        assert "Selesaikan &amp; terima Rp16.000" in _card(board.text, number)
        done = await s.post(f"/staf/lok-baintan/pesanan/{number}/langkah", {"to": "completed"}, headers=HX)
        assert done.status_code == 200
        assert await order_state(stack.db, number) == ("completed", "paid")
        payments = await data.payments_of(stack.db, number)
        assert [(p.kind, p.method, p.amount) for p in payments] == [("paid", "cash", 16_000)]

        # An order still being prepared can be marked paid from the board, and the board comes back.
        board = await s.get("/staf/lok-baintan/pesanan", params={"q": early["number"]})
        card = _card(board.text, early["number"])
        assert re.search(r">Lunas Rp8\.000</button>", card)
        paid = await s.post(
            f"/staf/lok-baintan/pesanan/{early['number']}/pembayaran",
            {"status": "paid"},
            headers={"referer": f"{stack.url}/staf/lok-baintan/pesanan?q={early['number']}"},
        )
        assert paid.status_code == 303 and paid.headers["location"].startswith("/staf/lok-baintan/pesanan")
        assert (await order_state(stack.db, early["number"]))[1] == "paid"


async def test_the_board_sends_transfer_payments_to_the_reference_form(stack: Stack, http: httpx.AsyncClient) -> None:
    product = await data.make_product(stack.db, stock=10, price=8_000)
    placed = await http.post(
        "/api/cooperatives/lok-baintan/orders", json=data.order_body(product.id, 1, payment_method="transfer")
    )
    number = placed.json()["number"]
    async with staff(stack) as s:
        board = await s.get("/staf/lok-baintan/pesanan", params={"q": number})
        assert f'href="/pesanan/{number}#bayar"' in _card(board.text, number)
        page = await s.get(f"/pesanan/{number}")
        assert 'id="bayar"' in page.text
