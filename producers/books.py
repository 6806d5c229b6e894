"""The money side of consignment: what the cooperative owes each producer, settlements, the members' books
and the province overview. Reads only; every figure is summed from order lines, ledger and settlement rows.

Consignment ("titip jual"): the cooperative owes the snapshotted `order_line.producer_price × quantity`
for lines of orders that were *completed*, counted in the period the order was completed (the time of
its "completed" event). Cancelled orders owe nothing. Delivery fees are not sales of goods.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import BigInteger, Select, and_, case, cast, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import InvalidInput
from app.models import Cooperative
from catalog.models import Category, Product, ProductStatus, StockLedgerEntry, StockReceipt
from orders.models import CashReconciliation, Order, OrderEvent, OrderLine
from producers.models import Producer, Settlement

COMPLETED = "completed"
CANCELLED = "cancelled"
MONTHS_ID = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
PERIOD_KINDS = {"bulan": "month", "minggu": "week", "month": "month", "week": "week"}
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


# --- periods ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    kind: str  # "month" | "week"
    start: datetime.date
    end: datetime.date  # exclusive

    @property
    def key(self) -> str:
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{MONTHS_ID[self.start.month - 1]} {self.start.year}"
        last = self.end - datetime.timedelta(days=1)
        return f"Minggu {self.start:%d/%m} – {last:%d/%m/%Y}"

    @property
    def last_day(self) -> datetime.date:
        return self.end - datetime.timedelta(days=1)

    @property
    def kind_param(self) -> str:
        return "bulan" if self.kind == "month" else "minggu"

    def previous(self) -> Period:
        return period_containing(self.kind, self.start - datetime.timedelta(days=1))

    def next(self) -> Period:
        return period_containing(self.kind, self.end)

    def overlaps(self, start: datetime.date, end: datetime.date) -> bool:
        return self.start < end and start < self.end


def period_containing(kind: str, day: datetime.date) -> Period:
    if kind == "week":
        start = day - datetime.timedelta(days=day.weekday())
        return Period("week", start, start + datetime.timedelta(days=7))
    start = day.replace(day=1)
    end = (start + datetime.timedelta(days=32)).replace(day=1)
    return Period("month", start, end)


def parse_period(kind: str | None, value: str | None, today: datetime.date) -> Period:
    """`bulan`/`2026-11` or `minggu`/`2026-W47`; empty value: the period containing today."""
    normalised = PERIOD_KINDS.get((kind or "bulan").strip().lower())
    if normalised is None:
        raise InvalidInput("Jenis periode harus bulan atau minggu.", field_errors={"jenis": "bulan atau minggu"})
    if not value:
        return period_containing(normalised, today)
    value = value.strip()
    try:
        if normalised == "month" and (m := _MONTH.match(value)):
            return period_containing("month", datetime.date(int(m.group(1)), int(m.group(2)), 1))
        if normalised == "week" and (w := _WEEK.match(value)):
            return period_containing("week", datetime.date.fromisocalendar(int(w.group(1)), int(w.group(2)), 1))
    except ValueError:
        pass
    example = "2026-11" if normalised == "month" else "2026-W47"
    raise InvalidInput(
        f"Periode tidak dikenal. Tulis seperti {example}.", field_errors={"periode": f"Contoh: {example}"}
    )


def zone_of(cooperative: Cooperative) -> ZoneInfo:
    try:
        return ZoneInfo(cooperative.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Asia/Makassar")


def local_today(cooperative: Cooperative, now: datetime.datetime | None = None) -> datetime.date:
    return (now or datetime.datetime.now(datetime.UTC)).astimezone(zone_of(cooperative)).date()


def bounds(cooperative: Cooperative, start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, ...]:
    """Local midnight to local midnight, as UTC instants: a village's day ends at its own midnight."""
    zone = zone_of(cooperative)
    return tuple(
        datetime.datetime.combine(d, datetime.time(), tzinfo=zone).astimezone(datetime.UTC) for d in (start, end)
    )


