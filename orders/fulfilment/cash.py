"""Cash on delivery: what to collect, recording it as a payment, and the courier's daily cash hand-in."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from app.auth import CurrentUser
from app.errors import Conflict, NotFound
from app.forms import parse_date, parse_int, parse_rupiah, parse_text, raise_errors
from app.i18n import N_, _
from app.models import Cooperative
from catalog import stock as stockwork
from orders import services, state
from orders.models import CashReconciliation, Courier, DeliveryRun, DeliveryStop, Order
from orders.schemas import ReconcileForm

HANDED_IN_MEANWHILE = N_(
    "Setoran %(name)s untuk tanggal itu baru saja berubah (dicatat atau ada uang baru dari antaran). "
    "Muat ulang halaman, lalu periksa jumlahnya."
)

STOP_HANDED_IN = N_("Setoran kurir untuk pesanan ini sudah ditutup.")


def cash_to_collect(order: Order) -> int:
    """Rupiah the courier or counter must take for this order: the total while a cash order is unpaid."""
    if order.payment_method == "cash" and order.payment_status == state.PaymentStatus.UNPAID:
        return int(order.total)
    return 0


async def record_cash_payment(
    session: AsyncSession, order: Order, user: CurrentUser, *, by_courier: bool = False
) -> int:
    """Cash taken for an unpaid cash order, booked exactly as staff marking it "Lunas". Returns the rupiah."""
    if order.payment_method != "cash":
        raise Conflict(_("Pesanan ini tidak dibayar tunai."))
    await services.record_payment(session, order, state.PaymentStatus.PAID, user, method="cash", by_courier=by_courier)
    return int(order.total)


async def book_on_open_stop(session: AsyncSession, stop: DeliveryStop, amount: int) -> None:
    """Put cash taken later on its stop, only while the stop's hand-in is still open.

    A hand-in recorded at the same moment (PostgreSQL) would otherwise close the stop without this cash."""
    moved = await session.execute(
        update(DeliveryStop)
        .where(DeliveryStop.id == stop.id, DeliveryStop.reconciliation_id.is_(None))
        .values(cash_collected=amount)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_(STOP_HANDED_IN))
    set_committed_value(stop, "cash_collected", amount)


@dataclass(frozen=True)
class CourierCash:
    courier_id: int
    name: str
    expected: int
    orders: int
    not_delivered: int


@dataclass(frozen=True)
class CashDay:
    day: datetime.date
    due: Sequence[CourierCash]
    records: Sequence[CashReconciliation]

    @property
    def difference(self) -> int:
        return sum(r.difference for r in self.records)


async def expected_cash(session: AsyncSession, cooperative: Cooperative, courier_id: int, day: datetime.date) -> int:
    """Cash a courier must hand in for a day: what was collected on orders delivered that day, not yet handed in."""
    total = await session.scalar(
        select(func.coalesce(func.sum(DeliveryStop.cash_collected), 0)).where(
            DeliveryStop.cooperative_id == cooperative.id,
            DeliveryStop.courier_id == courier_id,
            DeliveryStop.delivered_on == day,
            DeliveryStop.reconciliation_id.is_(None),
        )
    )
    return int(total or 0)


async def _pending_by_courier(
    session: AsyncSession, cooperative: Cooperative, day: datetime.date
) -> dict[int, tuple[int, int]]:
    """Courier -> (cash collected, orders) delivered that day and not handed in yet."""
    rows = await session.execute(
        select(DeliveryStop.courier_id, func.coalesce(func.sum(DeliveryStop.cash_collected), 0), func.count())
        .where(
            DeliveryStop.cooperative_id == cooperative.id,
            DeliveryStop.delivered_on == day,
            DeliveryStop.reconciliation_id.is_(None),
        )
        .group_by(DeliveryStop.courier_id)
    )
    return {cid: (int(total), int(count)) for cid, total, count in rows.all()}


async def _undelivered_by_courier(
    session: AsyncSession, cooperative: Cooperative, day: datetime.date
) -> dict[int, int]:
    rows = await session.execute(
        select(DeliveryRun.courier_id, func.count())
        .join(DeliveryStop, DeliveryStop.run_id == DeliveryRun.id)
        .where(
            DeliveryRun.cooperative_id == cooperative.id,
            DeliveryRun.business_date == day,
            DeliveryStop.delivered_at.is_(None),
        )
        .group_by(DeliveryRun.courier_id)
    )
    return {cid: int(n) for cid, n in rows.all()}


async def cash_day(
    session: AsyncSession, cooperative: Cooperative, day: datetime.date, *, courier_id: int | None = None
) -> CashDay:
    """Per courier, the cash due for one day, and the hand-ins already recorded that day.

    With `courier_id`, only that courier's (what a kurir sees of their own hand-in)."""
    pending = await _pending_by_courier(session, cooperative, day)
    undelivered = await _undelivered_by_courier(session, cooperative, day)
    ids = set(pending) | set(undelivered)
    if courier_id is not None:
        ids &= {courier_id}
    couriers = (
        {c.id: c for c in (await session.scalars(select(Courier).where(Courier.id.in_(ids)))).all()} if ids else {}
    )
    due = [
        CourierCash(
            courier_id=cid,
            name=couriers[cid].name if cid in couriers else _("Kurir"),
            expected=pending.get(cid, (0, 0))[0],
            orders=pending.get(cid, (0, 0))[1],
            not_delivered=undelivered.get(cid, 0),
        )
        for cid in sorted(ids, key=lambda i: couriers[i].name.lower() if i in couriers else "")
    ]
    query = select(CashReconciliation).where(
        CashReconciliation.cooperative_id == cooperative.id, CashReconciliation.business_date == day
    )
    if courier_id is not None:
        query = query.where(CashReconciliation.courier_id == courier_id)
    records = (await session.scalars(query.order_by(CashReconciliation.id))).all()
    return CashDay(day=day, due=due, records=records)


