"""Fulfilment for cooperative staff: the order board, pick lists, packing slips, delivery runs, cash hand-in.

Every status change goes through `orders.services.transition` (state machine, one event per move) and
every stock change through `catalog.stock`; this module only decides which orders and in what shape.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, and_, distinct, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, noload, selectinload

from app import services as cooperatives
from app.auth import CurrentUser, require_staff
from app.errors import Conflict, InvalidInput, NotFound
from app.models import Cooperative, Membership, MembershipStatus, Role, User
from app.text import InvalidPhone, is_digits, normalise_phone, strip_control
from catalog import stock as stockwork
from catalog.models import Product, Stocktake
from orders import services, state
from orders.models import CashReconciliation, Courier, DeliveryRun, DeliveryStop, Order, OrderLine
from producers.models import Producer

OPEN_STATUSES: tuple[state.OrderStatus, ...] = (
    state.OrderStatus.PLACED,
    state.OrderStatus.CONFIRMED,
    state.OrderStatus.PACKED,
    state.OrderStatus.READY_FOR_PICKUP,
    state.OrderStatus.OUT_FOR_DELIVERY,
)
# Orders whose goods are sold (stock reserved) but still on the shelf.
UNPACKED_STATUSES = (state.OrderStatus.PLACED, state.OrderStatus.CONFIRMED)
# A column shows this many cards; the rest is one tap away, so a phone never downloads the whole board.
COLUMN_LIMIT = 60
MAX_SELECTED = 300
PAYMENT_FILTERS = {"unpaid": "Belum dibayar", "paid": "Lunas"}
BULK_ACTIONS = {
    "confirm": "Konfirmasi",
    "pack": "Tandai dikemas",
    "assign": "Serahkan ke kurir",
}
_BULK_TARGET = {"confirm": state.OrderStatus.CONFIRMED, "pack": state.OrderStatus.PACKED}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER = re.compile(r"^[A-Z0-9]{2,6}-\d{6}-[A-Z0-9]{4}$")


# --- time: business days are the cooperative's local dates -------------------------------------------


def zone_of(cooperative: Cooperative) -> ZoneInfo:
    try:
        return ZoneInfo(cooperative.timezone or "Asia/Makassar")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Asia/Makassar")


def local_today(cooperative: Cooperative, now: datetime.datetime | None = None) -> datetime.date:
    now = now or datetime.datetime.now(datetime.UTC)
    return now.astimezone(zone_of(cooperative)).date()


def local_date(cooperative: Cooperative, moment: datetime.datetime) -> datetime.date:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(zone_of(cooperative)).date()


def day_bounds(
    cooperative: Cooperative, first: datetime.date, last: datetime.date | None = None
) -> tuple[datetime.datetime, datetime.datetime]:
    """UTC [start, end) of the local days first..last."""
    zone = zone_of(cooperative)
    start = datetime.datetime.combine(first, datetime.time(), zone)
    end = datetime.datetime.combine((last or first) + datetime.timedelta(days=1), datetime.time(), zone)
    return start.astimezone(datetime.UTC), end.astimezone(datetime.UTC)


def parse_date(value: object, field_name: str, label: str, errors: dict[str, str]) -> datetime.date | None:
    """`2026-11-27` (what a date input sends); empty gives None."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _DATE.match(value.strip()):
        errors[field_name] = f"{label} harus berupa tanggal, misalnya 2026-11-27."
        return None
    try:
        day = datetime.date.fromisoformat(value.strip())
    except ValueError:
        errors[field_name] = f"{label} bukan tanggal yang ada di kalender."
        return None
    if not datetime.date(2000, 1, 1) <= day <= datetime.date(2100, 12, 31):
        errors[field_name] = f"{label} di luar rentang yang masuk akal."
        return None
    return day


def _refuse(errors: Mapping[str, str]) -> None:
    if errors:
        message = next(iter(errors.values())) if len(errors) == 1 else "Ada beberapa isian yang perlu diperbaiki."
        raise InvalidInput(message, field_errors=errors)


def _clean(value: object, max_length: int = 120) -> str:
    return strip_control(value).strip()[:max_length] if isinstance(value, str) else ""


