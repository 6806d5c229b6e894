"""The public province overview: cooperatives by state, activity, orders, completed sales and producers paid,
by kabupaten/kota code (names from the region table). Aggregates only, no personal data; also its JSON shape
for `/api/provinsi`.

Order figures come from the daily rollups (`orders.rollups`), so "the last 30 days" and the months are local
days on the province's calendar (WITA), not a scan of every order; the result is kept a minute per process.
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass, field
from typing import Any

import msgspec
from sqlalchemy import ColumnElement, case, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import DEFAULT_TIMEZONE, Period, last_months, local_date, period_containing
from app.i18n import N_
from app.models import Cooperative, CooperativeStatus
from app.regions import Region
from orders import rollups
from producers.models import Producer, Settlement
from reports.sales import Basis, caption

# Orders are counted when placed (all of them); sales when completed.
BASIS = Basis.COMPLETED
SALES_CAPTION = caption(BASIS)


# The states counted, in the order the page shows them. A shop open for 30 days without an order is
# dormant (the operator's page, `onboarding.overviews.state_of`, says the same).
STATES = ("applied", "onboarding", "open", "dormant", "closed")
STATE_LABELS = {
    "applied": N_("Menunggu persetujuan"),
    "onboarding": N_("Persiapan"),
    "open": N_("Buka"),
    "dormant": N_("Tidur (30 hari tanpa pesanan)"),
    "closed": N_("Tutup sementara"),
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


def _state_of(status: str, opened: datetime.datetime, recent_orders: int, since: datetime.datetime) -> str:
    """Open and dormant split on orders in the last 30 days; a shop opened within them is not dormant yet."""
    if status == CooperativeStatus.OPEN and not recent_orders and _utc(opened) < since:
        return "dormant"
    return status


def _least(a: str | None, b: str | None) -> str | None:
    """What SQL's MIN gives: the smaller name, NULLs ignored."""
    return b if a is None else a if b is None else min(a, b)


def _utc(moment: datetime.datetime) -> datetime.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.UTC)


def _orders_and_sales() -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """Summed over daily rollup rows: orders placed (cancelled ones too) and completed sales."""
    c = rollups.cooperative_day
    placed = c.c.basis == Basis.PLACED
    return (
        func.sum(case((placed, c.c.orders + c.c.cancelled), else_=0)),
        func.sum(case((c.c.basis == BASIS, c.c.sales), else_=0)),
    )


async def _recent_figures(session: AsyncSession, first: datetime.date) -> dict[int, tuple[int, int]]:
    """Per cooperative since the local day `first`: orders placed (cancelled ones too) and completed sales."""
    c = rollups.cooperative_day
    rows = await session.execute(
        select(c.c.cooperative_id, *_orders_and_sales())
        .where(c.c.day >= first)
        .group_by(c.c.cooperative_id)
    )
    return {coop_id: (int(orders or 0), int(sales or 0)) for coop_id, orders, sales in rows.all()}


async def _by_kabupaten(session: AsyncSession, now: datetime.datetime) -> list[KabupatenRow]:
    since = now - datetime.timedelta(days=DORMANT_AFTER_DAYS)
    recent = await _recent_figures(session, _province_today(now) - datetime.timedelta(days=DORMANT_AFTER_DAYS - 1))
    coop = Cooperative
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
            coop.id, coop.kode_wilayah, coop.provinsi, coop.kabupaten, coop.status,
            func.coalesce(coop.opened_at, coop.created_at), producers.c.producers, paid.c.paid_producers,
            paid.c.paid_total,
        )
        .outerjoin(producers, producers.c.cooperative_id == coop.id)
        .outerjoin(paid, paid.c.cooperative_id == coop.id)
        .where(coop.is_active.is_(True), coop.status != CooperativeStatus.REJECTED)
    )
    sums: dict[str, dict[str, Any]] = {}
    for coop_id, kode_wilayah, provinsi, kabupaten, status, opened, makers, makers_paid, paid_total in rows.all():
        # "63.03.04.2004" → "63.03": the kabupaten/kota part of the desa code.
        code = kode_wilayah[:5] if kode_wilayah else NO_CODE
        row = sums.setdefault(code, {"provinsi": provinsi, "kabupaten": kabupaten, "by_state": dict.fromkeys(STATES, 0),
                                     "figures": [0] * 7})
        row["provinsi"], row["kabupaten"] = _least(row["provinsi"], provinsi), _least(row["kabupaten"], kabupaten)
        orders, sales = recent.get(coop_id, (0, 0))
        row["by_state"][_state_of(str(status), opened, orders, since)] += 1
        for index, value in enumerate((1, 1 if orders else 0, orders, sales, makers, makers_paid, paid_total)):
            row["figures"][index] += int(value or 0)
    names = await _region_names(session, list(sums))
    table = []
    for code, row in sums.items():
        count, active, orders, sales, makers, makers_paid, paid_total = row["figures"]
        provinsi = names.get(code[:2], str(row["provinsi"] or ""))
        kabupaten = names.get(code, str(row["kabupaten"] or ""))
        table.append(
            KabupatenRow(
                code, provinsi, kabupaten, count, active, orders, sales, makers, makers_paid, paid_total,
                row["by_state"],
            )
        )
    return sorted(table, key=lambda row: (row.kode == NO_CODE, row.kode))