async def reconcile(
    session: AsyncSession,
    cooperative: Cooperative,
    user: CurrentUser,
    form: ReconcileForm,
) -> CashReconciliation:
    """Record the cash a courier handed in against what was collected; a difference needs a note."""
    errors: dict[str, str] = {}
    business_date = parse_date(form.tanggal, "tanggal", _("Tanggal"), errors, required=True)
    cid = parse_int(form.kurir, "kurir", _("Kurir"), errors, low=1)
    amount = parse_rupiah(form.received, "received", _("Uang yang diserahkan"), errors, low=0)
    raise_errors(errors)
    assert business_date is not None and cid is not None and amount is not None
    courier = await session.get(Courier, cid)
    if courier is None or courier.cooperative_id != cooperative.id:
        raise NotFound(_("Kurir tidak ditemukan di koperasi ini."))
    stops = (
        (
            await session.scalars(
                select(DeliveryStop).where(
                    DeliveryStop.cooperative_id == cooperative.id,
                    DeliveryStop.courier_id == courier.id,
                    DeliveryStop.delivered_on == business_date,
                    DeliveryStop.reconciliation_id.is_(None),
                )
            )
        )
        .unique()
        .all()
    )
    if not stops:
        raise Conflict(_("Tidak ada antaran %(name)s pada tanggal itu yang belum disetor.", name=courier.name))
    expected = sum(s.cash_collected for s in stops)
    difference = amount - expected
    text = parse_text(form.note, "note", _("Catatan"), errors, required=difference != 0, max_length=stockwork.MAX_NOTE)
    if errors:
        errors["note"] = (
            _("Ada selisih, jadi catatan wajib diisi (misalnya: uang kembalian kurang).")
            if difference and not text
            else errors["note"]
        )
    raise_errors(errors)
    record = CashReconciliation(
        cooperative_id=cooperative.id,
        courier_id=courier.id,
        courier_name=courier.name,
        business_date=business_date,
        expected=expected,
        received=amount,
        difference=difference,
        note=text,
        recorded_by=user.id,
    )
    async with session.begin_nested():
        session.add(record)
        await session.flush()
        # Claim the stops only where still open: a hand-in recorded at the same moment (another staff
        # member, a double submit) holds them, and on PostgreSQL this UPDATE waits for it, then finds them
        # taken. All or nothing, so cash is never counted in two hand-ins. The cash is read back as
        # claimed: money recorded on a stop after it was read above must not be closed unseen.
        claimed = (
            await session.execute(
                update(DeliveryStop)
                .where(DeliveryStop.id.in_([s.id for s in stops]), DeliveryStop.reconciliation_id.is_(None))
                .values(reconciliation_id=record.id)
                .returning(DeliveryStop.cash_collected)
                .execution_options(synchronize_session=False)
            )
        ).all()
        if len(claimed) != len(stops) or sum(cash for (cash,) in claimed) != expected:
            raise Conflict(_(HANDED_IN_MEANWHILE, name=courier.name))
    for stop in stops:
        set_committed_value(stop, "reconciliation_id", record.id)
    return record


@dataclass(frozen=True)
class CashDifferences:
    records: Sequence[CashReconciliation]
    total: int


async def cash_differences(
    session: AsyncSession, cooperative_id: int, year: int, month: int, *, courier_id: int | None = None
) -> CashDifferences:
    """Every courier hand-in of one month with its difference, for the cooperative's books (or one courier's)."""
    first = datetime.date(year, month, 1)
    after = datetime.date(year + (month == 12), month % 12 + 1, 1)
    query = select(CashReconciliation).where(
        CashReconciliation.cooperative_id == cooperative_id,
        and_(CashReconciliation.business_date >= first, CashReconciliation.business_date < after),
    )
    if courier_id is not None:
        query = query.where(CashReconciliation.courier_id == courier_id)
    rows = (await session.scalars(query.order_by(CashReconciliation.business_date, CashReconciliation.id))).all()
    return CashDifferences(records=rows, total=sum(r.difference for r in rows))