def last_months(today: datetime.date, count: int) -> list[Period]:
    periods = [period_containing("month", today)]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    return list(reversed(periods))


# --- the queries everything is summed from ---------------------------------------------------------------

_producer_cost = cast(OrderLine.producer_price, BigInteger) * OrderLine.quantity
_line_total = cast(OrderLine.line_total, BigInteger)


def _at_status(status: str) -> Select[int, datetime.datetime]:
    """When each order reached `status` (its event row)."""
    return (
        select(OrderEvent.order_id.label("order_id"), func.min(OrderEvent.created_at).label("at"))
        .where(OrderEvent.to_status == status)
        .group_by(OrderEvent.order_id)
    )


def _lines_in(
    status: str, cooperative_id: int, start: datetime.datetime | None, end: datetime.datetime
) -> tuple[Select[Any], list[object]]:
    """FROM/WHERE for order lines of orders that reached `status` in [start, end)."""
    moved = _at_status(status).subquery()
    base = (
        select(func.count())
        .select_from(OrderLine)
        .join(Order, Order.id == OrderLine.order_id)
        .join(moved, moved.c.order_id == Order.id)
    )
    conditions: list[object] = [Order.cooperative_id == cooperative_id, Order.status == status, moved.c.at < end]
    if start is not None:
        conditions.append(moved.c.at >= start)
    return base, conditions


@dataclass(frozen=True)
class SalesTotals:
    sales: int = 0
    margin: int = 0
    producer_share: int = 0  # owed to UMKM producers (consignment)
    supplier_cost: int = 0  # the cooperative's own goods (LPG, SPHP rice, fertiliser) at purchase price
    units: int = 0
    orders: int = 0
    producers: int = 0

    @property
    def margin_percent(self) -> int:
        return round(self.margin * 100 / self.sales) if self.sales else 0


async def sales_totals(
    session: AsyncSession,
    cooperative_id: int,
    start: datetime.datetime | None,
    end: datetime.datetime,
    *,
    producer_id: int | None = None,
) -> SalesTotals:
    """Completed sales of goods (delivery fees excluded) in [start, end)."""
    base, conditions = _lines_in(COMPLETED, cooperative_id, start, end)
    if producer_id is not None:
        conditions.append(OrderLine.producer_id == producer_id)
    is_umkm = OrderLine.producer_id.is_not(None)
    row = (
        await session.execute(
            base.with_only_columns(
                func.coalesce(func.sum(_line_total), 0),
                func.coalesce(func.sum(_line_total - _producer_cost), 0),
                func.coalesce(func.sum(case((is_umkm, _producer_cost), else_=0)), 0),
                func.coalesce(func.sum(case((is_umkm, 0), else_=_producer_cost)), 0),
                func.coalesce(func.sum(OrderLine.quantity), 0),
                func.count(distinct(Order.id)),
                func.count(distinct(OrderLine.producer_id)),
            ).where(and_(*conditions))  # type: ignore[arg-type]
        )
    ).one()
    return SalesTotals(*(int(v or 0) for v in row))


@dataclass(frozen=True)
class LineSum:
    product_id: int | None
    name: str
    unit: str
    units: int
    sales: int
    producer_total: int


async def _grouped_lines(
    session: AsyncSession,
    status: str,
    cooperative_id: int,
    producer_id: int,
    start: datetime.datetime,
    end: datetime.datetime,
) -> list[LineSum]:
    base, conditions = _lines_in(status, cooperative_id, start, end)
    conditions.append(OrderLine.producer_id == producer_id)
    rows = await session.execute(
        base.with_only_columns(
            OrderLine.product_id,
            OrderLine.name,
            OrderLine.unit,
            func.sum(OrderLine.quantity),
            func.sum(_line_total),
            func.sum(_producer_cost),
        )
        .where(and_(*conditions))  # type: ignore[arg-type]
        .group_by(OrderLine.product_id, OrderLine.name, OrderLine.unit)
        .order_by(OrderLine.name)
    )
    return [LineSum(r[0], r[1], r[2], int(r[3] or 0), int(r[4] or 0), int(r[5] or 0)) for r in rows.all()]