def _province_today(now: datetime.datetime) -> datetime.date:
    """The province's calendar: the default zone (WITA for Kalimantan Selatan)."""
    return local_date(DEFAULT_TIMEZONE, now)


async def _region_names(session: AsyncSession, codes: list[str]) -> dict[str, str]:
    """Names of the kabupaten codes and their provinces, from the region table."""
    wanted = {c for c in codes if c != NO_CODE} | {c[:2] for c in codes if c != NO_CODE}
    if not wanted:
        return {}
    rows = await session.execute(select(Region.code, Region.name).where(Region.code.in_(sorted(wanted))))
    return {code: name for code, name in rows.tuples()}


async def _months(session: AsyncSession, now: datetime.datetime) -> list[MonthActivity]:
    """The last 12 months on the province's calendar: orders placed (all of them) and completed sales."""
    periods = last_months(_province_today(now), 12)
    c = rollups.cooperative_day
    rows = await session.execute(
        select(c.c.day, *_orders_and_sales())
        .where(c.c.day >= periods[0].start, c.c.day < periods[-1].end)
        .group_by(c.c.day)
    )
    orders = dict.fromkeys((p.key for p in periods), 0)
    sales = dict(orders)
    for day, day_orders, day_sales in rows.all():
        key = period_containing("month", day).key
        orders[key] += int(day_orders or 0)
        sales[key] += int(day_sales or 0)
    months = [MonthActivity(p, orders[p.key], sales[p.key]) for p in periods]
    while len(months) > 1 and months[0].orders == 0:
        months.pop(0)
    return months


# The page is public and unauthenticated: one computation per process per minute at most, unless a
# cooperative changed (registered, opened, closed), which shows at once.
CACHE_SECONDS = 60.0
_cache: dict[str, tuple[float, tuple[Any, ...], ProvinceOverview]] = {}


async def province_overview(session: AsyncSession, now: datetime.datetime | None = None) -> ProvinceOverview:
    """The overview from the daily rollups; kept for `CACHE_SECONDS` when `now` is not given."""
    if now is not None:
        return await _compute(session, now)
    version = tuple((await session.execute(select(func.count(Cooperative.id), func.max(Cooperative.updated_at)))).one())
    cached = _cache.get("overview")
    moment = time.monotonic()
    if cached is not None and moment - cached[0] < CACHE_SECONDS and cached[1] == version:
        return cached[2]
    overview = await _compute(session, datetime.datetime.now(datetime.UTC))
    _cache["overview"] = (moment, version, overview)
    return overview


async def _compute(session: AsyncSession, now: datetime.datetime) -> ProvinceOverview:
    table = await _by_kabupaten(session, now)
    return ProvinceOverview(
        by_state={state: sum(r.by_state[state] for r in table) for state in STATES},
        cooperatives=sum(r.cooperatives for r in table),
        active=sum(r.active for r in table),
        producers_paid=sum(r.producers_paid for r in table),
        paid_total=sum(r.paid_total for r in table),
        months=await _months(session, now),
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
