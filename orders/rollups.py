"""Daily sales rollups: per cooperative, per producer and per product per local day, on each basis of a sale.

Pages that summarise history (dashboard, members' books, statements, exports, the province overview) read
these rows instead of scanning every order. They are kept current in the same transaction as the change, by
the two places an order becomes (or stops being) a sale: `orders.services.checkout.place_order` (placed) and
`orders.services.lifecycle.transition` (completed, cancelled). They live here, in `orders`, and not in
`reports` behind a session event because those two calls already hold the order, its lines and the moment of
the move: an explicit call is one line each, easy to follow and to test, while a flush listener would have to
rediscover from dirty objects which conditional UPDATE (done in Core, invisible to the ORM) moved what.
Payments (paid, refunded) change no sale figure, so the payment path adds nothing here.

Each change adds signed deltas with one upsert per table (`INSERT ... ON CONFLICT DO UPDATE SET x = x +
excluded.x`), atomic on SQLite and PostgreSQL alike, so concurrent checkouts never lose a count. The day is
the cooperative's local date (`app.clock.local_date`) of the moment the order became a sale of that basis, as
`orders.sales` defines it. `rebuild` recomputes everything from the orders (after bulk loads, or to repair).
Producer 0 is the cooperative's own goods; product 0 a line whose product was deleted.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Column, Date, ForeignKey, Integer, String, Table, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import ZoneSource, local_date
from app.db import DatabaseConfig, metadata
from app.i18n import _
from app.models import Cooperative
from orders.models import Order
from orders.sales import Basis, SalesTotals, dated_sale_lines
from orders.state import OrderStatus


def _key_columns() -> list[Column[Any]]:
    return [
        Column("cooperative_id", ForeignKey("cooperative.id", ondelete="CASCADE"), primary_key=True),
        Column("day", Date, primary_key=True),
        Column("basis", String(16), primary_key=True),
    ]


def _measures(*names: str) -> list[Column[Any]]:
    return [Column(name, BigInteger, nullable=False, server_default="0") for name in names]


COOP_MEASURES = ("orders", "cancelled", "sales", "margin", "producer_share", "supplier_cost", "units")
LINE_MEASURES = ("orders", "units", "sales", "producer_cost")
# Per product also the UMKM part of the cost, as snapshotted on the line (a deleted product keeps it).
PRODUCT_MEASURES = (*LINE_MEASURES, "producer_share")

cooperative_day = Table(
    "rollup_cooperative_day",
    metadata,
    *_key_columns(),
    # `cancelled`: on the "placed" row only, orders placed that day and cancelled since.
    *_measures(*COOP_MEASURES),
)
producer_day = Table(
    "rollup_producer_day",
    metadata,
    *_key_columns(),
    Column("producer_id", Integer, primary_key=True),
    *_measures(*LINE_MEASURES),
)
product_day = Table(
    "rollup_product_day",
    metadata,
    *_key_columns(),
    Column("product_id", Integer, primary_key=True),
    *_measures(*PRODUCT_MEASURES),
)
TABLES = (cooperative_day, producer_day, product_day)
_MEASURES = {
    cooperative_day.name: COOP_MEASURES, producer_day.name: LINE_MEASURES, product_day.name: PRODUCT_MEASURES
}

Row = dict[str, Any]


@dataclass(frozen=True)
class SaleLine:
    order_id: int
    producer_id: int | None
    product_id: int | None
    quantity: int
    sales: int
    cost: int


class Rows:
    """The rows of the three tables, summed by key; built from sale lines (rebuild) or one order (a change)."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[tuple[Any, ...], Row]] = {t.name: {} for t in TABLES}
        self._seen: set[tuple[Any, ...]] = set()

    def _bump(self, table: Table, key: tuple[Any, ...], extra: Row, values: Row) -> None:
        row = self.tables[table.name].get(key)
        if row is None:
            row = self.tables[table.name][key] = {
                "cooperative_id": key[0], "day": key[1], "basis": key[2], **extra,
                **dict.fromkeys(_MEASURES[table.name], 0),
            }
        for name, value in values.items():
            row[name] += value

    def add_line(self, coop_id: int, day: datetime.date, basis: str, line: SaleLine, sign: int = 1) -> None:
        producer, product = line.producer_id or 0, line.product_id or 0
        base = (coop_id, day, basis)
        figures = {"units": sign * line.quantity, "sales": sign * line.sales}
        # An order counts once per day row, once per producer and once per product, however many lines.
        idents = (("o", 0), ("r", producer), ("p", product))
        marks = {name: (*base, name, ident, line.order_id) for name, ident in idents}
        first_of = {name: mark not in self._seen for name, mark in marks.items()}
        self._seen.update(marks.values())
        margin = line.sales - line.cost
        self._bump(cooperative_day, base, {}, {
            **figures, "orders": sign * first_of["o"], "margin": sign * margin,
            "producer_share": sign * line.cost if producer else 0,
            "supplier_cost": 0 if producer else sign * line.cost,
        })
        costs = {**figures, "producer_cost": sign * line.cost}
        self._bump(producer_day, (*base, producer), {"producer_id": producer},
                   {**costs, "orders": sign * first_of["r"]})
        self._bump(product_day, (*base, product), {"product_id": product},
                   {**costs, "orders": sign * first_of["p"], "producer_share": sign * line.cost if producer else 0})

    def add_cancelled(self, coop_id: int, day: datetime.date, count: int = 1) -> None:
        self._bump(cooperative_day, (coop_id, day, Basis.PLACED.value), {}, {"cancelled": count})