async def staff_cooperative(
    session: AsyncSession, user: CurrentUser | None, slug: str
) -> tuple[Cooperative, CurrentUser]:
    """The cooperative in the URL, if this user is its staff; anyone else gets 403 and learns nothing else."""
    cooperative = await cooperatives.get_cooperative(session, slug[:80])
    return cooperative, require_staff(user, cooperative)


def clean_numbers(values: Iterable[object]) -> list[str]:
    """Order numbers picked on the board; anything that cannot be one is dropped."""
    seen: dict[str, None] = {}
    for value in values:
        text = _clean(value, 24).upper()
        if _NUMBER.match(text):
            seen[text] = None
        if len(seen) >= MAX_SELECTED:
            break
    return list(seen)


async def orders_by_number(session: AsyncSession, cooperative: Cooperative, numbers: Sequence[str]) -> list[Order]:
    """The picked orders, all of this cooperative: a number from elsewhere (a tampered form) is a 404."""
    if not numbers:
        return []
    rows = await session.scalars(
        select(Order)
        .where(Order.cooperative_id == cooperative.id, Order.number.in_(numbers))
        .options(selectinload(Order.lines), noload(Order.events))
        .order_by(Order.id)
    )
    orders = list(rows.all())
    found = {o.number for o in orders}
    if missing := [n for n in numbers if n not in found]:
        raise NotFound(f"{len(missing)} pesanan yang dipilih tidak ditemukan di koperasi ini.")
    return orders


async def check_selection(session: AsyncSession, cooperative: Cooperative, numbers: Sequence[str]) -> None:
    if not numbers:
        raise InvalidInput("Pilih paling tidak satu pesanan dulu.", field_errors={"pilih": "Belum ada yang dipilih."})
    await orders_by_number(session, cooperative, numbers)


async def order_of(session: AsyncSession, cooperative: Cooperative, number: str) -> Order:
    order = await session.scalar(
        select(Order).where(Order.cooperative_id == cooperative.id, Order.number == _clean(number, 24).upper())
    )
    if order is None:
        raise NotFound("Pesanan tidak ditemukan di koperasi ini.")
    return order


