"""The sales figures the reports show, all on the one definition of a sale in `orders.sales`.

Each figure is counted on a `Basis` the page or export names with `caption(basis)`:
"placed" (orders placed in the period, not cancelled) or "completed" (orders completed in the period).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from sqlalchemy import BigInteger, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Cooperative
from catalog.models import Category, Product
from orders import rollups
from orders.models import Order
from orders.sales import (
    CAPTIONS,
    Basis,
    SalesTotals,
    caption,
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
    # False: a producer that has not agreed to show members its own figures (Producer.shares_figures).
    public: bool = True


async def breakdown(
    session: AsyncSession,
    cooperative: Cooperative,
    first: datetime.date,
    after: datetime.date,
    by: str,
    *,
    basis: Basis,
) -> list[Share]:
    """Sales, margin and producers' share per category (`by="category"`) or per producer on the local days
    [first, after), largest first; from the daily rollups."""
    table = rollups.product_day if by == "category" else rollups.producer_day
    sales_sum = func.sum(table.c.sales)
    cost_sum = func.sum(table.c.producer_cost)
    if by == "category":
        share = func.sum(rollups.product_day.c.producer_share)
    else:
        share = func.sum(case((rollups.producer_day.c.producer_id != 0, rollups.producer_day.c.producer_cost), else_=0))
    sums = (sales_sum, sales_sum - cost_sum, share)
    window = (
        table.c.cooperative_id == cooperative.id, table.c.basis == basis, table.c.day >= first, table.c.day < after
    )
    if by == "category":
        query = (
            select(func.coalesce(Category.name, "Lainnya"), *sums)
            .select_from(table)
            .outerjoin(Product, Product.id == table.c.product_id)
            .outerjoin(Category, Category.id == Product.category_id)
            .where(*window)
            .group_by(Category.name)
            .having(func.sum(table.c.orders) > 0)
        )
    else:
        query = (
            select(Producer.business_name, *sums, Producer.shares_figures)
            .select_from(table)
            .outerjoin(Producer, Producer.id == table.c.producer_id)
            .where(*window)
            .group_by(Producer.business_name, Producer.shares_figures)
            .having(func.sum(table.c.orders) > 0)
        )
    rows = await session.execute(query)
    own = f"{cooperative.short_name} (barang koperasi)"
    shares = [
        Share(r[0] or own, int(r[1] or 0), int(r[2] or 0), int(r[3] or 0), len(r) < 5 or r[4] is not False)
        for r in rows.all()
    ]
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
    first: datetime.date,
    after: datetime.date,
    *,
    basis: Basis,
) -> list[ProducerSales]:
    """Per producer on the local days [first, after): orders, units, sales and the producer's share, largest
    sales first; from the daily rollups. With `Basis.COMPLETED` the shares are exactly what the producers'
    statements for the same days show."""
    table = rollups.producer_day
    rows = await session.execute(
        select(
            table.c.producer_id,
            Producer.business_name,
            func.sum(table.c.orders),
            func.sum(table.c.units),
            func.sum(table.c.sales),
            func.sum(table.c.producer_cost),
        )
        .outerjoin(Producer, Producer.id == table.c.producer_id)
        .where(table.c.cooperative_id == cooperative.id, table.c.basis == basis, table.c.day >= first,
               table.c.day < after)
        .group_by(table.c.producer_id, Producer.business_name)
        .having(func.sum(table.c.orders) > 0)
    )
    out = [
        ProducerSales(
            pid or None,
            name if pid else f"{cooperative.short_name} (stok koperasi)",
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