async def goods_received_value(
    session: AsyncSession,
    cooperative_id: int,
    start: datetime.datetime,
    end: datetime.datetime,
    *,
    producer_id: int | None = None,
) -> tuple[int, int]:
    """(units, value at the producer price agreed at receipt) of goods received in [start, end)."""
    query = select(
        func.coalesce(func.sum(StockReceipt.quantity), 0),
        func.coalesce(func.sum(cast(StockReceipt.total, BigInteger)), 0),
    ).where(
        StockReceipt.cooperative_id == cooperative_id,
        StockReceipt.created_at >= start,
        StockReceipt.created_at < end,
    )
    if producer_id is not None:
        query = query.where(StockReceipt.producer_id == producer_id)
    units, value = (await session.execute(query)).one()
    return int(units or 0), int(value or 0)


@dataclass(frozen=True)
class CashDifference:
    expected: int
    received: int

    @property
    def difference(self) -> int:
        return self.received - self.expected


async def cash_differences(
    session: AsyncSession, cooperative_id: int, first: datetime.date, after: datetime.date
) -> CashDifference:
    """Cash couriers should have handed in against what they handed in, from the reconciliations of
    the business days in [first, after) on the cooperative's calendar."""
    expected, received = (
        await session.execute(
            select(
                func.coalesce(func.sum(cast(CashReconciliation.expected, BigInteger)), 0),
                func.coalesce(func.sum(cast(CashReconciliation.received, BigInteger)), 0),
            ).where(
                CashReconciliation.cooperative_id == cooperative_id,
                CashReconciliation.business_date >= first,
                CashReconciliation.business_date < after,
            )
        )
    ).one()
    return CashDifference(int(expected or 0), int(received or 0))


async def stock_value_at(session: AsyncSession, cooperative_id: int, moment: datetime.datetime) -> int:
    """Value at producer price of the stock held at `moment`: today's stock minus later ledger moves."""
    later = (
        select(StockLedgerEntry.product_id, func.sum(StockLedgerEntry.delta).label("delta"))
        .where(StockLedgerEntry.cooperative_id == cooperative_id, StockLedgerEntry.created_at >= moment)
        .group_by(StockLedgerEntry.product_id)
        .subquery()
    )
    held = Product.stock - func.coalesce(later.c.delta, 0)
    value = await session.scalar(
        select(func.coalesce(func.sum(cast(held, BigInteger) * Product.producer_price), 0))
        .select_from(Product)
        .outerjoin(later, later.c.product_id == Product.id)
        .where(Product.cooperative_id == cooperative_id, Product.status != ProductStatus.ARCHIVED)
    )
    return int(value or 0)


async def paid_total(
    session: AsyncSession,
    cooperative_id: int,
    start: datetime.date | None,
    end: datetime.date,
    *,
    producer_id: int | None = None,
) -> int:
    """Settlements paid on days in [start, end)."""
    query = select(func.coalesce(func.sum(Settlement.amount_paid), 0)).where(
        Settlement.cooperative_id == cooperative_id, Settlement.paid_on < end
    )
    if start is not None:
        query = query.where(Settlement.paid_on >= start)
    if producer_id is not None:
        query = query.where(Settlement.producer_id == producer_id)
    return int(await session.scalar(query) or 0)


async def owed_to_producers(
    session: AsyncSession, cooperative: Cooperative, day_end: datetime.date, *, producer_id: int | None = None
) -> int:
    """Everything earned by producers before `day_end` minus everything paid to them before it."""
    _, end = bounds(cooperative, day_end, day_end)
    earned = await sales_totals(session, cooperative.id, None, end, producer_id=producer_id)
    paid = await paid_total(session, cooperative.id, None, day_end, producer_id=producer_id)
    return earned.producer_share - paid