# --- the order board ------------------------------------------------------------------------------------


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
    day = parse_date(tanggal, "tanggal", "Tanggal", errors)
    fulfilment = _clean(cara, 16)
    if fulfilment and fulfilment not in services.FULFILMENTS:
        errors["cara"] = "Pilih ambil di koperasi atau diantar."
    payment = _clean(bayar, 16)
    if payment and payment not in PAYMENT_FILTERS:
        errors["bayar"] = "Pilih belum dibayar atau lunas."
    status_filter = _clean(status, 24)
    if status_filter and status_filter not in OPEN_STATUSES:
        errors["status"] = "Status tidak dikenal."
    _refuse(errors)
    return BoardFilters(
        tanggal=day,
        cara=fulfilment,
        dusun=_clean(dusun, 120),
        bayar=payment,
        q=_clean(q, 40),
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


async def load_board(session: AsyncSession, cooperative: Cooperative, filters: BoardFilters) -> Board:
    """Open orders by status with counts; each column oldest first, capped unless `semua` is asked for."""
    conditions = _board_conditions(cooperative, filters)
    counts = dict(
        (await session.execute(select(Order.status, func.count()).where(*conditions).group_by(Order.status))).all()  # type: ignore[arg-type]
    )
    statuses = [s for s in OPEN_STATUSES if not filters.status or s == filters.status]
    limit = None if filters.semua else COLUMN_LIMIT
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
            if limit is not None:
                query = query.limit(limit)
            orders = (await session.scalars(query)).all()
        columns.append(Column(status=status, label=state.LABELS[status], orders=orders, count=count))
    dusun_rows = await session.scalars(
        select(Order.dusun)
        .distinct()
        .where(Order.cooperative_id == cooperative.id, Order.status.in_(OPEN_STATUSES), Order.dusun.is_not(None))
        .order_by(Order.dusun)
    )
    start, end = day_bounds(cooperative, local_today(cooperative))
    done_today = await session.scalar(
        select(func.count())
        .select_from(Order)
        .where(
            Order.cooperative_id == cooperative.id,
            Order.status == state.OrderStatus.COMPLETED,
            Order.updated_at >= start,
            Order.updated_at < end,
        )
    )
    out_ids = [o.id for c in columns if c.status == state.OrderStatus.OUT_FOR_DELIVERY for o in c.orders]
    runs: dict[int, int] = {}
    if out_ids:
        rows = await session.execute(
            select(DeliveryStop.order_id, DeliveryStop.run_id).where(DeliveryStop.order_id.in_(out_ids))
        )
        runs = {oid: rid for oid, rid in rows.all()}
    return Board(
        counts={str(k): int(v) for k, v in counts.items()},
        runs=runs,
        columns=columns,
        total=sum(int(v) for v in counts.values()),
        dusuns=[d for d in dusun_rows.all() if d],
        couriers=await courier_choices(session, cooperative),
        filters=filters,
        generated_at=datetime.datetime.now(datetime.UTC),
        done_today=int(done_today or 0),
    )


@dataclass
class BulkResult:
    done: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    run_id: int | None = None

    def message(self, verb: str) -> str:
        parts = []
        if self.done:
            parts.append(f"{len(self.done)} pesanan {verb}.")
        if self.skipped:
            reasons = "; ".join(f"{number}: {why}" for number, why in self.skipped[:5])
            more = f" (dan {len(self.skipped) - 5} lagi)" if len(self.skipped) > 5 else ""
            parts.append(f"{len(self.skipped)} dilewati — {reasons}{more}")
        return " ".join(parts) or "Tidak ada pesanan yang dipilih."


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
        raise InvalidInput("Pilih tindakan untuk pesanan terpilih.", field_errors={"aksi": "Tindakan tidak dikenal."})
    if not numbers:
        raise InvalidInput("Pilih paling tidak satu pesanan dulu.", field_errors={"pilih": "Belum ada yang dipilih."})
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


async def held_quantities(session: AsyncSession, cooperative_id: int) -> dict[int, int]:
    """Units sold to orders nobody has packed yet: still on the shelf, already out of `stock`."""
    rows = await session.execute(
        select(OrderLine.product_id, func.sum(OrderLine.quantity))
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            Order.cooperative_id == cooperative_id,
            Order.status.in_(UNPACKED_STATUSES),
            OrderLine.product_id.is_not(None),
        )
        .group_by(OrderLine.product_id)
    )
    return {int(pid): int(qty) for pid, qty in rows.all() if pid is not None}


async def stocktake_sheet(
    session: AsyncSession, cooperative: Cooperative, *, producer_id: int | None = None, q: str | None = None
) -> list[stockwork.SheetRow]:
    products = await stockwork.active_products(session, cooperative.id, producer_id=producer_id, q=q)
    return stockwork.stocktake_sheet(products, await held_quantities(session, cooperative.id))


async def record_stocktake(
    session: AsyncSession, cooperative: Cooperative, user: CurrentUser, counts: Mapping[int, object], note: object
) -> Stocktake:
    held = await held_quantities(session, cooperative.id)
    return await stockwork.record_stocktake(session, cooperative.id, counts, held, user_id=user.id, note=note)


# --- pick list and packing slips --------------------------------------------------------------------------


@dataclass(frozen=True)
class PickItem:
    product_id: int | None
    name: str
    unit: str
    quantity: int
    orders: int


@dataclass(frozen=True)
class PickGroup:
    producer_id: int | None
    name: str
    phone: str | None
    items: Sequence[PickItem]

    @property
    def units(self) -> int:
        return sum(i.quantity for i in self.items)


@dataclass(frozen=True)
class PickList:
    groups: Sequence[PickGroup]
    orders: Sequence[str]
    day: datetime.date | None
    skipped: Sequence[str]

    @property
    def units(self) -> int:
        return sum(g.units for g in self.groups)


