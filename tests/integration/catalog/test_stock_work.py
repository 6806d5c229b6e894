"""Stock work and exports over HTTP: receipts, adjustments, stocktakes, low stock, CSV exports."""

from __future__ import annotations

import csv
import io
import uuid

from sqlalchemy import select

from app import clock
from catalog.models import Product, StockLedgerEntry, StockReceipt
from producers import services as producer_services
from producers.models import Producer
from tests.conftest import Stack
from tests.support import data
from tests.support.staff import place, staff


async def ledger_reasons(stack: Stack, product_id: int) -> list[tuple[str, int]]:
    async with stack.db.session() as session:
        rows = await session.execute(
            select(StockLedgerEntry.reason, StockLedgerEntry.delta)
            .where(StockLedgerEntry.product_id == product_id)
            .order_by(StockLedgerEntry.id)
        )
        return [(r, d) for r, d in rows.all()]


async def test_receipt_adjustments_and_stocktake_are_explained_by_the_ledger(stack: Stack) -> None:
    product = await data.make_product(stack.db, stock=10, producer_price=8_000, name=f"Iwak uji {uuid.uuid4().hex[:4]}")
    async with stack.client() as http:
        order = await place(http, [(product.id, 3)])  # 3 sold, not packed: still on the shelf
    async with staff(stack) as s:
        base = f"/staf/lok-baintan/stok/{product.id}"
        received = await s.post(
            "/staf/lok-baintan/stok/terima",
            {f"qty-{product.id}": "12", f"price-{product.id}": "7.500", "note": "nota 7"},
        )
        assert received.status_code == 303
        async with stack.db.session() as session:
            receipt = await session.scalar(select(StockReceipt).where(StockReceipt.product_id == product.id))
            assert receipt is not None
            assert (receipt.quantity, receipt.producer_price, receipt.total) == (12, 7_500, 90_000)
            assert receipt.note == "nota 7" and receipt.received_by is not None
        assert await data.stock_of(stack.db, product.id) == 10 - 3 + 12

        for form in (
            {"kind": "rusak", "quantity": "2"},
            {"kind": "hilang", "quantity": "1"},
            {"kind": "salah_hitung", "quantity": "-1"},
            {"kind": "salah_hitung", "quantity": "3"},
        ):
            assert (await s.post(base + "/sesuaikan", form)).status_code == 303
        assert await data.stock_of(stack.db, product.id) == 19 - 2 - 1 - 1 + 3

        refused = [
            {"kind": "hilang", "quantity": "1000"},  # more than there is
            {"kind": "rusak", "quantity": "-2"},  # damage only takes away; a sign is a mistake
            {"kind": "dicuri", "quantity": "1"},
            {"kind": "rusak", "quantity": "dua"},
            {"kind": "rusak", "quantity": "1,5"},
            {"kind": "salah_hitung", "quantity": "0"},
            {"kind": "rusak", "quantity": "1", "note": "<script>"},
        ]
        for form in refused:
            response = await s.post(base + "/sesuaikan", form)
            assert response.status_code in (409, 422), form
        assert await data.stock_of(stack.db, product.id) == 18

        sheet = await s.get("/staf/lok-baintan/stok/opname", params={"q": product.name})
        assert "3 menunggu dikemas" in sheet.text
        # On the shelf: 18 in stock + 3 waiting to be packed = 21; 20 counted.
        too_few = await s.post("/staf/lok-baintan/stok/opname", {f"count-{product.id}": "2"})
        assert too_few.status_code == 409 and "belum dikemas" in too_few.text
        counted = await s.post("/staf/lok-baintan/stok/opname", {f"count-{product.id}": "20", "note": "akhir bulan"})
        assert counted.status_code == 303
        assert await data.stock_of(stack.db, product.id) == 17

        page = await s.get(base)
        assert 'id="current-stock">17<' in page.text and "cocok" in page.text
    reasons = await ledger_reasons(stack, product.id)
    assert [r for r, _ in reasons] == [
        "initial",
        "sale",
        "receipt",
        "spoilage",
        "loss",
        "adjustment",
        "adjustment",
        "stocktake",
    ]
    assert (
        sum(d for _, d in reasons)
        == await data.stock_of(stack.db, product.id)
        == await data.ledger_sum(stack.db, product.id)
    )
    assert order["status"] == "placed"