# --- settlements and statements --------------------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    cooperative: Cooperative
    producer: Producer
    period: Period
    lines: list[LineSum]
    cancelled: list[LineSum]
    settlement: Settlement | None
    overlapping: list[Settlement]
    received_units: int
    received_value: int

    @property
    def units_sold(self) -> int:
        return sum(line.units for line in self.lines)

    @property
    def sales_total(self) -> int:
        return sum(line.sales for line in self.lines)

    @property
    def producer_total(self) -> int:
        return sum(line.producer_total for line in self.lines)

    @property
    def margin_total(self) -> int:
        return self.sales_total - self.producer_total

    @property
    def cancelled_units(self) -> int:
        return sum(line.units for line in self.cancelled)

    @property
    def cancelled_value(self) -> int:
        return sum(line.producer_total for line in self.cancelled)

    @property
    def is_paid(self) -> bool:
        return self.settlement is not None

    @property
    def amount_payable(self) -> int:
        """Still to pay for this period: nothing once paid, nothing when another paid period covers it."""
        if self.settlement is not None or self.overlapping:
            return 0
        return self.producer_total


async def statement(session: AsyncSession, cooperative: Cooperative, producer: Producer, period: Period) -> Statement:
    start, end = bounds(cooperative, period.start, period.end)
    lines = await _grouped_lines(session, COMPLETED, cooperative.id, producer.id, start, end)
    cancelled = await _grouped_lines(session, CANCELLED, cooperative.id, producer.id, start, end)
    settlements = (
        await session.scalars(
            select(Settlement).where(
                Settlement.producer_id == producer.id,
                Settlement.period_start < period.end,
                Settlement.period_end > period.start,
            )
        )
    ).all()
    exact = next((s for s in settlements if s.period_kind == period.kind and s.period_start == period.start), None)
    received_units, received_value = await goods_received_value(
        session, cooperative.id, start, end, producer_id=producer.id
    )
    return Statement(
        cooperative=cooperative,
        producer=producer,
        period=period,
        lines=lines,
        cancelled=cancelled,
        settlement=exact,
        overlapping=[s for s in settlements if s is not exact],
        received_units=received_units,
        received_value=received_value,
    )


async def settlements_of(session: AsyncSession, producer_id: int, limit: int = 50) -> Sequence[Settlement]:
    result = await session.scalars(
        select(Settlement)
        .where(Settlement.producer_id == producer_id)
        .order_by(Settlement.period_start.desc())
        .limit(limit)
    )
    return result.all()


def statement_csv_rows(s: Statement) -> list[list[str | int]]:
    rows: list[list[str | int]] = [
        ["Koperasi", s.cooperative.name],
        ["Produsen", s.producer.business_name],
        [
            "Periode",
            s.period.label,
            s.period.start.isoformat(),
            (s.period.end - datetime.timedelta(days=1)).isoformat(),
        ],
        [],
        ["Produk", "Satuan", "Terjual", "Penjualan (Rp)", "Bagian produsen (Rp)"],
    ]
    rows += [[line.name, line.unit, line.units, line.sales, line.producer_total] for line in s.lines]
    rows += [
        ["Jumlah", "", s.units_sold, s.sales_total, s.producer_total],
        [],
        ["Dibatalkan (tidak dibayar)", "", s.cancelled_units, "", s.cancelled_value],
        ["Barang diterima koperasi", "", s.received_units, "", s.received_value],
        [],
    ]
    if s.settlement is not None:
        paid = s.settlement
        rows.append(["Sudah dibayar", paid.paid_on.isoformat(), paid.method, paid.reference or "", paid.amount_paid])
    rows.append(["Sisa yang harus dibayar (Rp)", "", "", "", s.amount_payable])
    return rows


# --- dashboards ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekSales:
    period: Period
    units: int
    producer_share: int


async def weekly_sales(
    session: AsyncSession, cooperative: Cooperative, producer_id: int, weeks: int = 8
) -> list[WeekSales]:
    current = period_containing("week", local_today(cooperative))
    periods = [current]
    while len(periods) < weeks:
        periods.append(periods[-1].previous())
    result = []
    for period in reversed(periods):
        start, end = bounds(cooperative, period.start, period.end)
        totals = await sales_totals(session, cooperative.id, start, end, producer_id=producer_id)
        result.append(WeekSales(period, totals.units, totals.producer_share))
    return result