def _scope(cooperative: Cooperative, day: datetime.date | None, numbers: Sequence[str]) -> list[ColumnElement[bool]]:
    """A selection of order numbers wins; otherwise the orders placed on one local day; otherwise all."""
    if numbers:
        return [Order.number.in_(numbers)]
    if day:
        start, end = day_bounds(cooperative, day)
        return [Order.created_at >= start, Order.created_at < end]
    return []


async def pick_list(
    session: AsyncSession, cooperative: Cooperative, *, day: datetime.date | None = None, numbers: Sequence[str] = ()
) -> PickList:
    """What to collect from each producer: confirmed orders' quantities summed per product.

    Only confirmed orders count: placed ones may still be refused, packed ones are already collected,
    cancelled ones are gone. A selection keeps only its confirmed orders and says which it left out.
    """
    await orders_by_number(session, cooperative, numbers)
    base = [Order.cooperative_id == cooperative.id, Order.status == state.OrderStatus.CONFIRMED]
    order_query = select(Order.number).where(*base, *_scope(cooperative, day, numbers)).order_by(Order.id)
    covered = list((await session.scalars(order_query)).all())
    skipped = [n for n in numbers if n not in set(covered)]
    if not covered:
        return PickList(groups=[], orders=[], day=day, skipped=skipped)
    rows = await session.execute(
        select(
            OrderLine.producer_id,
            OrderLine.product_id,
            func.max(OrderLine.name),
            OrderLine.unit,
            func.sum(OrderLine.quantity),
            func.count(distinct(OrderLine.order_id)),
        )
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.cooperative_id == cooperative.id, Order.number.in_(covered))
        .group_by(OrderLine.producer_id, OrderLine.product_id, OrderLine.unit)
    )
    by_producer: dict[int | None, list[PickItem]] = {}
    for producer_id, product_id, name, unit, quantity, order_count in rows.all():
        by_producer.setdefault(producer_id, []).append(
            PickItem(product_id=product_id, name=name, unit=unit, quantity=int(quantity), orders=int(order_count))
        )
    ids = [pid for pid in by_producer if pid is not None]
    producers = (
        {
            p.id: p
            for p in (
                await session.scalars(
                    select(Producer).where(Producer.id.in_(ids), Producer.cooperative_id == cooperative.id)
                )
            ).all()
        }
        if ids
        else {}
    )
    groups = []
    for producer_id, items in by_producer.items():
        producer = producers.get(producer_id) if producer_id is not None else None
        groups.append(
            PickGroup(
                producer_id=producer_id,
                name=producer.business_name if producer else f"Stok {cooperative.short_name}",
                phone=producer.phone if producer else None,
                items=sorted(items, key=lambda i: i.name.lower()),
            )
        )
    # The cooperative's own stock last: producers are the trips to plan.
    groups.sort(key=lambda g: (g.producer_id is None, g.name.lower()))
    return PickList(groups=groups, orders=covered, day=day, skipped=skipped)


PICK_CSV_HEADERS = ["Produsen", "No HP produsen", "Produk", "Satuan", "Jumlah", "Jumlah pesanan"]


def pick_list_rows(pick: PickList) -> list[list[object]]:
    return [
        [group.name, group.phone or "", item.name, item.unit, item.quantity, item.orders]
        for group in pick.groups
        for item in group.items
    ]


async def packing_slips(
    session: AsyncSession, cooperative: Cooperative, *, day: datetime.date | None = None, numbers: Sequence[str] = ()
) -> list[Order]:
    """One slip per order: the selection (anything not cancelled), or every confirmed order of the day."""
    if numbers:
        orders = await orders_by_number(session, cooperative, numbers)
        return [o for o in orders if o.status != state.OrderStatus.CANCELLED]
    query = (
        select(Order)
        .where(
            Order.cooperative_id == cooperative.id,
            Order.status == state.OrderStatus.CONFIRMED,
            *_scope(cooperative, day, ()),
        )
        .options(selectinload(Order.lines), noload(Order.events))
        .order_by(Order.id)
    )
    return list((await session.scalars(query)).all())


