"""The staff area over HTTP: board, bulk actions, pick list, slips, delivery runs and the cash hand-in."""

from __future__ import annotations

import csv
import datetime
import io
import re
import uuid

import httpx
from sqlalchemy import select

from app.clock import local_today
from catalog.models import Product
from orders.fulfilment import cash
from orders.models import CashReconciliation, Courier, DeliveryZone, Order, OrderEvent, Payment
from tests.conftest import DEMO_PASSWORD, Stack
from tests.support import data
from tests.support.staff import count_rows, order_state, place, staff

HX = {"HX-Request": "true"}


def read_csv(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff"), "CSV starts with a BOM so spreadsheets read it as UTF-8"
    return list(csv.DictReader(io.StringIO(text[1:])))


async def set_producer(stack: Stack, product_id: int, producer_slug: str) -> int:
    from producers.models import Producer

    async with stack.db.session(write=True) as session:
        producer = await session.scalar(select(Producer).where(Producer.slug == producer_slug))
        product = await session.get(Product, product_id)
        assert producer is not None and product is not None
        product.producer_id = producer.id
        await session.commit()
        return producer.id


async def first_producer_slug(stack: Stack, cooperative_slug: str = "lok-baintan") -> tuple[str, str]:
    from producers.models import Producer

    coop = await data.cooperative(stack.db, cooperative_slug)
    async with stack.db.session() as session:
        producer = await session.scalar(
            select(Producer).where(Producer.cooperative_id == coop.id).order_by(Producer.id)
        )
        assert producer is not None
        return producer.slug, producer.business_name


async def test_anonymous_visitors_are_sent_to_login_and_cannot_act(stack: Stack, http: httpx.AsyncClient) -> None:
    page = await http.get("/staf/lok-baintan/pesanan")
    assert page.status_code == 303
    assert page.headers["location"].startswith("/masuk?lanjut=")
    product = await data.make_product(stack.db, stock=10)
    order = await place(http, [(product.id, 2)], delivery=False)
    number = order["number"]
    zones, couriers = await count_rows(stack.db, DeliveryZone), await count_rows(stack.db, Courier)
    token = await data.csrf_token(http)
    # Staff actions used to answer a signed-out visitor 403; the guard now sends them to log in first.
    actions: list[tuple[str, dict[str, str]]] = [
        ("/staf/lok-baintan/pesanan/aksi", {"aksi": "confirm", "pilih": number}),
        (f"/staf/lok-baintan/pesanan/{number}/langkah", {"to": "confirmed", "note": "uji"}),
        (f"/staf/lok-baintan/pesanan/{number}/pembayaran", {"status": "paid", "method": "cash"}),
        (f"/staf/lok-baintan/produk/{product.id}", {"retail_price": "1"}),
        (f"/staf/lok-baintan/stok/{product.id}/sesuaikan", {"kind": "hilang", "quantity": "1"}),
        ("/staf/lok-baintan/pengaturan/antar", {"name": "Dusun Penyusup", "fee": "0"}),
        ("/staf/lok-baintan/kurir", {"name": "Kurir Penyusup"}),
    ]
    for path, form in actions:
        action = await http.post(path, data={**form, "_csrf_token": token})
        assert action.status_code == 303, (path, action.status_code)
        assert action.headers["location"].startswith("/masuk?lanjut="), path
    assert await order_state(stack.db, number) == ("placed", "unpaid")
    assert await data.stock_of(stack.db, product.id) == 8
    async with stack.db.session() as session:
        price = await session.scalar(select(Product.retail_price).where(Product.id == product.id))
    assert price == product.retail_price
    assert (await count_rows(stack.db, DeliveryZone), await count_rows(stack.db, Courier)) == (zones, couriers)
    resident = await data.login(http, "081200009001", DEMO_PASSWORD)
    assert resident.status_code == 303
    assert (await http.get("/staf/lok-baintan/pesanan")).status_code == 403
    assert (await http.get("/staf")).status_code == 403


async def test_board_shows_open_orders_by_status_with_filters_and_htmx_fragments(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    product = await data.make_product(stack.db, stock=20)
    dusun = f"Dusun Papan {uuid.uuid4().hex[:6]}"
    delivered = await place(http, [(product.id, 2)], dusun=dusun, phone="0813-1111-2222")
    pickup = await place(http, [(product.id, 1)], delivery=False, phone="0813-1111-3333")
    async with staff(stack) as s:
        full = await s.get("/staf/lok-baintan/pesanan", params={"dusun": dusun})
        assert full.status_code == 200
        assert "<html" in full.text and full.headers["vary"].lower().find("hx-request") >= 0
        assert delivered["number"] in full.text and pickup["number"] not in full.text
        assert 'hx-trigger="every 20s' in full.text  # live refresh without reloading the page

        fragment = await s.get("/staf/lok-baintan/pesanan", params={"dusun": dusun}, headers=HX)
        assert fragment.status_code == 200 and "<html" not in fragment.text
        assert fragment.text.lstrip().startswith('<section id="board"')

        by_phone = await s.get("/staf/lok-baintan/pesanan", params={"q": "0813-1111-3333"})
        assert pickup["number"] in by_phone.text and delivered["number"] not in by_phone.text
        by_number = await s.get("/staf/lok-baintan/pesanan", params={"q": delivered["number"][-4:]})
        assert delivered["number"] in by_number.text

        step = await s.post(
            f"/staf/lok-baintan/pesanan/{delivered['number']}/langkah",
            {"to": "confirmed"},
            headers={**HX, "HX-Current-URL": f"{stack.url}/staf/lok-baintan/pesanan?status=confirmed&dusun={dusun}"},
        )
        assert step.status_code == 200 and "<html" not in step.text
        assert delivered["number"] in step.text and "Dikonfirmasi" in step.text
        assert await order_state(stack.db, delivered["number"]) == ("confirmed", "unpaid")

        illegal = await s.post(f"/staf/lok-baintan/pesanan/{pickup['number']}/langkah", {"to": "completed"})
        assert illegal.status_code == 409
        assert await order_state(stack.db, pickup["number"]) == ("placed", "unpaid")

        bad = await s.get("/staf/lok-baintan/pesanan", params={"tanggal": "kemarin"})
        assert bad.status_code == 422 and "tanggal" in bad.text.lower()


async def test_bulk_actions_go_through_the_state_machine_and_report_skips(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    product = await data.make_product(stack.db, stock=20)
    orders = [await place(http, [(product.id, 1)]) for _ in range(3)]
    numbers = [o["number"] for o in orders]
    async with staff(stack) as s:
        await s.post(f"/staf/lok-baintan/pesanan/{numbers[0]}/langkah", {"to": "confirmed"})
        confirm = await s.post("/staf/lok-baintan/pesanan/aksi", {"aksi": "confirm", "pilih": numbers})
        assert confirm.status_code == 303
        board = await s.get("/staf/lok-baintan/pesanan")
        assert "2 pesanan dikonfirmasi" in board.text and "1 dilewati" in board.text
        for number in numbers:
            assert await order_state(stack.db, number) == ("confirmed", "unpaid")
        pack = await s.post("/staf/lok-baintan/pesanan/aksi", {"aksi": "pack", "pilih": numbers[:2]}, headers=HX)
        assert pack.status_code == 200 and "2 pesanan ditandai dikemas" in pack.text
        assert [await order_state(stack.db, n) for n in numbers] == [
            ("packed", "unpaid"),
            ("packed", "unpaid"),
            ("confirmed", "unpaid"),
        ]
        unknown = await s.post("/staf/lok-baintan/pesanan/aksi", {"aksi": "terbang", "pilih": numbers})
        assert unknown.status_code == 422
        nothing = await s.post("/staf/lok-baintan/pesanan/aksi", {"aksi": "confirm"})
        assert nothing.status_code == 422
    async with stack.db.session() as session:
        events = (
            await session.scalars(
                select(OrderEvent.to_status)
                .join(OrderEvent.order)
                .where(OrderEvent.order.has(number=numbers[0]))
                .order_by(OrderEvent.id)  # PostgreSQL returns rows in no particular order without it
            )
        ).all()
    assert list(events) == ["placed", "confirmed", "packed"]


async def test_pick_list_totals_equal_the_order_lines_and_a_cancelled_order_leaves(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    producer_slug, producer_name = await first_producer_slug(stack)
    gula = await data.make_product(stack.db, stock=50, name=f"Gula uji ambil {uuid.uuid4().hex[:4]}")
    madu = await data.make_product(stack.db, stock=50, name=f"Madu uji ambil {uuid.uuid4().hex[:4]}")
    await set_producer(stack, gula.id, producer_slug)
    a = await place(http, [(gula.id, 2), (madu.id, 1)])
    b = await place(http, [(gula.id, 3)])
    c = await place(http, [(madu.id, 4), (gula.id, 1)])
    numbers = [a["number"], b["number"], c["number"]]
    async with staff(stack) as s:
        await s.post("/staf/lok-baintan/pesanan/aksi", {"aksi": "confirm", "pilih": numbers})
        response = await s.get("/staf/lok-baintan/ambil.csv", params={"pilih": numbers})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert "attachment" in response.headers["content-disposition"]
        rows = read_csv(response.text)
        assert list(rows[0]) == ["Produsen", "No HP produsen", "Produk", "Satuan", "Jumlah", "Jumlah pesanan"]
        totals = {r["Produk"]: (r["Produsen"], int(r["Jumlah"]), int(r["Jumlah pesanan"])) for r in rows}
        assert totals[gula.name] == (producer_name, 2 + 3 + 1, 3)
        coop = await data.cooperative(stack.db, "lok-baintan")
        assert totals[madu.name] == (f"Stok {coop.short_name}", 1 + 4, 2)
        page = await s.get("/staf/lok-baintan/ambil")
        assert gula.name in page.text and producer_name in page.text

        cancel = await s.post(f"/staf/lok-baintan/pesanan/{b['number']}/langkah", {"to": "cancelled"})
        assert cancel.status_code == 303
        rows = read_csv((await s.get("/staf/lok-baintan/ambil.csv", params={"pilih": numbers})).text)
        totals = {r["Produk"]: (r["Produsen"], int(r["Jumlah"]), int(r["Jumlah pesanan"])) for r in rows}
        assert totals[gula.name][1:] == (2 + 1, 2)
        assert b["number"] in (await s.get("/staf/lok-baintan/ambil", params={"pilih": numbers})).text  # as skipped
        day_rows = read_csv((await s.get("/staf/lok-baintan/ambil.csv")).text)
        assert {r["Produk"]: int(r["Jumlah"]) for r in day_rows}[gula.name] == 3
        assert await data.stock_of(stack.db, gula.id) == 50 - 3


async def test_packing_slips_show_items_address_and_cash_to_collect(stack: Stack, http: httpx.AsyncClient) -> None:
    product = await data.make_product(stack.db, stock=10, price=17_500, name="Wadai uji slip")
    order = await place(http, [(product.id, 2)], dusun="Dusun Slip", rt="007")
    async with staff(stack) as s:
        await s.post("/staf/lok-baintan/pesanan/aksi", {"aksi": "confirm", "pilih": [order["number"]]})
        slips = await s.get("/staf/lok-baintan/slip", params={"pilih": order["number"], "ukuran": "a4"})
        assert slips.status_code == 200
        slip = slips.text[slips.text.index(f'id="slip-{order["number"]}"') :]
        slip = slip[: slip.index("</article>")]
        for expected in ("Wadai uji slip", "Dusun Slip", "RT 007", "dekat langgar", "Ibu Rahmah", "TAGIH: Rp35.000"):
            assert expected in slip
        assert "size: A4" in slips.text
        assert "size: A6" in (await s.get("/staf/lok-baintan/slip", params={"pilih": order["number"]})).text


async def test_run_sheet_delivery_and_reconciliation_arithmetic(stack: Stack, http: httpx.AsyncClient) -> None:
    product = await data.make_product(stack.db, stock=50, price=10_000)
    specs = [("Dusun Hulu", "002", 1), ("Dusun Hilir", "001", 2), ("Dusun Hulu", "001", 3), ("Dusun Hilir", "003", 4)]
    orders = [await place(http, [(product.id, qty)], dusun=d, rt=rt) for d, rt, qty in specs]
    numbers = [o["number"] for o in orders]
    async with staff(stack) as s:
        name = f"Kurir Uji {uuid.uuid4().hex[:5]}"
        added = await s.post("/staf/lok-baintan/kurir", {"name": name, "phone": "0813 5555 0000"})
        assert added.status_code == 303
        page = await s.get("/staf/lok-baintan/antar")
        ref = re.search(rf'<option value="(kurir:\d+)">{name}</option>', page.text)
        assert ref, "the new courier is offered"
        courier_id = int(ref.group(1).split(":")[1])
        for action in ("confirm", "pack"):
            await s.post("/staf/lok-baintan/pesanan/aksi", {"aksi": action, "pilih": numbers})
        assign = await s.post(
            "/staf/lok-baintan/pesanan/aksi", {"aksi": "assign", "kurir": ref.group(1), "pilih": numbers}
        )
        assert assign.status_code == 303
        assert {(await order_state(stack.db, n))[0] for n in numbers} == {"out_for_delivery"}

        runs = await s.get("/staf/lok-baintan/antar")
        run_id = int(re.search(rf'/staf/lok-baintan/antar/(\d+)"><strong>{name}', runs.text).group(1))  # type: ignore[union-attr]
        sheet = await s.get(f"/staf/lok-baintan/antar/{run_id}")
        text = sheet.text
        # Grouped by dusun then RT, with tap-to-call, WhatsApp and the cash to collect.
        positions = [text.index(g) for g in ("Dusun Hilir · RT 001", "Dusun Hilir · RT 003", "Dusun Hulu · RT 001")]
        assert positions == sorted(positions)
        assert 'href="tel:+6281234567890"' in text and "https://wa.me/6281234567890" in text
        assert "Masih ditagih: <strong>Rp100.000</strong>" in text

        # Delivered with cash: 10.000 and 30.000; delivered, paid later: 20.000; not delivered: 40.000.
        for number in (numbers[0], numbers[2]):
            done = await s.post(f"/staf/lok-baintan/antar/{run_id}/{number}/terkirim", {"tunai": "1"}, headers=HX)
            assert done.status_code == 200 and '<section id="sheet">' in done.text
        await s.post(f"/staf/lok-baintan/antar/{run_id}/{numbers[1]}/terkirim", {})
        assert await order_state(stack.db, numbers[1]) == ("completed", "unpaid")
        again = await s.post(f"/staf/lok-baintan/antar/{run_id}/{numbers[0]}/terkirim", {"tunai": "1"})
        assert again.status_code == 409
        early = await s.post(f"/staf/lok-baintan/antar/{run_id}/{numbers[3]}/tunai", {})
        assert early.status_code == 409
        assert await order_state(stack.db, numbers[0]) == ("completed", "paid")

        today = local_today(await data.cooperative(stack.db, "lok-baintan")).isoformat()
        cash_page = await s.get("/staf/lok-baintan/setoran", params={"tanggal": today})
        block = cash_page.text[cash_page.text.index(f"<h2>{name}</h2>") :]
        assert re.search(r'class="expected">Rp40\.000<', block)
        assert "1 pesanan di daftar antar belum ditandai terkirim" in block

        paid_later = await s.post(f"/staf/lok-baintan/antar/{run_id}/{numbers[1]}/tunai", {})
        assert paid_later.status_code == 303
        coop = await data.cooperative(stack.db, "lok-baintan")
        async with stack.db.session() as session:
            day = datetime.date.fromisoformat(today)
            assert await cash.expected_cash(session, coop, courier_id, day) == 60_000

        form = {"kurir": str(courier_id), "tanggal": today, "received": "55.000", "note": ""}
        before = await count_rows(stack.db, CashReconciliation, cooperative_id=coop.id)
        missing_note = await s.post("/staf/lok-baintan/setoran", form)
        assert missing_note.status_code == 422 and "catatan wajib" in missing_note.text.lower()
        assert await count_rows(stack.db, CashReconciliation, cooperative_id=coop.id) == before
        recorded = await s.post("/staf/lok-baintan/setoran", {**form, "note": "kembalian kurang"})
        assert recorded.status_code == 303
        async with stack.db.session() as session:
            record = await session.scalar(
                select(CashReconciliation).where(CashReconciliation.courier_id == courier_id)
            )
            assert record is not None
            assert (record.expected, record.received, record.difference) == (60_000, 55_000, -5_000)
            assert record.note == "kembalian kurang" and record.courier_name == name
            day = datetime.date.fromisoformat(today)
            month = await cash.cash_differences(session, coop.id, day.year, day.month)
            assert record.id in {r.id for r in month.records}
        twice = await s.post("/staf/lok-baintan/setoran", {**form, "note": "lagi"})
        assert twice.status_code == 409

        await s.post(f"/staf/lok-baintan/antar/{run_id}/{numbers[3]}/terkirim", {"tunai": "1"})
        exact = await s.post("/staf/lok-baintan/setoran", {**form, "received": "40000"})
        assert exact.status_code == 303
        page = await s.get("/staf/lok-baintan/setoran", params={"tanggal": today})
        assert "-Rp5.000" in page.text


async def payment_rows(stack: Stack, number: str) -> list[tuple[object, ...]]:
    async with stack.db.session() as session:
        rows = await session.execute(
            select(
                Payment.kind,
                Payment.method,
                Payment.amount,
                Payment.reference,
                Payment.note,
                Payment.actor_user_id,
                Payment.actor_label,
            )
            .join(Order, Order.id == Payment.order_id)
            .where(Order.number == number)
        )
        return [tuple(r) for r in rows.all()]


async def test_cash_taken_by_a_courier_is_recorded_like_a_staff_lunas(stack: Stack, http: httpx.AsyncClient) -> None:
    product = await data.make_product(stack.db, stock=20, price=12_000)
    orders = [await place(http, [(product.id, qty)], dusun="Dusun Tunai") for qty in (1, 2, 3)]
    at_counter, on_delivery, paid_later = (o["number"] for o in orders)
    async with staff(stack) as s:
        lunas = await s.post(f"/staf/lok-baintan/pesanan/{at_counter}/pembayaran", {"status": "paid"})
        assert lunas.status_code == 303
        name = f"Kurir Tunai {uuid.uuid4().hex[:5]}"
        added = await s.post("/staf/lok-baintan/kurir", {"name": name})
        assert added.status_code == 303, added.text
        numbers = [on_delivery, paid_later]
        for action in ("confirm", "pack"):
            await s.post("/staf/lok-baintan/pesanan/aksi", {"aksi": action, "pilih": numbers})
        page = await s.get("/staf/lok-baintan/antar")
        ref = re.search(rf'<option value="(kurir:\d+)">{name}</option>', page.text)
        assert ref, "the new courier is offered"
        assign = await s.post("/staf/lok-baintan/antar", {"kurir": ref.group(1), "pilih": numbers})
        run_id = int(assign.headers["location"].rsplit("/", 1)[1])
        done = await s.post(f"/staf/lok-baintan/antar/{run_id}/{on_delivery}/terkirim", {"tunai": "1"})
        assert done.status_code == 303
        await s.post(f"/staf/lok-baintan/antar/{run_id}/{paid_later}/terkirim", {})
        assert (await s.post(f"/staf/lok-baintan/antar/{run_id}/{paid_later}/tunai", {})).status_code == 303

    reference = await payment_rows(stack, at_counter)
    assert len(reference) == 1 and reference[0][:3] == ("paid", "cash", 12_000)
    for number, total in ((on_delivery, 24_000), (paid_later, 36_000)):
        assert await order_state(stack.db, number) == ("completed", "paid")
        rows = await payment_rows(stack, number)
        assert rows == [("paid", "cash", total, *reference[0][3:])], "one Payment row, as a staff Lunas writes"
