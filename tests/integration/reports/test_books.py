"""The members' books and the producers' statements as a villager reads them: they open on a month with
sales (saying which), each category row adds up, the words are plain, and a visitor sent to log in is told why."""

from __future__ import annotations

import datetime
import re

from sqlalchemy import func, select

from app import clock
from app.models import Cooperative
from orders.models import Order, OrderEvent, OrderLine
from producers.models import Producer, ProducerAccount
from reports import books
from reports.sales import Basis, opening_period
from tests.conftest import DEMO_PASSWORD, Stack
from tests.support import data

RESIDENT_LOK = "081200009001"
PRODUCER_A = "081200001001"  # Kelompok Tani Jukung Bahagia, Lok Baintan


async def _last_completion(stack: Stack, coop: Cooperative, producer_id: int | None = None) -> datetime.date:
    """The local day of the cooperative's latest completed order (with a line of the producer's when given),
    straight from the order events."""
    query = (
        select(func.max(OrderEvent.created_at))
        .join(Order, Order.id == OrderEvent.order_id)
        .where(Order.cooperative_id == coop.id, Order.status == "completed", OrderEvent.to_status == "completed")
    )
    if producer_id is not None:
        query = query.where(Order.id.in_(select(OrderLine.order_id).where(OrderLine.producer_id == producer_id)))
    async with stack.db.session() as session:
        moment = await session.scalar(query)
    assert moment is not None
    return clock.local_date(coop, moment)


def _empty_first_of_month(coop: Cooperative) -> datetime.date:
    """The 1st of a month nobody has sold in yet: the month after next."""
    return clock.period_containing("month", clock.local_today(coop)).next().next().start


async def test_books_open_on_the_latest_month_with_sales_and_say_so(stack: Stack) -> None:
    coop = await data.cooperative(stack.db, "lok-baintan")
    today = _empty_first_of_month(coop)
    expected = clock.period_containing("month", await _last_completion(stack, coop))
    async with stack.db.session() as session:
        opened = await books.books_for_month(session, coop, None, today=today)
        asked = await books.books_for_month(session, coop, today.strftime("%Y-%m"), today=today)
    assert opened.month.period == expected and opened.month.totals.sales > 0
    current = clock.period_containing("month", today)
    assert opened.notice is not None and current.label in opened.notice and expected.label in opened.notice
    # A month asked for is shown as it is, empty or not.
    assert asked.month.period == current and asked.notice is None


async def test_a_statement_opens_on_the_producers_latest_period_with_sales(stack: Stack) -> None:
    coop = await data.cooperative(stack.db, "lok-baintan")
    async with stack.db.session() as session:
        producer_id = await session.scalar(
            select(Producer.id)
            .join(ProducerAccount, ProducerAccount.producer_id == Producer.id)
            .where(Producer.cooperative_id == coop.id, Producer.business_name == "Kelompok Tani Jukung Bahagia")
        )
    assert producer_id is not None
    last = await _last_completion(stack, coop, producer_id)
    today = _empty_first_of_month(coop)
    async with stack.db.session() as session:
        for kind in ("month", "week"):
            opening = await opening_period(session, coop, kind, today, basis=Basis.COMPLETED, producer_id=producer_id)
            assert opening.period == clock.period_containing(kind, last)
            assert opening.notice is not None and opening.period.label in opening.notice
        # A period with sales opens as it is.
        busy = await opening_period(session, coop, "week", last, basis=Basis.COMPLETED, producer_id=producer_id)
    assert busy.period == clock.period_containing("week", last) and busy.notice is None


async def _signed_in(stack: Stack, phone: str, path: str) -> str:
    async with stack.client() as client:
        assert (await data.login(client, phone, DEMO_PASSWORD)).status_code == 303
        page = await client.get(path)
    assert page.status_code == 200, path
    return page.text


def _rupiah(text: str) -> int:
    match = re.fullmatch(r"(-?)Rp([\d.]+)", text.strip())
    assert match, text
    return int(match.group(2).replace(".", "")) * (-1 if match.group(1) else 1)


