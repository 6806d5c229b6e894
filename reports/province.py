"""The public province overview: cooperatives, activity, orders, completed sales and producers paid, by
kabupaten. Aggregates only, no personal data; also its JSON shape for `/api/provinsi`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import msgspec
from sqlalchemy import BigInteger, cast, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import Period, last_months
from app.models import Cooperative
from orders.models import Order
from producers.models import Producer, Settlement
from reports.sales import Basis, caption, order_sales, sold_orders

# Orders are counted when placed (all of them); sales when completed.
BASIS = Basis.COMPLETED
SALES_CAPTION = caption(BASIS)


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
    sales_caption: str = SALES_CAPTION

    @property
    def chart_max(self) -> int:
        return max([m.sales for m in self.months] + [1])


async def _by_kabupaten(session: AsyncSession, now: datetime.datetime) -> list[KabupatenRow]:
    since = now - datetime.timedelta(days=30)
    coop = Cooperative
    recent_orders = (
        select(Order.cooperative_id, func.count().label("orders"))
        .where(Order.created_at >= since)
        .group_by(Order.cooperative_id)
        .subquery()
    )
    recent_sales = (
        sold_orders(BASIS, since, now)
        .with_only_columns(Order.cooperative_id, func.sum(cast(Order.subtotal, BigInteger)).label("sales"))
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
    return [KabupatenRow(r[0], r[1], *(int(v or 0) for v in r[2:])) for r in rows.all()]


async def province_overview(session: AsyncSession, now: datetime.datetime | None = None) -> ProvinceOverview:
    now = now or datetime.datetime.now(datetime.UTC)
    table = await _by_kabupaten(session, now)
    months = []
    for period in last_months(now.date(), 12):
        start = datetime.datetime.combine(period.start, datetime.time(), tzinfo=datetime.UTC)
        end = datetime.datetime.combine(period.end, datetime.time(), tzinfo=datetime.UTC)
        orders = await session.scalar(
            select(func.count()).select_from(Order).where(Order.created_at >= start, Order.created_at < end)
        )
        sales = await order_sales(session, start, end, basis=BASIS)
        months.append(MonthActivity(period, int(orders or 0), sales))
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


class MonthActivityOut(msgspec.Struct):
    month: str
    orders: int
    sales: int


class KabupatenOut(msgspec.Struct):
    provinsi: str
    kabupaten: str
    cooperatives: int
    active_30_days: int
    orders_30_days: int
    sales_30_days: int
    producers: int
    producers_paid: int
    paid_to_producers: int


class ProvinceOverviewOut(msgspec.Struct):
    cooperatives: int
    active_30_days: int
    producers_paid: int
    paid_to_producers: int
    months: list[MonthActivityOut]
    kabupaten: list[KabupatenOut]


def overview_out(o: ProvinceOverview) -> ProvinceOverviewOut:
    return ProvinceOverviewOut(
        cooperatives=o.cooperatives,
        active_30_days=o.active,
        producers_paid=o.producers_paid,
        paid_to_producers=o.paid_total,
        months=[MonthActivityOut(m.period.key, m.orders, m.sales) for m in o.months],
        kabupaten=[
            KabupatenOut(
                provinsi=r.provinsi,
                kabupaten=r.kabupaten,
                cooperatives=r.cooperatives,
                active_30_days=r.active,
                orders_30_days=r.orders_30d,
                sales_30_days=r.sales_30d,
                producers=r.producers,
                producers_paid=r.producers_paid,
                paid_to_producers=r.paid_total,
            )
            for r in o.rows
        ],
    )
