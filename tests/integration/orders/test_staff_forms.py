"""Staff money forms refused for a missing note or reference come back with the error and what was typed."""

from __future__ import annotations

import datetime
import re
import uuid

import httpx

from app.clock import local_today
from orders.models import CashReconciliation
from tests.conftest import Stack
from tests.support import data
from tests.support.staff import count_rows, place, staff


async def test_a_hand_in_with_a_difference_but_no_note_keeps_what_was_typed(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    product = await data.make_product(stack.db, stock=10, price=11_000)
    number = (await place(http, [(product.id, 1)], dusun="Dusun Setor"))["number"]
    async with staff(stack) as s:
        name = f"Kurir Form {uuid.uuid4().hex[:5]}"
        await s.post("/staf/lok-baintan/kurir", {"name": name})
        for action in ("confirm", "pack"):
            await s.post("/staf/lok-baintan/pesanan/aksi", {"aksi": action, "pilih": [number]})
        ref = re.search(
            rf'<option value="(kurir:(\d+))">{name}</option>', (await s.get("/staf/lok-baintan/antar")).text
        )
        assert ref
        await s.post("/staf/lok-baintan/pesanan/aksi", {"aksi": "assign", "kurir": ref.group(1), "pilih": [number]})
        run = re.search(
            r"/staf/lok-baintan/antar/(\d+)", (await s.get("/staf/lok-baintan/pesanan", params={"q": number})).text
        )
        assert run
        await s.post(f"/staf/lok-baintan/antar/{run.group(1)}/{number}/terkirim", {"tunai": "1"})
        coop = await data.cooperative(stack.db, "lok-baintan")
        today = local_today(coop).isoformat()
        before = await count_rows(stack.db, CashReconciliation, cooperative_id=coop.id)
        form = {"kurir": ref.group(2), "tanggal": today, "received": "9.500", "note": ""}
        refused = await s.post("/staf/lok-baintan/setoran", form)
        assert refused.status_code == 422
        assert 'aria-label="Menu staf"' in refused.text, "the hand-in page, not an error page"
        block = refused.text[refused.text.index(f"<h2>{name}</h2>") :]
        block = block[: block.index("</section>")]
        assert 'value="9.500"' in block
        assert "catatan wajib" in block.lower()
        assert await count_rows(stack.db, CashReconciliation, cooperative_id=coop.id) == before
        assert datetime.date.fromisoformat(today)


async def test_lunas_without_a_reference_keeps_the_order_page(stack: Stack, http: httpx.AsyncClient) -> None:
    product = await data.make_product(stack.db, stock=10, price=8_000)
    placed = await http.post(
        "/api/cooperatives/lok-baintan/orders", json=data.order_body(product.id, 1, payment_method="transfer")
    )
    number = placed.json()["number"]
    async with staff(stack) as s:
        refused = await s.post(
            f"/staf/lok-baintan/pesanan/{number}/pembayaran", {"status": "paid", "method": "transfer", "reference": ""}
        )
        assert refused.status_code == 422
        assert f'Pesanan <span class="order-number">{number}</span>' in refused.text, (
            "the order page, not an error page"
        )
        form = refused.text[refused.text.index('id="bayar"') :]
        form = form[: form.index("</form>")]
        assert "nomor referensi" in form.lower() and 'aria-invalid="true"' in form
        assert (await data.order_row(stack.db, number)).payment_status == "unpaid"