def cash_to_collect(order: Order) -> int:
    """Rupiah the courier or counter must take for this order: the total while a cash order is unpaid."""
    if order.payment_method == "cash" and order.payment_status == state.PaymentStatus.UNPAID:
        return int(order.total)
    return 0


# --- couriers and delivery runs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CourierChoice:
    ref: str
    name: str
    phone: str | None
    is_staff: bool


async def _staff_users(session: AsyncSession, cooperative: Cooperative) -> list[User]:
    rows = await session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.cooperative_id == cooperative.id,
            Membership.status == MembershipStatus.APPROVED,
            Membership.role.in_([Role.STAFF, Role.ADMIN]),
            User.is_active.is_(True),
        )
        .order_by(User.name)
    )
    return list(rows.all())


async def list_couriers(session: AsyncSession, cooperative: Cooperative) -> list[Courier]:
    rows = await session.scalars(
        select(Courier)
        .where(Courier.cooperative_id == cooperative.id, Courier.is_active.is_(True))
        .order_by(Courier.name)
    )
    return list(rows.all())


async def courier_choices(session: AsyncSession, cooperative: Cooperative) -> list[CourierChoice]:
    """Named couriers, then staff members who have not been a courier yet."""
    couriers = await list_couriers(session, cooperative)
    linked = {c.user_id for c in couriers if c.user_id}
    choices = [CourierChoice(f"kurir:{c.id}", c.name, c.phone, c.user_id is not None) for c in couriers]
    choices += [
        CourierChoice(f"staf:{u.id}", u.name, u.phone, True)
        for u in await _staff_users(session, cooperative)
        if u.id not in linked
    ]
    return choices


async def add_courier(session: AsyncSession, cooperative: Cooperative, name: object, phone: object) -> Courier:
    errors: dict[str, str] = {}
    clean_name = _clean(name, 200)
    if not clean_name:
        errors["name"] = "Nama kurir wajib diisi."
    elif len(clean_name) > 120:
        errors["name"] = "Nama kurir terlalu panjang (paling banyak 120 huruf)."
    elif "<" in clean_name or ">" in clean_name:
        errors["name"] = "Nama kurir tidak boleh berisi tanda < atau >."
    number: str | None = None
    if isinstance(phone, str) and phone.strip():
        try:
            number = normalise_phone(phone[:40])
        except InvalidPhone as exc:
            errors["phone"] = str(exc)
    _refuse(errors)
    courier = Courier(cooperative_id=cooperative.id, name=clean_name, phone=number, is_active=True)
    session.add(courier)
    await session.flush()
    return courier


async def resolve_courier(session: AsyncSession, cooperative: Cooperative, ref: object) -> Courier:
    """`kurir:<id>` (a named courier) or `staf:<user id>` (a staff member; becomes a courier on first run)."""
    text = _clean(ref, 40)
    kind, _, raw_id = text.partition(":")
    if kind not in {"kurir", "staf"} or not is_digits(raw_id) or len(raw_id) > 12:
        raise InvalidInput("Pilih kurir dulu.", field_errors={"kurir": "Pilih kurir."})
    if kind == "kurir":
        courier = await session.get(Courier, int(raw_id))
        if courier is None or courier.cooperative_id != cooperative.id:
            raise NotFound("Kurir tidak ditemukan di koperasi ini.")
        return courier
    staff = {u.id: u for u in await _staff_users(session, cooperative)}
    person = staff.get(int(raw_id))
    if person is None:
        raise NotFound("Staf itu tidak ditemukan di koperasi ini.")
    existing = await session.scalar(
        select(Courier).where(Courier.cooperative_id == cooperative.id, Courier.user_id == person.id)
    )
    if existing is not None:
        return existing
    courier = Courier(cooperative_id=cooperative.id, user_id=person.id, name=person.name, phone=person.phone)
    session.add(courier)
    await session.flush()
    return courier


async def _run_for(
    session: AsyncSession, cooperative: Cooperative, courier: Courier, day: datetime.date, user: CurrentUser
) -> DeliveryRun:
    run = await session.scalar(
        select(DeliveryRun).where(
            DeliveryRun.cooperative_id == cooperative.id,
            DeliveryRun.courier_id == courier.id,
            DeliveryRun.business_date == day,
        )
    )
    if run is None:
        run = DeliveryRun(cooperative_id=cooperative.id, courier_id=courier.id, business_date=day, created_by=user.id)
        session.add(run)
        await session.flush()
    return run


