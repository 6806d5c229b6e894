"""The sales figures the reports show, all on the one definition of a sale in `orders.sales`.

Each figure is counted on a `Basis` the page or export names with `caption(basis)`:
"placed" (orders placed in the period, not cancelled) or "completed" (orders completed in the period).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from sqlalchemy import BigInteger, case, cast, distinct, func
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Cooperative
from catalog.models import Category, Product
from orders.models import Order, OrderLine
from orders.sales import (
    CAPTIONS,
    Basis,
    SalesTotals,
    caption,
    line_total,
    producer_cost,
    sales_totals,
    sold_lines,
    sold_orders,
)
from producers.models import Producer

__all__ = [
    "CAPTIONS",
    "Basis",
    "ProducerSales",
    "SalesTotals",
    "Share",
    "breakdown",
    "by_producer",
    "caption",
    "order_sales",
    "sales_totals",
    "sold_lines",
    "sold_orders",
]


@dataclass(frozen=True)
class Share:
    name: str
    sales: int
    margin: int
    producer_share: int


async def breakdown(
    session: AsyncSession,
    cooperative: Cooperative,
    start: datetime.datetime,
    end: datetime.datetime,
    by: str,
    *,
    basis: Basis,
) -> list[Share]:
    """Sales, margin and producers' share per category (`by="category"`) or per producer, largest first."""
    base = sold_lines(basis, start, end, cooperative_id=cooperative.id)
    sums = (
        func.sum(line_total),
        func.sum(line_total - producer_cost),
        func.sum(case((OrderLine.producer_id.is_not(None), producer_cost), else_=0)),
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
    rows = await session.execute(query)
    own = f"{cooperative.short_name} (barang koperasi)"
    shares = [Share(r[0] or own, int(r[1] or 0), int(r[2] or 0), int(r[3] or 0)) for r in rows.all()]
    return sorted(shares, key=lambda s: (-s.sales, s.name))


@dataclass(frozen=True)
class ProducerSales:
    """One producer's sales in a period; `producer_id` None: the cooperative's own goods."""

    producer_id: int | None
    name: str
    orders: int
    units: int
    sales: int
    producer_share: int

    @property
    def margin(self) -> int:
        return self.sales - self.producer_share


async def by_producer(
    session: AsyncSession,
    cooperative: Cooperative,
    start: datetime.datetime,
    end: datetime.datetime,
    *,
    basis: Basis,
) -> list[ProducerSales]:
    """Per producer: orders, units, sales and the producer's share, largest sales first. With
    `Basis.COMPLETED` the shares are exactly what the producers' statements for the same days show."""
    rows = await session.execute(
        sold_lines(basis, start, end, cooperative_id=cooperative.id)
        .with_only_columns(
            OrderLine.producer_id,
            Producer.business_name,
            func.count(distinct(OrderLine.order_id)),
            func.sum(OrderLine.quantity),
            func.sum(line_total),
            func.sum(producer_cost),
        )
        .outerjoin(Producer, Producer.id == OrderLine.producer_id)
        .group_by(OrderLine.producer_id, Producer.business_name)
    )
    out = [
        ProducerSales(
            pid,
            name if pid is not None else f"{cooperative.short_name} (stok koperasi)",
            int(orders or 0),
            int(units or 0),
            int(sales or 0),
            int(share or 0),
        )
        for pid, name, orders, units, sales, share in rows.all()
    ]
    return sorted(out, key=lambda r: (-r.sales, r.name))


async def order_sales(
    session: AsyncSession,
    start: datetime.datetime,
    end: datetime.datetime,
    *,
    basis: Basis,
    cooperative_id: int | None = None,
) -> int:
    """Goods sold (order subtotals, delivery fees excluded) in [start, end); every cooperative when None."""
    value = await session.scalar(
        sold_orders(basis, start, end, cooperative_id=cooperative_id).with_only_columns(
            func.coalesce(func.sum(cast(Order.subtotal, BigInteger)), 0)
        )
    )
    return int(value or 0)