# --- the members' books ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthBooks:
    period: Period
    totals: SalesTotals
    paid_to_producers: int
    owed_to_producers: int
    cash: CashDifference
    stock_value: int
    received_units: int
    received_value: int


@dataclass(frozen=True)
class Share:
    name: str
    sales: int
    margin: int
    producer_share: int


@dataclass
class Books:
    cooperative: Cooperative
    month: MonthBooks
    history: list[MonthBooks] = field(default_factory=list)
    by_category: list[Share] = field(default_factory=list)
    by_producer: list[Share] = field(default_factory=list)
    # Months a reader can pick, newest first.
    choices: list[Period] = field(default_factory=list)

    @property
    def chart_max(self) -> int:
        return max([m.totals.sales for m in self.history] + [1])


async def month_books(session: AsyncSession, cooperative: Cooperative, period: Period) -> MonthBooks:
    start, end = bounds(cooperative, period.start, period.end)
    totals = await sales_totals(session, cooperative.id, start, end)
    received_units, received_value = await goods_received_value(session, cooperative.id, start, end)
    return MonthBooks(
        period=period,
        totals=totals,
        paid_to_producers=await paid_total(session, cooperative.id, period.start, period.end),
        owed_to_producers=await owed_to_producers(session, cooperative, period.end),
        cash=await cash_differences(session, cooperative.id, period.start, period.end),
        stock_value=await stock_value_at(session, cooperative.id, min(end, datetime.datetime.now(datetime.UTC))),
        received_units=received_units,
        received_value=received_value,
    )


async def _breakdown(session: AsyncSession, cooperative: Cooperative, period: Period, by: str) -> list[Share]:
    start, end = bounds(cooperative, period.start, period.end)
    base, conditions = _lines_in(COMPLETED, cooperative.id, start, end)
    sums = (
        func.sum(_line_total),
        func.sum(_line_total - _producer_cost),
        func.sum(case((OrderLine.producer_id.is_not(None), _producer_cost), else_=0)),
    )
    if by == "category":
        query = (
            base.with_only_columns(func.coalesce(Category.name, "Lainnya"), *sums)
            .outerjoin(Product, Product.id == OrderLine.product_id)
            .outerjoin(Category, Category.id == Product.category_id)
            .group_by(Category.name)
        )
    else:
        query = (
            base.with_only_columns(Producer.business_name, *sums)
            .outerjoin(Producer, Producer.id == OrderLine.producer_id)
            .group_by(Producer.business_name)
        )
    rows = await session.execute(query.where(and_(*conditions)))  # type: ignore[arg-type]
    own = f"{cooperative.short_name} (barang koperasi)"
    shares = [Share(r[0] or own, int(r[1] or 0), int(r[2] or 0), int(r[3] or 0)) for r in rows.all()]
    return sorted(shares, key=lambda s: (-s.sales, s.name))


async def members_books(
    session: AsyncSession,
    cooperative: Cooperative,
    period: Period,
    months: int = 12,
    *,
    today: datetime.date | None = None,
) -> Books:
    history = [await month_books(session, cooperative, p) for p in last_months(period.start, months)]
    # Months before the cooperative's first sale say nothing; keep the chosen month whatever it holds.
    while len(history) > 1 and history[0].totals.sales == 0 and history[0].totals.orders == 0:
        history.pop(0)
    return Books(
        cooperative=cooperative,
        month=history[-1],
        history=history,
        by_category=await _breakdown(session, cooperative, period, "category"),
        by_producer=await _breakdown(session, cooperative, period, "producer"),
        choices=list(reversed(last_months(today or local_today(cooperative), 24))),
    )


# --- the province overview (aggregates only) -------------------------------------------------------------