async def test_low_stock_uses_the_threshold_of_each_product(stack: Stack) -> None:
    name = f"Telur uji menipis {uuid.uuid4().hex[:4]}"
    product = await data.make_product(stack.db, stock=8, name=name)
    async with staff(stack) as s:
        assert name not in (await s.get("/staf/lok-baintan/stok")).text  # 8 > default 5
        assert (await s.post(f"/staf/lok-baintan/stok/{product.id}/batas", {"threshold": "10"})).status_code == 303
        assert name in (await s.get("/staf/lok-baintan/stok")).text
        assert (await s.post(f"/staf/lok-baintan/stok/{product.id}/batas", {"threshold": "-1"})).status_code == 422
        found = await s.get("/staf/lok-baintan/stok", params={"q": name}, headers={"HX-Request": "true"})
        assert found.text.lstrip().startswith('<section id="products">') and name in found.text


def shop_card(page: str, product_id: int) -> str:
    card = page[page.index(f'href="/k/lok-baintan/produk/{product_id}"') :]
    return card[: card.index("</li>")]


async def test_shop_marks_low_stock_by_each_products_threshold(stack: Stack) -> None:
    tag = uuid.uuid4().hex[:6]
    own_high = await data.make_product(stack.db, stock=8, name=f"Kerupuk menipis {tag} satu")
    own_low = await data.make_product(stack.db, stock=3, name=f"Kerupuk menipis {tag} dua")
    default = await data.make_product(stack.db, stock=5, name=f"Kerupuk menipis {tag} tiga")
    plenty = await data.make_product(stack.db, stock=6, name=f"Kerupuk menipis {tag} empat")
    async with staff(stack) as s:
        for product, threshold in ((own_high, "10"), (own_low, "2")):
            saved = await s.post(f"/staf/lok-baintan/stok/{product.id}/batas", {"threshold": threshold})
            assert saved.status_code == 303
        await data.wait_until_findable(s.client, "lok-baintan", tag, plenty.id)
        page = (await s.get("/k/lok-baintan", params={"q": tag})).text
    assert '<span class="stock low">Sisa 8</span>' in shop_card(page, own_high.id)  # 8 <= its own 10
    assert '<span class="stock ok">Tersedia</span>' in shop_card(page, own_low.id)  # 3 > its own 2
    assert '<span class="stock low">Sisa 5</span>' in shop_card(page, default.id)  # the default threshold
    assert '<span class="stock ok">Tersedia</span>' in shop_card(page, plenty.id)


async def test_receipt_with_nothing_filled_or_bad_numbers_changes_nothing(stack: Stack) -> None:
    product = await data.make_product(stack.db, stock=4)
    async with staff(stack) as s:
        for form in (
            {},
            {f"qty-{product.id}": ""},
            {f"qty-{product.id}": "-3"},
            {f"qty-{product.id}": "9" * 20},
            {f"qty-{product.id}": "2", f"price-{product.id}": "murah"},
        ):
            response = await s.post("/staf/lok-baintan/stok/terima", form)
            assert response.status_code == 422, form
    assert await data.stock_of(stack.db, product.id) == 4
    assert await data.ledger_sum(stack.db, product.id) == 4