async def assign_to_courier(
    session: AsyncSession, cooperative: Cooperative, user: CurrentUser, numbers: Sequence[str], courier_ref: object
) -> BulkResult:
    """Packed delivery orders go out with a courier: onto the courier's run of today, status 'sedang diantar'."""
    if not numbers:
        raise InvalidInput("Pilih paling tidak satu pesanan dulu.", field_errors={"pilih": "Belum ada yang dipilih."})
    courier = await resolve_courier(session, cooperative, courier_ref)
    run = await _run_for(session, cooperative, courier, local_today(cooperative), user)
    result = BulkResult()
    orders = {o.number: o for o in await orders_by_number(session, cooperative, numbers)}
    for number in numbers:
        order = orders[number]
        if order.fulfilment != state.Fulfilment.DELIVERY:
            result.skipped.append((number, "diambil sendiri, tidak diantar"))
            continue
        try:
            await services.transition(
                session, order, state.OrderStatus.OUT_FOR_DELIVERY, user, role="staff", note=f"Kurir: {courier.name}"
            )
        except state.StateError as exc:
            result.skipped.append((number, exc.message))
            continue
        session.add(
            DeliveryStop(cooperative_id=cooperative.id, run_id=run.id, courier_id=courier.id, order_id=order.id)
        )
        result.done.append(number)
    await session.flush()
    result.run_id = run.id
    return result


@dataclass(frozen=True)
class RunSummary:
    run: DeliveryRun
    stops: int
    delivered: int
    cash_expected: int
    cash_collected: int


async def runs_of_day(session: AsyncSession, cooperative: Cooperative, day: datetime.date) -> list[RunSummary]:
    runs = (
        (
            await session.scalars(
                select(DeliveryRun)
                .where(DeliveryRun.cooperative_id == cooperative.id, DeliveryRun.business_date == day)
                .order_by(DeliveryRun.id)
            )
        )
        .unique()
        .all()
    )
    summaries = []
    for run in runs:
        stops = await _stops(session, run)
        summaries.append(
            RunSummary(
                run=run,
                stops=len(stops),
                delivered=sum(1 for s in stops if s.delivered_at is not None),
                cash_expected=sum(cash_to_collect(s.order) + s.cash_collected for s in stops),
                cash_collected=sum(s.cash_collected for s in stops),
            )
        )
    return summaries


async def _stops(session: AsyncSession, run: DeliveryRun) -> list[DeliveryStop]:
    rows = await session.scalars(
        select(DeliveryStop)
        .where(DeliveryStop.run_id == run.id)
        .options(joinedload(DeliveryStop.order).options(selectinload(Order.lines), noload(Order.events)))
        .order_by(DeliveryStop.id)
    )
    return list(rows.unique().all())


@dataclass(frozen=True)
class StopGroup:
    dusun: str
    rt: str
    stops: Sequence[DeliveryStop]


@dataclass(frozen=True)
class RunSheet:
    run: DeliveryRun
    groups: Sequence[StopGroup]
    cash_to_collect: int
    cash_collected: int
    remaining: int


async def get_run(session: AsyncSession, cooperative: Cooperative, run_id: int) -> DeliveryRun:
    run = await session.get(DeliveryRun, run_id)
    if run is None or run.cooperative_id != cooperative.id:
        raise NotFound("Daftar antar tidak ditemukan di koperasi ini.")
    return run


