"""The sales figures the reports show, all on the one definition of a sale in `orders.sales`.

Each figure is counted on a `Basis` the page or export names with `caption(basis)`:
"placed" (orders placed in the period, not cancelled) or "completed" (orders completed in the period).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from sqlalchemy import BigInteger, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import Period, period_containing
from app.i18n import N_, _
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
    "Opening",
    "ProducerSales",
    "SalesTotals",
    "Share",
    "breakdown",
    "by_producer",
    "caption",
    "last_sale_day",
    "opening_period",
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

    @property
    def cost(self) -> int:
        """Cost of the goods sold: the producers' share, or what the cooperative paid for its own goods."""
        return self.sales - self.margin

    @classmethod
    def total(cls, rows: list[Share], name: str = N_("Jumlah")) -> Share:
        return cls(name, sum(r.sales for r in rows), sum(r.margin for r in rows), sum(r.producer_share for r in rows))


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
            select(func.coalesce(Category.name, _("Lainnya")), *sums)
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
    own = _("%(name)s (barang koperasi)", name=cooperative.short_name)
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
            name if pid else _("%(name)s (stok koperasi)", name=cooperative.short_name),
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


async def last_sale_day(
    session: AsyncSession,
    cooperative_id: int,
    before: datetime.date,
    *,
    basis: Basis,
    since: datetime.date | None = None,
    producer_id: int | None = None,
) -> datetime.date | None:
    """The latest local day before `before` (and from `since`) with a sale on `basis`, of one producer's goods
    when `producer_id` is given; None without any. From the daily rollups."""
    table = rollups.cooperative_day if producer_id is None else rollups.producer_day
    query = select(func.max(table.c.day)).where(
        table.c.cooperative_id == cooperative_id, table.c.basis == basis, table.c.day < before, table.c.orders > 0
    )
    if since is not None:
        query = query.where(table.c.day >= since)
    if producer_id is not None:
        query = query.where(table.c.producer_id == producer_id)
    day = await session.scalar(query)
    # SQLite hands back MAX() of a date column as text.
    return datetime.date.fromisoformat(day) if isinstance(day, str) else day


_KIND_WORDS = {"month": N_("Bulan"), "week": N_("Minggu")}


@dataclass(frozen=True)
class Opening:
    """The period a page opens on when none was asked for; `skipped`: the current one, passed over as empty."""

    period: Period
    skipped: Period | None = None

    @property
    def notice(self) -> str | None:
        """What the page says when it opens on an earlier period than the current one."""
        if self.skipped is None:
            return None
        word = _(_KIND_WORDS.get(self.skipped.kind, N_("Periode")))
        return _(
            "%(word)s ini (%(skipped)s) belum ada penjualan yang selesai. Yang ditampilkan: "
            "%(shown)s, %(lower)s terakhir yang ada penjualannya.",
            word=word,
            skipped=self.skipped.label,
            shown=self.period.label,
            lower=word.lower(),
        )


async def opening_period(
    session: AsyncSession,
    cooperative: Cooperative,
    kind: str,
    today: datetime.date,
    *,
    basis: Basis,
    since: datetime.date | None = None,
    producer_id: int | None = None,
) -> Opening:
    """The period containing `today`, unless nothing was sold in it yet (the 1st of a month): then the latest
    period with a sale (from `since`), so the books and statements do not open on an empty page."""
    current = period_containing(kind, today)
    last = await last_sale_day(
        session, cooperative.id, current.end, basis=basis, since=since, producer_id=producer_id
    )
    if last is None or last >= current.start:
        return Opening(current)
    return Opening(period_containing(kind, last), skipped=current)
