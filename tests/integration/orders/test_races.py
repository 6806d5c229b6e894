"""Races on money: one courier hand-in per delivered stop, one producer payment per overlapping period,
however many staff submit at the same moment (PostgreSQL runs them in parallel, SQLite one after another)."""

from __future__ import annotations

import asyncio
import datetime
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
import pytest
from sqlalchemy import func, select, text, update

from app import clock
from app.auth import CurrentUser
from app.errors import Conflict
from app.models import Role, User
from app.text import normalise_phone
from orders.fulfilment import cash, delivery
from orders.models import CashReconciliation, DeliveryStop, Order, Payment
from orders.schemas import ReconcileForm
from producers.models import Producer, Settlement
from producers.services import settlements
from tests.conftest import Stack
from tests.support import data
from tests.support.staff import StaffClient, place, staff

SUBMITS = 8  # concurrent submits per race


@asynccontextmanager
async def desks(stack: Stack, count: int) -> AsyncIterator[list[StaffClient]]:
    """`count` staff signed in separately: separate sessions and connections, as on different phones."""
    async with AsyncExitStack() as stacked:
        yield [await stacked.enter_async_context(staff(stack)) for _ in range(count)]


async def _delivered_with_cash(
    stack: Stack, s: StaffClient, http: httpx.AsyncClient, *, cash: tuple[bool, bool] = (True, True)
) -> tuple[int, list[str]]:
    """A new courier delivered two cash orders today, taking the money where `cash` says: (courier id, numbers)."""
    product = await data.make_product(stack.db, stock=10, price=7_000)
    numbers = [(await place(http, [(product.id, qty)], dusun="Dusun Setoran"))["number"] for qty in (1, 2)]
    name = f"Kurir Balapan {uuid.uuid4().hex[:5]}"
    assert (await s.post("/staf/lok-baintan/kurir", {"name": name})).status_code == 303
    for action in ("confirm", "pack"):
        await s.post("/staf/lok-baintan/pesanan/aksi", {"aksi": action, "pilih": numbers})
    page = await s.get("/staf/lok-baintan/antar")
    ref = re.search(rf'<option value="kurir:(\d+)">{name}</option>', page.text)
    assert ref, "the new courier is offered"
    assign = await s.post("/staf/lok-baintan/antar", {"kurir": f"kurir:{ref.group(1)}", "pilih": numbers})
    run_id = int(assign.headers["location"].rsplit("/", 1)[1])
    for number, paid in zip(numbers, cash, strict=True):
        done = await s.post(f"/staf/lok-baintan/antar/{run_id}/{number}/terkirim", {"tunai": "1"} if paid else {})
        assert done.status_code == 303, done.text
    return int(ref.group(1)), numbers


async def test_concurrent_hand_ins_of_the_same_stops_record_one(stack: Stack, http: httpx.AsyncClient) -> None:
    coop = await data.cooperative(stack.db, "lok-baintan")
    today = clock.local_today(coop).isoformat()
    async with desks(stack, SUBMITS) as staffs:
        courier_id, numbers = await _delivered_with_cash(stack, staffs[0], http)
        form = {"kurir": str(courier_id), "tanggal": today, "received": "21000", "note": ""}
        # Half answer in JSON (an API client), half as the page's form does.
        json = {"Accept": "application/json"}
        responses = await asyncio.gather(
            *[s.post("/staf/lok-baintan/setoran", form, headers=json if i % 2 else {}) for i, s in enumerate(staffs)]
        )
    codes = sorted(r.status_code for r in responses)
    assert codes == [303] + [409] * (SUBMITS - 1), codes
    for i, response in enumerate(responses):
        if response.status_code != 409:
            continue
        if i % 2:
            problem = response.json()
            assert problem["status"] == 409 and problem["code"] == "conflict", problem
            assert "setor" in problem["detail"].lower(), problem
        else:
            assert "<html" in response.text and "setor" in response.text.lower()
    async with stack.db.session() as session:
        records = (
            await session.scalars(select(CashReconciliation).where(CashReconciliation.courier_id == courier_id))
        ).all()
        assert [(r.expected, r.received, r.difference) for r in records] == [(21_000, 21_000, 0)]
        stops = (await session.scalars(select(DeliveryStop).where(DeliveryStop.courier_id == courier_id))).all()
        assert {s.reconciliation_id for s in stops} == {records[0].id}
        payments = (
            await session.execute(
                select(Order.number, Payment.kind, Payment.amount)
                .join(Payment, Payment.order_id == Order.id)
                .where(Order.number.in_(numbers))
            )
        ).all()
    assert sorted(payments) == sorted([(numbers[0], "paid", 7_000), (numbers[1], "paid", 14_000)])


async def _until_someone_waits_for_a_lock(stack: Stack) -> None:
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    for _ in range(1000):
        async with stack.db.session() as session:
            if await session.scalar(waiting):
                return
        await asyncio.sleep(0.01)
    raise AssertionError("the hand-in never waited for the stop being changed")


async def _desk_and_late_stop(stack: Stack, courier_id: int, number: str) -> tuple[CurrentUser, int, int]:
    """The demo staff as the services see them, and the (stop id, run id) of order `number`."""
    coop = await data.cooperative(stack.db, "lok-baintan")
    async with stack.db.session() as session:
        phone = normalise_phone(data.STAFF_PHONES["lok-baintan"])
        staff_id = await session.scalar(select(User.id).where(User.phone == phone))
        stop = (
            await session.execute(
                select(DeliveryStop.id, DeliveryStop.run_id)
                .join(Order, Order.id == DeliveryStop.order_id)
                .where(Order.number == number, DeliveryStop.courier_id == courier_id)
            )
        ).one()
    assert staff_id is not None
    return CurrentUser(id=staff_id, name="Staf", phone="", roles={coop.id: Role.PETUGAS}), stop[0], stop[1]