def _lines_of(order: Order) -> list[SaleLine]:
    return [
        SaleLine(order.id, ln.producer_id, ln.product_id, ln.quantity, int(ln.line_total),
                 int(ln.producer_price) * ln.quantity)
        for ln in order.lines
    ]


# The upserts are built once per dialect: building `excluded` copies every column, a cost on each checkout.
_UPSERTS: dict[tuple[str, str], Any] = {}


def _upsert(dialect_name: str, table: Table) -> Any:
    statement = _UPSERTS.get((dialect_name, table.name))
    if statement is None:
        dialect: Any = postgresql if dialect_name == "postgresql" else sqlite
        insert = dialect.insert(table)
        statement = _UPSERTS[(dialect_name, table.name)] = insert.on_conflict_do_update(
            index_elements=list(table.primary_key.columns),
            set_={name: table.c[name] + insert.excluded[name] for name in _MEASURES[table.name]},
        )
    return statement


async def _apply(session: AsyncSession, rows: Rows) -> None:
    """Add the rows' figures to what is stored, one upsert per table."""
    dialect_name = session.get_bind().dialect.name
    for table in TABLES:
        values = list(rows.tables[table.name].values())
        if values:
            await session.execute(_upsert(dialect_name, table), values)


async def record_placed(session: AsyncSession, cooperative: ZoneSource, order: Order) -> None:
    """A new order: a sale on the "placed" basis on the day it was placed. Its lines must be loaded."""
    rows = Rows()
    day = local_date(cooperative, order.created_at)
    for line in _lines_of(order):
        rows.add_line(order.cooperative_id, day, Basis.PLACED, line)
    await _apply(session, rows)


async def record_move(session: AsyncSession, order: Order, target: str, at: datetime.datetime) -> None:
    """An order moved to `target` at `at`: completed adds a completed sale on that day; cancelled takes the
    order out of the placed sales of the day it was placed. Other moves change no figure."""
    if target not in (OrderStatus.COMPLETED, OrderStatus.CANCELLED):
        return
    cooperative = await session.get(Cooperative, order.cooperative_id)
    rows = Rows()
    if target == OrderStatus.COMPLETED:
        day = local_date(cooperative, at)
        for line in _lines_of(order):
            rows.add_line(order.cooperative_id, day, Basis.COMPLETED, line)
    else:
        day = local_date(cooperative, order.created_at)
        for line in _lines_of(order):
            rows.add_line(order.cooperative_id, day, Basis.PLACED, line, sign=-1)
        rows.add_cancelled(order.cooperative_id, day)
    await _apply(session, rows)


async def compute(session: AsyncSession, cooperative: Cooperative) -> Rows:
    """The rollups of one cooperative recomputed from its orders, with the definition of a sale."""
    rows = Rows()
    for basis in Basis:
        result = await session.stream(dated_sale_lines(basis, cooperative.id).execution_options(yield_per=5000))
        async for order_id, producer_id, product_id, quantity, sales, cost, at in result:
            line = SaleLine(order_id, producer_id, product_id, int(quantity), int(sales), int(cost))
            rows.add_line(cooperative.id, local_date(cooperative, at), basis, line)
    cancelled = await session.scalars(
        select(Order.created_at).where(
            Order.cooperative_id == cooperative.id, Order.status == OrderStatus.CANCELLED
        )
    )
    for created_at in cancelled:
        rows.add_cancelled(cooperative.id, local_date(cooperative, created_at))
    return rows


async def rebuild(session: AsyncSession, cooperative_ids: Iterable[int] | None = None) -> int:
    """Recompute the rollups of the given cooperatives (every one when None) from their orders; the caller
    commits. Returns how many cooperatives were rebuilt."""
    query = select(Cooperative)
    if cooperative_ids is not None:
        query = query.where(Cooperative.id.in_(list(cooperative_ids)))
    cooperatives = (await session.scalars(query.order_by(Cooperative.id))).all()
    for cooperative in cooperatives:
        for table in TABLES:
            await session.execute(delete(table).where(table.c.cooperative_id == cooperative.id))
        await _apply(session, await compute(session, cooperative))
    return len(cooperatives)


async def rebuild_database(db: DatabaseConfig) -> str:
    """Rebuild every cooperative's rollups in one write transaction (the CLI and the bulk loaders)."""
    async with db.session(write=True) as session:
        count = await rebuild(session)
        await session.commit()
    return _("Rekap harian dihitung ulang untuk %(n)s koperasi.", n=count)