async def run_sheet(session: AsyncSession, cooperative: Cooperative, run_id: int) -> RunSheet:
    """A courier's stops grouped by dusun and RT (how villages deliver), undelivered first within each."""
    run = await get_run(session, cooperative, run_id)
    stops = await _stops(session, run)
    grouped: dict[tuple[str, str], list[DeliveryStop]] = {}
    for stop in stops:
        key = ((stop.order.dusun or "Tanpa dusun").strip(), (stop.order.rt or "").strip())
        grouped.setdefault(key, []).append(stop)
    groups = [
        StopGroup(dusun=dusun, rt=rt, stops=sorted(items, key=lambda s: (s.delivered_at is not None, s.id)))
        for (dusun, rt), items in sorted(grouped.items(), key=lambda kv: (kv[0][0].lower(), kv[0][1].zfill(3)))
    ]
    return RunSheet(
        run=run,
        groups=groups,
        cash_to_collect=sum(cash_to_collect(s.order) for s in stops),
        cash_collected=sum(s.cash_collected for s in stops),
        remaining=sum(1 for s in stops if s.delivered_at is None),
    )


async def _stop_of(session: AsyncSession, cooperative: Cooperative, run_id: int, number: str) -> DeliveryStop:
    run = await get_run(session, cooperative, run_id)
    order = await order_of(session, cooperative, number)
    stop = await session.scalar(
        select(DeliveryStop).where(DeliveryStop.run_id == run.id, DeliveryStop.order_id == order.id)
    )
    if stop is None:
        raise NotFound("Pesanan ini tidak ada di daftar antar tersebut.")
    return stop


async def record_cash_payment(session: AsyncSession, order: Order, user: CurrentUser) -> int:
    """Cash taken for an unpaid cash order: payment status becomes paid. Returns the rupiah taken."""
    if order.payment_method != "cash":
        raise Conflict("Pesanan ini tidak dibayar tunai.")
    state.check_payment_transition(order.payment_status, state.PaymentStatus.PAID)
    order.payment_status = state.PaymentStatus.PAID
    await session.flush()
    return int(order.total)


async def mark_delivered(
    session: AsyncSession, cooperative: Cooperative, user: CurrentUser, run_id: int, number: str, *, cash: bool
) -> DeliveryStop:
    """The courier handed the order over (and, with `cash`, took the money for it)."""
    stop = await _stop_of(session, cooperative, run_id, number)
    if stop.delivered_at is not None:
        raise Conflict(f"Pesanan {stop.order.number} sudah ditandai terkirim.")
    courier = await session.get(Courier, stop.courier_id)
    await services.transition(
        session,
        stop.order,
        state.OrderStatus.COMPLETED,
        user,
        role="staff",
        note=f"Diterima pembeli, diantar {courier.name if courier else 'kurir'}",
    )
    now = datetime.datetime.now(datetime.UTC)
    stop.delivered_at = now
    stop.delivered_on = local_today(cooperative, now)
    if cash and cash_to_collect(stop.order):
        stop.cash_collected = await record_cash_payment(session, stop.order, user)
    await session.flush()
    return stop


async def collect_cash(
    session: AsyncSession, cooperative: Cooperative, user: CurrentUser, run_id: int, number: str
) -> DeliveryStop:
    """Cash for an order already delivered (the buyer paid the courier afterwards)."""
    stop = await _stop_of(session, cooperative, run_id, number)
    if stop.delivered_at is None:
        raise Conflict("Tandai pesanan terkirim dulu, lalu catat uangnya.")
    if stop.reconciliation_id is not None:
        raise Conflict("Setoran kurir untuk pesanan ini sudah ditutup.")
    stop.cash_collected = await record_cash_payment(session, stop.order, user)
    await session.flush()
    return stop


# --- cash hand-in and reconciliation ------------------------------------------------------------------------


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