@dataclass(frozen=True)
class KabupatenRow:
    provinsi: str
    kabupaten: str
    cooperatives: int
    active: int
    orders_30d: int
    sales_30d: int
    producers: int
    producers_paid: int
    paid_total: int


@dataclass(frozen=True)
class MonthActivity:
    period: Period
    orders: int
    sales: int


@dataclass
class ProvinceOverview:
    cooperatives: int
    active: int
    producers_paid: int
    paid_total: int
    months: list[MonthActivity]
    rows: list[KabupatenRow]

    @property
    def chart_max(self) -> int:
        return max([m.sales for m in self.months] + [1])


async def province_overview(session: AsyncSession, now: datetime.datetime | None = None) -> ProvinceOverview:
    now = now or datetime.datetime.now(datetime.UTC)
    since = now - datetime.timedelta(days=30)
    coop = Cooperative
    recent_orders = (
        select(Order.cooperative_id, func.count().label("orders"))
        .where(Order.created_at >= since)
        .group_by(Order.cooperative_id)
        .subquery()
    )
    moved = _at_status(COMPLETED).subquery()
    recent_sales = (
        select(Order.cooperative_id, func.sum(cast(Order.subtotal, BigInteger)).label("sales"))
        .join(moved, moved.c.order_id == Order.id)
        .where(Order.status == COMPLETED, moved.c.at >= since)
        .group_by(Order.cooperative_id)
        .subquery()
    )
    producers = (
        select(Producer.cooperative_id, func.count().label("producers")).group_by(Producer.cooperative_id).subquery()
    )
    paid = (
        select(
            Settlement.cooperative_id,
            func.count(distinct(Settlement.producer_id)).label("paid_producers"),
            func.sum(Settlement.amount_paid).label("paid_total"),
        )
        .group_by(Settlement.cooperative_id)
        .subquery()
    )
    rows = await session.execute(
        select(
            coop.provinsi,
            coop.kabupaten,
            func.count(coop.id),
            func.count(recent_orders.c.cooperative_id),
            func.coalesce(func.sum(recent_orders.c.orders), 0),
            func.coalesce(func.sum(recent_sales.c.sales), 0),
            func.coalesce(func.sum(producers.c.producers), 0),
            func.coalesce(func.sum(paid.c.paid_producers), 0),
            func.coalesce(func.sum(paid.c.paid_total), 0),
        )
        .outerjoin(recent_orders, recent_orders.c.cooperative_id == coop.id)
        .outerjoin(recent_sales, recent_sales.c.cooperative_id == coop.id)
        .outerjoin(producers, producers.c.cooperative_id == coop.id)
        .outerjoin(paid, paid.c.cooperative_id == coop.id)
        .where(coop.is_active.is_(True))
        .group_by(coop.provinsi, coop.kabupaten)
        .order_by(coop.provinsi, coop.kabupaten)
    )
    table = [KabupatenRow(r[0], r[1], *(int(v or 0) for v in r[2:])) for r in rows.all()]
    months = []
    for period in last_months(now.date(), 12):
        start = datetime.datetime.combine(period.start, datetime.time(), tzinfo=datetime.UTC)
        end = datetime.datetime.combine(period.end, datetime.time(), tzinfo=datetime.UTC)
        orders = await session.scalar(
            select(func.count()).select_from(Order).where(Order.created_at >= start, Order.created_at < end)
        )
        sales = await session.scalar(
            select(func.coalesce(func.sum(cast(Order.subtotal, BigInteger)), 0))
            .join(moved, moved.c.order_id == Order.id)
            .where(Order.status == COMPLETED, moved.c.at >= start, moved.c.at < end)
        )
        months.append(MonthActivity(period, int(orders or 0), int(sales or 0)))
    while len(months) > 1 and months[0].orders == 0:
        months.pop(0)
    return ProvinceOverview(
        cooperatives=sum(r.cooperatives for r in table),
        active=sum(r.active for r in table),
        producers_paid=sum(r.producers_paid for r in table),
        paid_total=sum(r.paid_total for r in table),
        months=months,
        rows=table,
    )
