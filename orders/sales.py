"""What a sale is. Two figures, each named wherever it is shown:

- "placed" (`Basis.PLACED`): orders placed in the period (by the time they were placed), not cancelled;
- "completed" (`Basis.COMPLETED`): orders completed in the period (by the time of their "completed" event).

Producers are owed for completed sales (consignment: the cooperative owes the snapshotted
`order_line.producer_price × quantity` once the goods are handed over), so statements, settlements and the
members' books count completed sales; the staff dashboard counts placed orders. Delivery fees are never
sales of goods. Lives in `orders` (below `producers` and `reports`) so every reader uses this one copy.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Select, case, cast, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.i18n import N_, _
from orders.models import Order, OrderEvent, OrderLine
from orders.state import OrderStatus


class Basis(StrEnum):
    PLACED = "placed"
    COMPLETED = "completed"


# How each figure is named to people: "Penjualan (pesanan selesai)".
CAPTIONS = {
    Basis.PLACED: N_("pesanan masuk, tanpa yang dibatalkan"),
    Basis.COMPLETED: N_("pesanan selesai"),
}


def caption(basis: Basis, word: str = N_("Penjualan")) -> str:
    """The figure's name in the active language (`word` and the captions are marked with N_ where defined)."""
    return f"{_(word)} ({_(CAPTIONS[basis])})"


producer_cost = cast(OrderLine.producer_price, BigInteger) * OrderLine.quantity
line_total = cast(OrderLine.line_total, BigInteger)


def reached(status: str) -> Select[int, datetime.datetime]:
    """When each order reached `status`: the time of its first event row into it."""
    return (
        select(OrderEvent.order_id.label("order_id"), func.min(OrderEvent.created_at).label("at"))
        .where(OrderEvent.to_status == status)
        .group_by(OrderEvent.order_id)
    )


def _at_status(
    query: Select[Any], status: str, start: datetime.datetime | None, end: datetime.datetime
) -> Select[Any]:
    moved = reached(status).subquery()
    query = query.join(moved, moved.c.order_id == Order.id).where(Order.status == status, moved.c.at < end)
    return query.where(moved.c.at >= start) if start is not None else query


def _in_period(
    query: Select[Any],
    basis: Basis,
    start: datetime.datetime | None,
    end: datetime.datetime,
    cooperative_id: int | None,
) -> Select[Any]:
    if cooperative_id is not None:
        query = query.where(Order.cooperative_id == cooperative_id)
    if basis == Basis.COMPLETED:
        return _at_status(query, OrderStatus.COMPLETED, start, end)
    query = query.where(Order.status != OrderStatus.CANCELLED, Order.created_at < end)
    return query.where(Order.created_at >= start) if start is not None else query


def sold_orders(
    basis: Basis, start: datetime.datetime | None, end: datetime.datetime, *, cooperative_id: int | None = None
) -> Select[Any]:
    """FROM/WHERE for the orders that are sales of `basis` in [start, end); pick columns with
    `.with_only_columns(...)`. `start=None`: since the beginning; `cooperative_id=None`: every cooperative."""
    return _in_period(select(func.count()).select_from(Order), basis, start, end, cooperative_id)


def sold_lines(
    basis: Basis, start: datetime.datetime | None, end: datetime.datetime, *, cooperative_id: int | None = None
) -> Select[Any]:
    """FROM/WHERE for the order lines of `sold_orders`."""
    query = select(func.count()).select_from(OrderLine).join(Order, Order.id == OrderLine.order_id)
    return _in_period(query, basis, start, end, cooperative_id)


def dated_sale_lines(basis: Basis, cooperative_id: int) -> Select[Any]:
    """Every sale line of `basis` of one cooperative with when it became a sale (`at`): its order's id,
    producer, product, quantity, line total and producer cost. What the daily rollups are rebuilt from."""
    columns = (
        Order.id,
        OrderLine.producer_id,
        OrderLine.product_id,
        OrderLine.quantity,
        line_total,
        producer_cost,
    )
    query = select(*columns).select_from(OrderLine).join(Order, Order.id == OrderLine.order_id)
    query = query.where(Order.cooperative_id == cooperative_id)
    if basis == Basis.COMPLETED:
        # `reached` narrowed to this cooperative's orders: a rebuild of many cooperatives must not group
        # every event of the platform once per cooperative.
        own_events = reached(OrderStatus.COMPLETED).join(Order, Order.id == OrderEvent.order_id)
        moved = own_events.where(Order.cooperative_id == cooperative_id).subquery()
        query = query.join(moved, moved.c.order_id == Order.id).where(Order.status == OrderStatus.COMPLETED)
        return query.add_columns(moved.c.at)
    return query.where(Order.status != OrderStatus.CANCELLED).add_columns(Order.created_at)


def cancelled_lines(
    start: datetime.datetime | None, end: datetime.datetime, *, cooperative_id: int | None = None
) -> Select[Any]:
    """Order lines of orders cancelled in [start, end): not sales, shown beside them."""
    query = select(func.count()).select_from(OrderLine).join(Order, Order.id == OrderLine.order_id)
    if cooperative_id is not None:
        query = query.where(Order.cooperative_id == cooperative_id)
    return _at_status(query, OrderStatus.CANCELLED, start, end)


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
    basis: Basis,
    producer_id: int | None = None,
) -> SalesTotals:
    """Sales of goods of one cooperative in [start, end), counted on `basis`."""
    query = sold_lines(basis, start, end, cooperative_id=cooperative_id)
    if producer_id is not None:
        query = query.where(OrderLine.producer_id == producer_id)
    is_umkm = OrderLine.producer_id.is_not(None)
    row = (
        await session.execute(
            query.with_only_columns(
                func.coalesce(func.sum(line_total), 0),
                func.coalesce(func.sum(line_total - producer_cost), 0),
                func.coalesce(func.sum(case((is_umkm, producer_cost), else_=0)), 0),
                func.coalesce(func.sum(case((is_umkm, 0), else_=producer_cost)), 0),
                func.coalesce(func.sum(OrderLine.quantity), 0),
                func.count(distinct(Order.id)),
                func.count(distinct(OrderLine.producer_id)),
            )
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


async def by_product(session: AsyncSession, lines: Select[Any]) -> list[LineSum]:
    """`lines` (from `sold_lines` or `cancelled_lines`, filtered further by the caller) summed per product."""
    rows = await session.execute(
        lines.with_only_columns(
            OrderLine.product_id,
            OrderLine.name,
            OrderLine.unit,
            func.sum(OrderLine.quantity),
            func.sum(line_total),
            func.sum(producer_cost),
        )
        .group_by(OrderLine.product_id, OrderLine.name, OrderLine.unit)
        .order_by(OrderLine.name)
    )
    return [LineSum(r[0], r[1], r[2], int(r[3] or 0), int(r[4] or 0), int(r[5] or 0)) for r in rows.all()]
