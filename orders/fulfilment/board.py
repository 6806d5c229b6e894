"""The order board: open orders in columns by status, its filters, and actions on many orders at once."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import noload, selectinload

from app.auth import CurrentUser
from app.clock import day_bounds, local_today
from app.errors import InvalidInput
from app.forms import parse_date, raise_errors
from app.i18n import N_, _
from app.models import Cooperative
from orders import services, state
from orders.fulfilment.cash import cash_to_collect, record_cash_payment
from orders.fulfilment.common import BulkResult, clean, order_of, orders_by_number, require_selection
from orders.fulfilment.delivery import CourierChoice, assign_to_courier, courier_choices
from orders.models import DeliveryStop, Order

OPEN_STATUSES: tuple[state.OrderStatus, ...] = (
    state.OrderStatus.PLACED,
    state.OrderStatus.CONFIRMED,
    state.OrderStatus.PACKED,
    state.OrderStatus.READY_FOR_PICKUP,
    state.OrderStatus.OUT_FOR_DELIVERY,
)
# A column shows this many cards; the rest is one tap away, so a phone never downloads the whole board.
COLUMN_LIMIT = 60
PAYMENT_FILTERS = {str(s): state.PAYMENT_LABELS[s] for s in (state.PaymentStatus.UNPAID, state.PaymentStatus.PAID)}
BULK_ACTIONS = {
    "confirm": N_("Konfirmasi"),
    "pack": N_("Tandai dikemas"),
    "assign": N_("Serahkan ke kurir"),
}
_BULK_TARGET = {"confirm": state.OrderStatus.CONFIRMED, "pack": state.OrderStatus.PACKED}


@dataclass(frozen=True)
class BoardFilters:
    tanggal: datetime.date | None = None
    cara: str = ""
    dusun: str = ""
    bayar: str = ""
    q: str = ""
    status: str = ""
    semua: bool = False

    def query(self, **changes: object) -> str:
        values = {
            "tanggal": self.tanggal.isoformat() if self.tanggal else "",
            "cara": self.cara,
            "dusun": self.dusun,
            "bayar": self.bayar,
            "q": self.q,
            "status": self.status,
            "semua": "1" if self.semua else "",
        }
        values.update({k: str(v) for k, v in changes.items()})
        return urlencode({k: v for k, v in values.items() if v})

    @property
    def active(self) -> bool:
        return bool(self.tanggal or self.cara or self.dusun or self.bayar or self.q or self.status)


def parse_filters(
    *,
    tanggal: object = "",
    cara: object = "",
    dusun: object = "",
    bayar: object = "",
    q: object = "",
    status: object = "",
    semua: object = "",
) -> BoardFilters:
    errors: dict[str, str] = {}
    day = parse_date(tanggal, "tanggal", _("Tanggal"), errors)
    fulfilment = clean(cara, 16)
    if fulfilment and fulfilment not in services.FULFILMENTS:
        errors["cara"] = _("Pilih ambil di koperasi atau diantar.")
    payment = clean(bayar, 16)
    if payment and payment not in PAYMENT_FILTERS:
        errors["bayar"] = _("Pilih belum dibayar atau lunas.")
    status_filter = clean(status, 24)
    if status_filter and status_filter not in OPEN_STATUSES:
        errors["status"] = _("Status tidak dikenal.")
    raise_errors(errors)
    return BoardFilters(
        tanggal=day,
        cara=fulfilment,
        dusun=clean(dusun, 120),
        bayar=payment,
        q=clean(q, 40),
        status=status_filter,
        semua=bool(semua),
    )


@dataclass(frozen=True)
class Column:
    status: str
    label: str
    orders: Sequence[Order]
    count: int

    @property
    def hidden(self) -> int:
        return self.count - len(self.orders)


@dataclass(frozen=True)
class Board:
    columns: Sequence[Column]
    total: int
    dusuns: Sequence[str]
    couriers: Sequence[CourierChoice]
    filters: BoardFilters
    generated_at: datetime.datetime
    done_today: int
    # Every open status's count under the filters (also when one status is shown).
    counts: Mapping[str, int]
    # Orders out for delivery -> their run, so the card leads to the run sheet.
    runs: Mapping[int, int]


def _board_conditions(cooperative: Cooperative, filters: BoardFilters) -> list[object]:
    conditions: list[object] = [Order.cooperative_id == cooperative.id, Order.status.in_(OPEN_STATUSES)]
    if filters.tanggal:
        start, end = day_bounds(cooperative, filters.tanggal)
        conditions += [Order.created_at >= start, Order.created_at < end]
    if filters.cara:
        conditions.append(Order.fulfilment == filters.cara)
    if filters.dusun:
        conditions.append(Order.dusun == filters.dusun)
    if filters.bayar:
        conditions.append(Order.payment_status == filters.bayar)
    if filters.q:
        digits = re.sub(r"\D", "", filters.q)
        options: list[object] = [Order.number.contains(filters.q.upper(), autoescape=True)]
        if len(digits) >= 4:
            # People type 0812…; numbers are stored +62812…: match on the digits after the leading 0/62.
            tail = digits[1:] if digits.startswith("0") else digits[2:] if digits.startswith("62") else digits
            options.append(Order.customer_phone.contains(tail, autoescape=True))
        conditions.append(or_(*options))  # type: ignore[arg-type]
    return conditions


async def _columns(
    session: AsyncSession, conditions: list[object], filters: BoardFilters, counts: Mapping[str, int]
) -> list[Column]:
    statuses = [s for s in OPEN_STATUSES if not filters.status or s == filters.status]
    columns = []
    for status in statuses:
        count = int(counts.get(status, 0))
        orders: Sequence[Order] = []
        if count:
            query = (
                select(Order)
                .where(*conditions, Order.status == status)  # type: ignore[arg-type]
                .options(selectinload(Order.lines), noload(Order.events))
                .order_by(Order.id)
            )
            if not filters.semua:
                query = query.limit(COLUMN_LIMIT)
            orders = (await session.scalars(query)).all()
        columns.append(Column(status=status, label=state.status_label(status), orders=orders, count=count))
    return columns


async def _done_today(session: AsyncSession, cooperative: Cooperative) -> int:
    start, end = day_bounds(cooperative, local_today(cooperative))
    done = await session.scalar(
        select(func.count())
        .select_from(Order)
        .where(
            Order.cooperative_id == cooperative.id,
            Order.status == state.OrderStatus.COMPLETED,
            Order.updated_at >= start,
            Order.updated_at < end,
        )
    )
    return int(done or 0)


async def _runs_of(session: AsyncSession, columns: Sequence[Column]) -> dict[int, int]:
    out_ids = [o.id for c in columns if c.status == state.OrderStatus.OUT_FOR_DELIVERY for o in c.orders]
    if not out_ids:
        return {}
    rows = await session.execute(
        select(DeliveryStop.order_id, DeliveryStop.run_id).where(DeliveryStop.order_id.in_(out_ids))
    )
    return {oid: rid for oid, rid in rows.all()}


async def load_board(session: AsyncSession, cooperative: Cooperative, filters: BoardFilters) -> Board:
    """Open orders by status with counts; each column oldest first, capped unless `semua` is asked for."""
    conditions = _board_conditions(cooperative, filters)
    counts = {
        str(k): int(v)
        for k, v in (
            await session.execute(select(Order.status, func.count()).where(*conditions).group_by(Order.status))  # type: ignore[arg-type]
        ).all()
    }
    columns = await _columns(session, conditions, filters, counts)
    dusun_rows = await session.scalars(
        select(Order.dusun)
        .distinct()
        .where(Order.cooperative_id == cooperative.id, Order.status.in_(OPEN_STATUSES), Order.dusun.is_not(None))
        .order_by(Order.dusun)
    )
    return Board(
        counts=counts,
        runs=await _runs_of(session, columns),
        columns=columns,
        total=sum(counts.values()),
        dusuns=[d for d in dusun_rows.all() if d],
        couriers=await courier_choices(session, cooperative),
        filters=filters,
        generated_at=datetime.datetime.now(datetime.UTC),
        done_today=await _done_today(session, cooperative),
    )


async def bulk_action(
    session: AsyncSession,
    cooperative: Cooperative,
    user: CurrentUser,
    numbers: Sequence[str],
    action: str,
    *,
    courier: str = "",
) -> BulkResult:
    """Apply one action to the orders picked on the board; an order that cannot take it is skipped, with why."""
    if action not in BULK_ACTIONS:
        raise InvalidInput(
            _("Pilih tindakan untuk pesanan terpilih."), field_errors={"aksi": _("Tindakan tidak dikenal.")}
        )
    require_selection(numbers)
    if action == "assign":
        return await assign_to_courier(session, cooperative, user, numbers, courier)
    result = BulkResult()
    orders = {o.number: o for o in await orders_by_number(session, cooperative, numbers)}
    for number in numbers:
        order = orders[number]
        try:
            await services.transition(session, order, _BULK_TARGET[action], user, role="staff")
        except state.StateError as exc:
            result.skipped.append((number, exc.message))
            continue
        result.done.append(number)
    return result


# --- one order's step and its payment ----------------------------------------------------------------------------


def takes_cash_on_completion(order: Order) -> bool:
    """A cash pickup is handed over and paid at the counter at once: completing it records the cash."""
    return (
        order.fulfilment == state.Fulfilment.PICKUP
        and order.status == state.OrderStatus.READY_FOR_PICKUP
        and cash_to_collect(order) > 0
    )


def lunas_offer(order: Order) -> str | None:
    """How the board lets staff mark an order paid: "cash" (one tap), "reference" (the order page asks for it).

    None when nothing is due here: paid, cancelled, cash a courier collects on the run sheet, or a cash
    pickup waiting at the counter, which "Selesaikan" pays.
    """
    if order.payment_status != state.PaymentStatus.UNPAID or order.status == state.OrderStatus.CANCELLED:
        return None
    if order.payment_method != "cash":
        return "reference"
    if order.fulfilment == state.Fulfilment.DELIVERY or takes_cash_on_completion(order):
        return None
    return "cash"


async def take_step(
    session: AsyncSession, cooperative: Cooperative, user: CurrentUser, number: str, target: str, note: str | None
) -> tuple[Order, int]:
    """One staff step for an order; completing a cash pickup books its cash exactly like "Lunas".

    Returns the order and the cash taken with the step (0 for none)."""
    order = await order_of(session, cooperative, number)
    with_cash = target == state.OrderStatus.COMPLETED and takes_cash_on_completion(order)
    await services.transition(session, order, target, user, role="staff", note=note)
    return order, await record_cash_payment(session, order, user) if with_cash else 0