async def cash_day(session: AsyncSession, cooperative: Cooperative, day: datetime.date) -> CashDay:
    rows = await session.execute(
        select(
            DeliveryStop.courier_id,
            func.coalesce(func.sum(DeliveryStop.cash_collected), 0),
            func.count(),
        )
        .where(
            DeliveryStop.cooperative_id == cooperative.id,
            DeliveryStop.delivered_on == day,
            DeliveryStop.reconciliation_id.is_(None),
        )
        .group_by(DeliveryStop.courier_id)
    )
    pending = {cid: (int(total), int(count)) for cid, total, count in rows.all()}
    open_rows = await session.execute(
        select(DeliveryRun.courier_id, func.count())
        .join(DeliveryStop, DeliveryStop.run_id == DeliveryRun.id)
        .where(
            DeliveryRun.cooperative_id == cooperative.id,
            DeliveryRun.business_date == day,
            DeliveryStop.delivered_at.is_(None),
        )
        .group_by(DeliveryRun.courier_id)
    )
    undelivered = {cid: int(n) for cid, n in open_rows.all()}
    ids = set(pending) | set(undelivered)
    couriers = (
        {c.id: c for c in (await session.scalars(select(Courier).where(Courier.id.in_(ids)))).all()} if ids else {}
    )
    due = [
        CourierCash(
            courier_id=cid,
            name=couriers[cid].name if cid in couriers else "Kurir",
            expected=pending.get(cid, (0, 0))[0],
            orders=pending.get(cid, (0, 0))[1],
            not_delivered=undelivered.get(cid, 0),
        )
        for cid in sorted(ids, key=lambda i: couriers[i].name.lower() if i in couriers else "")
    ]
    records = (
        await session.scalars(
            select(CashReconciliation)
            .where(CashReconciliation.cooperative_id == cooperative.id, CashReconciliation.business_date == day)
            .order_by(CashReconciliation.id)
        )
    ).all()
    return CashDay(day=day, due=due, records=records)


async def reconcile(
    session: AsyncSession,
    cooperative: Cooperative,
    user: CurrentUser,
    *,
    courier_id: object,
    day: object,
    received: object,
    note: object,
) -> CashReconciliation:
    """Record the cash a courier handed in against what was collected; a difference needs a note."""
    errors: dict[str, str] = {}
    business_date = parse_date(day, "tanggal", "Tanggal", errors)
    if business_date is None and "tanggal" not in errors:
        errors["tanggal"] = "Tanggal wajib diisi."
    cid = stockwork.parse_int(courier_id, "kurir", "Kurir", errors, low=1, high=10**12)
    amount = stockwork.parse_int(received, "received", "Uang yang diserahkan", errors, low=0, high=10**12)
    _refuse(errors)
    assert business_date is not None and cid is not None and amount is not None
    courier = await session.get(Courier, cid)
    if courier is None or courier.cooperative_id != cooperative.id:
        raise NotFound("Kurir tidak ditemukan di koperasi ini.")
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
        raise Conflict(f"Tidak ada antaran {courier.name} pada tanggal itu yang belum disetor.")
    expected = sum(s.cash_collected for s in stops)
    difference = amount - expected
    text = stockwork.clean_note(note, errors, required=difference != 0)
    if errors:
        errors["note"] = (
            "Ada selisih, jadi catatan wajib diisi (misalnya: uang kembalian kurang)."
            if difference and not text
            else errors["note"]
        )
    _refuse(errors)
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
    session.add(record)
    await session.flush()
    for stop in stops:
        stop.reconciliation_id = record.id
    await session.flush()
    return record


@dataclass(frozen=True)
class CashDifferences:
    records: Sequence[CashReconciliation]
    total: int


async def cash_differences(session: AsyncSession, cooperative_id: int, year: int, month: int) -> CashDifferences:
    """Every courier hand-in of one month with its difference, for the cooperative's books."""
    first = datetime.date(year, month, 1)
    after = datetime.date(year + (month == 12), month % 12 + 1, 1)
    rows = (
        await session.scalars(
            select(CashReconciliation)
            .where(
                CashReconciliation.cooperative_id == cooperative_id,
                and_(CashReconciliation.business_date >= first, CashReconciliation.business_date < after),
            )
            .order_by(CashReconciliation.business_date, CashReconciliation.id)
        )
    ).all()
    return CashDifferences(records=rows, total=sum(r.difference for r in rows))


async def product_for_staff(session: AsyncSession, cooperative: Cooperative, product_id: int) -> Product:
    return await stockwork.product_of(session, cooperative.id, product_id)


async def list_producers(session: AsyncSession, cooperative: Cooperative) -> list[Producer]:
    rows = await session.scalars(
        select(Producer).where(Producer.cooperative_id == cooperative.id).order_by(Producer.business_name)
    )
    return list(rows.all())
