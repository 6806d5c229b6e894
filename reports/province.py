"""The public province overview: cooperatives by state, activity, orders, completed sales and producers paid,
by kabupaten/kota code (names from the region table). Aggregates only, no personal data; also its JSON shape
for `/api/provinsi`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import msgspec
from sqlalchemy import BigInteger, and_, case, cast, distinct, func, not_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import Period, last_months
from app.models import Cooperative, CooperativeStatus
from app.regions import Region
from orders.models import Order
from producers.models import Producer, Settlement
from reports.sales import Basis, caption, order_sales, sold_orders

# Orders are counted when placed (all of them); sales when completed.
BASIS = Basis.COMPLETED
SALES_CAPTION = caption(BASIS)


# The states counted, in the order the page shows them. A shop open for 30 days without an order is
# dormant (the operator's page, `onboarding.overviews.state_of`, says the same).
STATES = ("applied", "onboarding", "open", "dormant", "closed")
STATE_LABELS = {
    "applied": "Menunggu persetujuan",
    "onboarding": "Persiapan",
    "open": "Buka",
    "dormant": "Tidur (30 hari tanpa pesanan)",
    "closed": "Tutup sementara",
}
DORMANT_AFTER_DAYS = 30
NO_CODE = "-"


@dataclass(frozen=True)
class KabupatenRow:
    kode: str  # the kabupaten/kota code ("63.03"), or "-" for cooperatives placed without a region code
    provinsi: str
    kabupaten: str
    cooperatives: int
    active: int
    orders_30d: int
    sales_30d: int
    producers: int
    producers_paid: int
    paid_total: int
    by_state: dict[str, int]


@dataclass(frozen=True)
class MonthActivity:
    period: Period
    orders: int
    sales: int


@dataclass
class ProvinceOverview:
    by_state: dict[str, int]
    cooperatives: int
    active: int
    producers_paid: int
    paid_total: int
    months: list[MonthActivity]
    rows: list[KabupatenRow]
    sales_caption: str = SALES_CAPTION
    state_labels: dict[str, str] = field(default_factory=lambda: dict(STATE_LABELS))

    @property
    def chart_max(self) -> int:
        return max([m.sales for m in self.months] + [1])


def _state_columns(since: datetime.datetime, recent_orders: Any) -> list[Any]:
    """One count per state; open and dormant split on orders in the last 30 days."""
    coop = Cooperative
    quiet = and_(
        coop.status == CooperativeStatus.OPEN,
        recent_orders.c.cooperative_id.is_(None),
        func.coalesce(coop.opened_at, coop.created_at) < since,
    )
    columns = []
    for state in STATES:
        if state == "dormant":
            condition = quiet
        elif state == CooperativeStatus.OPEN:
            condition = and_(coop.status == CooperativeStatus.OPEN, not_(quiet))
        else:
            condition = coop.status == state
        columns.append(func.coalesce(func.sum(case((condition, 1), else_=0)), 0))
    return columns


async def _by_kabupaten(session: AsyncSession, now: datetime.datetime) -> list[KabupatenRow]:
    since = now - datetime.timedelta(days=DORMANT_AFTER_DAYS)
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
    # "63.03.04.2004" → "63.03": the kabupaten/kota part of the desa code.
    kode = func.coalesce(func.substr(coop.kode_wilayah, 1, 5), NO_CODE)
    rows = await session.execute(
        select(
            kode,
            func.min(coop.provinsi),
            func.min(coop.kabupaten),
            func.count(coop.id),
            func.count(recent_orders.c.cooperative_id),
            func.coalesce(func.sum(recent_orders.c.orders), 0),
            func.coalesce(func.sum(recent_sales.c.sales), 0),
            func.coalesce(func.sum(producers.c.producers), 0),
            func.coalesce(func.sum(paid.c.paid_producers), 0),
            func.coalesce(func.sum(paid.c.paid_total), 0),
            *_state_columns(since, recent_orders),
        )
        .outerjoin(recent_orders, recent_orders.c.cooperative_id == coop.id)
        .outerjoin(recent_sales, recent_sales.c.cooperative_id == coop.id)
        .outerjoin(producers, producers.c.cooperative_id == coop.id)
        .outerjoin(paid, paid.c.cooperative_id == coop.id)
        .where(coop.is_active.is_(True), coop.status != CooperativeStatus.REJECTED)
        .group_by(kode)
    )
    found = rows.all()
    names = await _region_names(session, [str(r[0]) for r in found])
    table = []
    for r in found:
        code = str(r[0])
        count, active, orders, sales, makers, makers_paid, paid_total = (int(v or 0) for v in r[3:10])
        states = dict(zip(STATES, (int(v or 0) for v in r[10:]), strict=True))
        provinsi = names.get(code[:2], str(r[1] or ""))
        kabupaten = names.get(code, str(r[2] or ""))
        table.append(
            KabupatenRow(
                code, provinsi, kabupaten, count, active, orders, sales, makers, makers_paid, paid_total, states
            )
        )
    return sorted(table, key=lambda row: (row.kode == NO_CODE, row.kode))


async def _region_names(session: AsyncSession, codes: list[str]) -> dict[str, str]:
    """Names of the kabupaten codes and their provinces, from the region table."""
    wanted = {c for c in codes if c != NO_CODE} | {c[:2] for c in codes if c != NO_CODE}
    if not wanted:
        return {}
    rows = await session.execute(select(Region.code, Region.name).where(Region.code.in_(sorted(wanted))))
    return {code: name for code, name in rows.tuples()}


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
        by_state={state: sum(r.by_state[state] for r in table) for state in STATES},
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
    kode: str
    provinsi: str
    kabupaten: str
    cooperatives: int
    active_30_days: int
    orders_30_days: int
    sales_30_days: int
    producers: int
    producers_paid: int
    paid_to_producers: int
    # applied, onboarding, open, dormant, closed
    by_state: dict[str, int]


class ProvinceOverviewOut(msgspec.Struct):
    cooperatives: int
    by_state: dict[str, int]
    active_30_days: int
    producers_paid: int
    paid_to_producers: int
    months: list[MonthActivityOut]
    kabupaten: list[KabupatenOut]


def overview_out(o: ProvinceOverview) -> ProvinceOverviewOut:
    return ProvinceOverviewOut(
        cooperatives=o.cooperatives,
        by_state=o.by_state,
        active_30_days=o.active,
        producers_paid=o.producers_paid,
        paid_to_producers=o.paid_total,
        months=[MonthActivityOut(m.period.key, m.orders, m.sales) for m in o.months],
        kabupaten=[
            KabupatenOut(
                kode=r.kode,
                provinsi=r.provinsi,
                kabupaten=r.kabupaten,
                cooperatives=r.cooperatives,
                active_30_days=r.active,
                orders_30_days=r.orders_30d,
                sales_30_days=r.sales_30d,
                producers=r.producers,
                producers_paid=r.producers_paid,
                paid_to_producers=r.paid_total,
                by_state=r.by_state,
            )
            for r in o.rows
        ],
    )