async def stored(session: AsyncSession, cooperative_id: int) -> Rows:
    """What the rollup tables hold for one cooperative (rows whose figures are all zero left out)."""
    rows = Rows()
    for table in TABLES:
        result = await session.execute(select(table).where(table.c.cooperative_id == cooperative_id))
        for row in result.mappings():
            if any(row[name] for name in _MEASURES[table.name]):
                key = tuple(row[c.name] for c in table.primary_key.columns)
                rows.tables[table.name][key] = dict(row)
    return rows


def comparable(rows: Rows) -> dict[str, dict[tuple[Any, ...], Row]]:
    """The rows as plain dicts without all-zero rows, for comparing stored against recomputed."""
    return {
        name: {k: v for k, v in table.items() if any(v[m] for m in _MEASURES[name])}
        for name, table in rows.tables.items()
    }


def _sum(table: Table, *names: str) -> list[Any]:
    return [func.coalesce(func.sum(table.c[name]), 0) for name in names]


async def totals(
    session: AsyncSession,
    cooperative_id: int,
    first: datetime.date | None,
    after: datetime.date,
    *,
    basis: Basis,
    producer_id: int | None = None,
) -> SalesTotals:
    """`orders.sales.sales_totals` for the local days [first, after) (`first=None`: since the beginning)."""
    if producer_id is not None:
        return await _producer_totals(session, cooperative_id, first, after, basis, producer_id)
    c = cooperative_day
    query = select(*_sum(c, "sales", "margin", "producer_share", "supplier_cost", "units", "orders")).where(
        c.c.cooperative_id == cooperative_id, c.c.basis == basis, c.c.day < after
    )
    if first is not None:
        query = query.where(c.c.day >= first)
    figures = (await session.execute(query)).one()
    p = producer_day
    makers = select(func.count(func.distinct(p.c.producer_id))).where(
        p.c.cooperative_id == cooperative_id, p.c.basis == basis, p.c.day < after,
        p.c.producer_id != 0, p.c.orders > 0,
    )
    if first is not None:
        makers = makers.where(p.c.day >= first)
    sales, margin, share, supplier, units, orders = (int(v) for v in figures)
    return SalesTotals(sales, margin, share, supplier, units, orders, int(await session.scalar(makers) or 0))


async def totals_by_period(
    session: AsyncSession, cooperative_id: int, periods: list[tuple[datetime.date, datetime.date]], *, basis: Basis
) -> list[SalesTotals]:
    """`totals` for each of several [first, after) spans of local days, from one read of each table."""
    if not periods:
        return []
    first, after = min(p[0] for p in periods), max(p[1] for p in periods)
    c, p = cooperative_day, producer_day
    days = await session.execute(
        select(c.c.day, c.c.sales, c.c.margin, c.c.producer_share, c.c.supplier_cost, c.c.units, c.c.orders).where(
            c.c.cooperative_id == cooperative_id, c.c.basis == basis, c.c.day >= first, c.c.day < after
        )
    )
    makers = await session.execute(
        select(p.c.day, p.c.producer_id).where(
            p.c.cooperative_id == cooperative_id, p.c.basis == basis, p.c.day >= first, p.c.day < after,
            p.c.producer_id != 0, p.c.orders > 0,
        )
    )
    day_rows, maker_rows = days.all(), makers.all()
    out = []
    for start, end in periods:
        sales, margin, share, supplier, units, orders = (
            sum(int(r[i]) for r in day_rows if start <= r[0] < end) for i in range(1, 7)
        )
        producers = len({pid for day, pid in maker_rows if start <= day < end})
        out.append(SalesTotals(sales, margin, share, supplier, units, orders, producers))
    return out


async def _producer_totals(
    session: AsyncSession, cooperative_id: int, first: datetime.date | None, after: datetime.date,
    basis: Basis, producer_id: int,
) -> SalesTotals:
    p = producer_day
    query = select(*_sum(p, "sales", "producer_cost", "units", "orders")).where(
        p.c.cooperative_id == cooperative_id, p.c.basis == basis, p.c.day < after, p.c.producer_id == producer_id
    )
    if first is not None:
        query = query.where(p.c.day >= first)
    sales, cost, units, orders = (int(v) for v in (await session.execute(query)).one())
    umkm = producer_id != 0
    return SalesTotals(
        sales=sales, margin=sales - cost, producer_share=cost if umkm else 0, supplier_cost=0 if umkm else cost,
        units=units, orders=orders, producers=1 if umkm and orders else 0,
    )


async def daily_sales(
    session: AsyncSession, cooperative_id: int, first: datetime.date, last: datetime.date, *, basis: Basis
) -> dict[datetime.date, int]:
    """Sales per local day first..last (both included) on `basis`; days without sales left out."""
    c = cooperative_day
    result = await session.execute(
        select(c.c.day, c.c.sales).where(
            c.c.cooperative_id == cooperative_id, c.c.basis == basis, c.c.day >= first, c.c.day <= last
        )
    )
    return {day: int(sales) for day, sales in result.all() if sales}