async def test_cash_taken_while_a_hand_in_is_recorded_is_never_closed_unseen(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    if stack.backend == "sqlite":
        pytest.skip("SQLite writers queue for the whole database, so a hand-in never reads a stop mid-change")
    coop = await data.cooperative(stack.db, "lok-baintan")
    async with desks(stack, 1) as (desk,):
        courier_id, numbers = await _delivered_with_cash(stack, desk, http, cash=(True, False))
    desk_user, late, _ = await _desk_and_late_stop(stack, courier_id, numbers[1])
    form = ReconcileForm(kurir=str(courier_id), tanggal=clock.local_today(coop).isoformat(), received="7000")

    async def hand_in() -> None:
        async with stack.db.session(write=True) as session:
            await cash.reconcile(session, coop, desk_user, form)
            await session.commit()

    # The courier's money for the second order is being written (not committed yet) while the hand-in,
    # which read the stops before, closes them.
    async with stack.db.session(write=True) as collecting:
        await collecting.execute(update(DeliveryStop).where(DeliveryStop.id == late).values(cash_collected=14_000))
        recording = asyncio.create_task(hand_in())
        await _until_someone_waits_for_a_lock(stack)
        await collecting.commit()
    with pytest.raises(Conflict, match="baru saja berubah"):
        await recording
    async with stack.db.session() as session:
        stops = (await session.scalars(select(DeliveryStop).where(DeliveryStop.courier_id == courier_id))).all()
        handed = await session.scalar(
            select(func.count()).select_from(CashReconciliation).where(CashReconciliation.courier_id == courier_id)
        )
    assert handed == 0 and all(s.reconciliation_id is None for s in stops), "nothing closed; staff count again"
    assert sorted(s.cash_collected for s in stops) == [7_000, 14_000]


async def test_cash_taken_as_the_hand_in_closes_the_stop_is_refused(stack: Stack, http: httpx.AsyncClient) -> None:
    if stack.backend == "sqlite":
        pytest.skip("SQLite writers queue for the whole database, so a stop is never closed mid-change")
    coop = await data.cooperative(stack.db, "lok-baintan")
    async with desks(stack, 1) as (desk,):
        courier_id, numbers = await _delivered_with_cash(stack, desk, http, cash=(True, False))
    desk_user, late, run_id = await _desk_and_late_stop(stack, courier_id, numbers[1])
    form = ReconcileForm(kurir=str(courier_id), tanggal=clock.local_today(coop).isoformat(), received="7000")

    async def collect() -> None:
        async with stack.db.session(write=True) as session:
            await delivery.collect_cash(session, coop, desk_user, run_id, numbers[1])
            await session.commit()

    # The hand-in has closed both stops (not committed yet) when the courier's late cash is recorded.
    async with stack.db.session(write=True) as closing:
        await cash.reconcile(closing, coop, desk_user, form)
        collecting = asyncio.create_task(collect())
        await _until_someone_waits_for_a_lock(stack)
        await closing.commit()
    with pytest.raises(Conflict, match="sudah ditutup"):
        await collecting
    async with stack.db.session() as session:
        assert await session.scalar(select(DeliveryStop.cash_collected).where(DeliveryStop.id == late)) == 0
    assert await data.payments_of(stack.db, numbers[1]) == [], "no payment without its cash in the books"


async def _producer_with_sales_in_a_week(stack: Stack) -> tuple[int, clock.Period, clock.Period]:
    """An unpaid producer of the demo month with completed sales in one of its full weeks."""
    coop = await data.cooperative(stack.db, "lok-baintan")
    month = clock.period_containing("month", clock.local_today(coop)).previous()
    async with stack.db.session() as session:
        paid = select(Settlement.producer_id).where(
            Settlement.period_start < month.end, Settlement.period_end > month.start
        )
        producers = (
            await session.scalars(
                select(Producer)
                .where(Producer.cooperative_id == coop.id, Producer.id.not_in(paid))
                .order_by(Producer.id.desc())
            )
        ).all()
        day = month.start
        while day < month.end:
            week = clock.period_containing("week", day)
            day += datetime.timedelta(days=7)
            if week.start < month.start or week.end > month.end:
                continue
            for producer in producers:
                if (await settlements.statement(session, coop, producer, week)).producer_total > 0:
                    return producer.id, month, week
    raise AssertionError("the demo leaves a producer unpaid with sales in a week of the demo month")


async def test_overlapping_settlements_of_different_kinds_never_both_pass(stack: Stack) -> None:
    producer_id, month, week = await _producer_with_sales_in_a_week(stack)
    payments = "/staf/lok-baintan/bayar-produsen"
    form = {"producer_id": str(producer_id), "method": "transfer", "reference": "TRF-BALAPAN", "paid_on": ""}
    kinds = [{"jenis": "bulan", "periode": month.key}, {"jenis": "minggu", "periode": week.key}]
    async with desks(stack, SUBMITS) as staffs:
        responses = await asyncio.gather(*[s.post(payments, {**form, **kinds[i % 2]}) for i, s in enumerate(staffs)])
    codes = sorted(r.status_code for r in responses)
    assert codes == [303] + [409] * (SUBMITS - 1), codes
    assert all("dibayar" in r.text for r in responses if r.status_code == 409)
    async with stack.db.session() as session:
        rows = (await session.scalars(select(Settlement).where(Settlement.producer_id == producer_id))).all()
    overlapping = [r for r in rows if r.period_start < month.end and r.period_end > month.start]
    assert len(overlapping) == 1, [(r.period_kind, r.period_start) for r in overlapping]
