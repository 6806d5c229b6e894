"""The staff dashboard's figures: today's orders and sales, unpaid orders, low stock, a 30-day sales chart.

Sales are counted on `SALES_BASIS` (orders placed, not cancelled; goods only, as `orders.sales` defines a sale)
and the page says so with `Dashboard.sales_caption`; the 30 days of sales come from the daily rollups
(`orders.rollups`), not a scan of the month's orders.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import day_bounds, local_today
from app.i18n import _
from app.models import Cooperative
from catalog import stock as stockwork
from orders import rollups, state
from orders.fulfilment.board import OPEN_STATUSES
from orders.fulfilment.cash import cash_differences
from orders.models import Order
from orders.sales import Basis, caption
from reports.charts import SalesChart, sales_chart

CHART_DAYS = 30
# Today's orders as they come in: completed sales would show a busy morning as an empty day.
SALES_BASIS = Basis.PLACED


@dataclass(frozen=True)
class Dashboard:
    today: datetime.date
    by_status: dict[str, int]
    orders_today: int
    revenue_today: int
    revenue_week: int
    unpaid_count: int
    unpaid_total: int
    low_stock: Sequence[stockwork.LowStock]
    chart: SalesChart
    cash_difference_month: int
    open_orders: int
    sales_caption: str = field(default_factory=lambda: _(caption(SALES_BASIS)))


async def _orders_today_by_status(
    session: AsyncSession, cooperative: Cooperative, today: datetime.date
) -> dict[str, int]:
    start, end = day_bounds(cooperative, today)
    rows = await session.execute(
        select(Order.status, func.count())
        .where(Order.cooperative_id == cooperative.id, Order.created_at >= start, Order.created_at < end)
        .group_by(Order.status)
    )
    return {str(k): int(v) for k, v in rows.all()}


async def _unpaid(session: AsyncSession, cooperative: Cooperative) -> tuple[int, int]:
    """How many orders (not cancelled) are unpaid, and their total."""
    row = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(Order.total), 0)).where(
                Order.cooperative_id == cooperative.id,
                Order.status != state.OrderStatus.CANCELLED,
                Order.payment_status == state.PaymentStatus.UNPAID,
            )
        )
    ).one()
    return int(row[0]), int(row[1])


async def dashboard(
    session: AsyncSession, cooperative: Cooperative, *, now: datetime.datetime | None = None
) -> Dashboard:
    """Today at a glance. Sales are goods in orders not cancelled, by the day they were placed."""
    today = local_today(cooperative, now)
    by_status = await _orders_today_by_status(session, cooperative, today)
    first = today - datetime.timedelta(days=CHART_DAYS - 1)
    daily = await rollups.daily_sales(session, cooperative.id, first, today, basis=SALES_BASIS)
    points = [
        (first + datetime.timedelta(days=i), daily.get(first + datetime.timedelta(days=i), 0))
        for i in range(CHART_DAYS)
    ]
    monday = today - datetime.timedelta(days=today.weekday())
    unpaid_count, unpaid_total = await _unpaid(session, cooperative)
    open_orders = await session.scalar(
        select(func.count())
        .select_from(Order)
        .where(Order.cooperative_id == cooperative.id, Order.status.in_(OPEN_STATUSES))
    )
    month = await cash_differences(session, cooperative.id, today.year, today.month)
    return Dashboard(
        today=today,
        by_status=by_status,
        orders_today=sum(by_status.values()),
        revenue_today=daily.get(today, 0),
        revenue_week=sum(amount for day, amount in daily.items() if day >= monday),
        unpaid_count=unpaid_count,
        unpaid_total=unpaid_total,
        low_stock=await stockwork.low_stock(session, cooperative.id, limit=8),
        chart=sales_chart(points),
        cash_difference_month=month.total,
        open_orders=int(open_orders or 0),
    )