async def test_exports_have_indonesian_headers_a_date_range_and_no_formulas(stack: Stack) -> None:
    product = await data.make_product(stack.db, stock=10, price=15_000, producer_price=12_000)
    async with stack.client() as http:
        body = data.order_body(product.id, 2)
        body["customer"] = {"name": '=HYPERLINK("http://x")', "phone": "081234567890"}
        response = await http.post("/api/cooperatives/lok-baintan/orders", json=body)
        assert response.status_code == 201
        number = response.json()["number"]
    async with staff(stack) as s:
        orders = await s.get("/staf/lok-baintan/ekspor/pesanan.csv")
        assert orders.status_code == 200 and orders.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(orders.text.lstrip("\ufeff"))))
        assert list(rows[0])[:4] == ["Nomor pesanan", "Waktu pesan", "Status", "Status bayar"]
        mine = next(r for r in rows if r["Nomor pesanan"] == number)
        assert mine["Nama pembeli"].startswith("'=") and mine["Total (Rp)"] == "30000"
        assert mine["Status"] == "Dipesan" and mine["Cara terima"] == "Ambil di koperasi"

        products = list(
            csv.DictReader(
                io.StringIO((await s.get("/staf/lok-baintan/ekspor/penjualan-produk.csv")).text.lstrip("\ufeff"))
            )
        )
        line = next(r for r in products if r["Produk"] == product.name)
        assert (
            line["Terjual"],
            line["Penjualan (pesanan masuk, tanpa yang dibatalkan, Rp)"],
            line["Bagian produsen (Rp)"],
            line["Margin koperasi (Rp)"],
        ) == (
            "2",
            "30000",
            "24000",
            "6000",
        )
        producers = (await s.get("/staf/lok-baintan/ekspor/penjualan-produsen.csv")).text
        # Producers are owed for completed orders: this order is only placed, so it is not in that file yet.
        header = next(csv.reader(io.StringIO(producers.lstrip("\ufeff"))))
        assert header[:4] == ["Produsen", "Jumlah pesanan", "Barang terjual", "Penjualan (pesanan selesai, Rp)"]
        ledger = list(
            csv.DictReader(io.StringIO((await s.get("/staf/lok-baintan/ekspor/buku-stok.csv")).text.lstrip("\ufeff")))
        )
        assert {"Waktu", "Produk", "Perubahan", "Alasan"} <= set(ledger[0])
        assert any(
            r["Nomor pesanan"] == number and r["Perubahan"] == "-2" and r["Alasan"] == "Terjual (pesanan)"
            for r in ledger
        )

        empty = await s.get(
            "/staf/lok-baintan/ekspor/pesanan.csv", params={"dari": "2020-01-01", "sampai": "2020-01-31"}
        )
        assert empty.status_code == 200 and number not in empty.text
        for params in (
            {"dari": "2026-02-30"},
            {"dari": "2026-03-01", "sampai": "2026-02-01"},
            {"dari": "2020-01-01", "sampai": "2026-01-01"},
        ):
            assert (await s.get("/staf/lok-baintan/ekspor/pesanan.csv", params=params)).status_code == 422, params
        assert (await s.get("/staf/lok-baintan/ekspor/rahasia.csv")).status_code == 404


async def test_producer_sales_export_matches_each_producers_statement_for_a_month(stack: Stack) -> None:
    """The export used to count orders placed while statements count completed ones; both now count completed."""
    coop = await data.cooperative(stack.db, "lok-baintan")
    month = clock.period_containing("month", clock.local_today(coop))
    product = await data.make_product(stack.db, stock=10, price=15_000, producer_price=12_000)
    async with stack.db.session(write=True) as session:
        producer = await session.scalar(select(Producer).where(Producer.cooperative_id == coop.id).limit(1))
        row = await session.get(Product, product.id)
        assert producer is not None and row is not None
        row.producer_id = producer.id
        await session.commit()
    async with stack.client() as http:
        done, _waiting = [await place(http, [(product.id, qty)], delivery=False) for qty in (1, 2)]
    async with staff(stack) as s:
        for step in ("confirmed", "packed", "ready_for_pickup", "completed"):
            moved = await s.post(f"/staf/lok-baintan/pesanan/{done['number']}/langkah", {"to": step})
            assert moved.status_code == 303, (step, moved.text[:200])
        response = await s.get(
            "/staf/lok-baintan/ekspor/penjualan-produsen.csv",
            params={"dari": month.start.isoformat(), "sampai": clock.local_today(coop).isoformat()},
        )
    assert response.status_code == 200
    rows = {r["Produsen"]: r for r in csv.DictReader(io.StringIO(response.text.lstrip("\ufeff")))}
    async with stack.db.session() as session:
        statement = await producer_services.statement(session, coop, producer, month)
    # Only the completed order counts; the one still waiting (placed) is not a sale the producer is owed for yet.
    assert statement.units_sold >= 1 and statement.sales_total >= 15_000
    figures = rows[producer.business_name]
    assert (figures["Barang terjual"], figures["Penjualan (pesanan selesai, Rp)"], figures["Bagian produsen (Rp)"]) == (
        str(statement.units_sold),
        str(statement.sales_total),
        str(statement.producer_total),
    )