def _table(html: str, table_id: str) -> list[list[str]]:
    """The text of each body and footer row's cells."""
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S)
    assert table, table_id
    body = re.sub(r"<thead>.*?</thead>", "", table.group(0), flags=re.S)
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def _amount(html: str, element_id: str) -> int:
    match = re.search(rf'id="{element_id}">([^<]*)<', html)
    assert match, element_id
    return _rupiah(match.group(1))


async def test_each_category_and_producer_row_adds_up_and_so_do_the_totals(stack: Stack) -> None:
    coop = await data.cooperative(stack.db, "lok-baintan")
    month = clock.period_containing("month", clock.local_today(coop)).previous()
    html = await _signed_in(stack, RESIDENT_LOK, f"/k/lok-baintan/laporan?bulan={month.key}")
    assert "Modal barang" in html
    for table_id in ("by-category", "by-producer"):
        rows = _table(html, table_id)
        assert len(rows) > 2 and rows[-1][0] == "Jumlah"
        figures = [[_rupiah(cell) for cell in row[1:]] for row in rows]
        for sales, cost, margin in figures:
            assert sales - cost == margin
        body, total = figures[:-1], figures[-1]
        assert total == [sum(column) for column in zip(*body, strict=True)]
        assert total[0] == _amount(html, "sales")
        assert total[2] == _amount(html, "margin")
        assert total[1] == _amount(html, "producer-share") + _amount(html, "supplier-cost")


async def test_the_books_speak_plainly(stack: Stack) -> None:
    coop = await data.cooperative(stack.db, "lok-baintan")
    month = clock.period_containing("month", clock.local_today(coop)).previous()
    html = await _signed_in(stack, RESIDENT_LOK, f"/k/lok-baintan/laporan?bulan={month.key}")
    for jargon in ("Selisih kas", "seharusnya)", "Masih terutang", "Nilai stok"):
        assert jargon not in html
    assert "Uang tunai yang disetor kurir" in html
    cash = re.search(r'id="cash">([^<]*)<', html)
    assert cash and re.fullmatch(r"(kurang|lebih) Rp[\d.]+|pas, tidak ada selisih", cash.group(1))
    # The page says which month it shows, not "this month" for an earlier one.
    assert f"Selama {month.label}," in html and "Bulan ini Rp" not in html


async def test_pages_opened_without_a_period_show_one_with_sales_or_say_which(stack: Stack) -> None:
    """Today's date is whatever it is: the page opens on a period with sales, or says it passed over one."""
    books_page = await _signed_in(stack, RESIDENT_LOK, "/k/lok-baintan/laporan")
    assert 'id="month-notice"' in books_page or _amount(books_page, "sales") > 0
    statement = await _signed_in(stack, PRODUCER_A, "/produsen/tagihan")
    assert 'id="period-notice"' in statement or _amount(statement, "producer-total") > 0


async def test_visitors_sent_to_log_in_for_the_books_are_told_why_and_how_to_join(stack: Stack) -> None:
    async with stack.client() as guest:
        response = await guest.get("/k/lok-baintan/laporan")
        assert response.status_code == 303
        login = await guest.get(response.headers["location"])
        plain = await guest.get("/masuk")
        wrong = await guest.post(
            "/masuk",
            data={
                "_csrf_token": await data.csrf_token(guest, "/masuk"),
                "phone": RESIDENT_LOK,
                "password": "bukan-sandinya",
                "lanjut": "/k/lok-baintan/laporan",
            },
        )
    assert login.status_code == 200
    for page in (login.text, wrong.text):
        assert "Laporan keuangan koperasi hanya untuk anggota" in page
        assert 'href="/daftar?lanjut=/k/lok-baintan/anggota"' in page
    assert 'id="members-only"' not in plain.text


async def test_a_year_of_books_read_together_equals_each_month_read_alone(stack: Stack) -> None:
    coop = await data.cooperative(stack.db, "lok-baintan")
    today = clock.local_today(coop)
    async with stack.db.session() as session:
        year = await books.members_books(session, coop, clock.period_containing("month", today), today=today)
        alone = [await books.month_books(session, coop, m.period) for m in year.history]
    assert year.history == alone
    # Not a comparison of zeros: the demo has goods received, settlements and money owed.
    assert any(m.received_value for m in alone) and any(m.owed_to_producers for m in alone)
    assert any(m.paid_to_producers for m in alone)
