"""The members' books of one cooperative: sales and margin, paid to and owed to producers, cash
differences, goods received and stock value, by month, category and producer. Reads only.

Sales here are completed sales (`orders.sales`, `Basis.COMPLETED`): what producers are owed for, read from
the daily rollups (`orders.rollups`) rather than a scan of every order.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace

from sqlalchemy import BigInteger, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import Period, bounds, last_months, local_today, parse_period
from app.i18n import N_, _, n_
from app.models import Cooperative
from app.text import rupiah
from catalog.models import Product, ProductStatus, StockLedgerEntry
from orders import rollups
from orders.models import CashReconciliation
from producers.services import goods_received_value, owed_to_producers, paid_total
from reports.sales import Basis, Opening, SalesTotals, Share, breakdown, caption, opening_period

BASIS = Basis.COMPLETED
SALES_CAPTION = caption(BASIS)
# What `caption()` says, marked for the catalogs: the reports translate it when a page is made.
CAPTION_TEXTS = (
    N_("Penjualan (pesanan selesai)"),
    N_("Penjualan (pesanan masuk, tanpa yang dibatalkan)"),
    N_("pesanan selesai"),
    N_("pesanan masuk, tanpa yang dibatalkan"),
)
# How many months back a reader can pick.
CHOICES = 24


@dataclass(frozen=True)
class CashDifference:
    expected: int
    received: int

    @property
    def difference(self) -> int:
        return self.received - self.expected

    @property
    def in_words(self) -> str:
        """The difference as a villager says it: short, over, or just right."""
        if self.difference < 0:
            return _("kurang %(amount)s", amount=rupiah(-self.difference))
        if self.difference > 0:
            return _("lebih %(amount)s", amount=rupiah(self.difference))
        return _("pas, tidak ada selisih")


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


async def stock_values_at(
    session: AsyncSession, cooperative_id: int, moments: list[datetime.datetime]
) -> list[int]:
    """Value at producer price of the stock held at each of `moments`: today's stock minus later ledger
    moves, for every moment in one pass over the ledger."""
    if not moments:
        return []
    entry = StockLedgerEntry
    later = (
        select(
            entry.product_id,
            *(
                func.sum(case((entry.created_at >= moment, entry.delta), else_=0)).label(f"d{i}")
                for i, moment in enumerate(moments)
            ),
        )
        .where(entry.cooperative_id == cooperative_id, entry.created_at >= min(moments))
        .group_by(entry.product_id)
        .subquery()
    )
    values = [
        func.coalesce(
            func.sum(cast(Product.stock - func.coalesce(later.c[f"d{i}"], 0), BigInteger) * Product.producer_price), 0
        )
        for i in range(len(moments))
    ]
    row = (
        await session.execute(
            select(*values)
            .select_from(Product)
            .outerjoin(later, later.c.product_id == Product.id)
            .where(Product.cooperative_id == cooperative_id, Product.status != ProductStatus.ARCHIVED)
        )
    ).one()
    return [int(v or 0) for v in row]


async def stock_value_at(session: AsyncSession, cooperative_id: int, moment: datetime.datetime) -> int:
    """Value at producer price of the stock held at `moment`."""
    return (await stock_values_at(session, cooperative_id, [moment]))[0]


def _month_end(end: datetime.datetime) -> datetime.datetime:
    """The moment a month's stock is counted: its end, or now for the month still running."""
    return min(end, datetime.datetime.now(datetime.UTC))


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


@dataclass
class Books:
    cooperative: Cooperative
    month: MonthBooks
    history: list[MonthBooks] = field(default_factory=list)
    by_category: list[Share] = field(default_factory=list)
    by_producer: list[Share] = field(default_factory=list)
    # Months a reader can pick, newest first.
    choices: list[Period] = field(default_factory=list)
    sales_caption: str = field(default_factory=lambda: _(SALES_CAPTION))
    # Said above the figures when the page opened on an earlier month than the current one.
    notice: str | None = None

    @property
    def chart_max(self) -> int:
        return max([m.totals.sales for m in self.history] + [1])

    @property
    def category_total(self) -> Share:
        return Share.total(self.by_category, _("Jumlah"))

    @property
    def producer_total(self) -> Share:
        return Share.total(self.by_producer, _("Jumlah"))


async def month_books(
    session: AsyncSession,
    cooperative: Cooperative,
    period: Period,
    stock_value: int | None = None,
    totals: SalesTotals | None = None,
) -> MonthBooks:
    """One month's figures; `stock_value` and `totals` when the caller read them with the other months'."""
    start, end = bounds(cooperative, period.start, period.end)
    if totals is None:
        totals = await rollups.totals(session, cooperative.id, period.start, period.end, basis=BASIS)
    received_units, received_value = await goods_received_value(session, cooperative.id, start, end)
    return MonthBooks(
        period=period,
        totals=totals,
        paid_to_producers=await paid_total(session, cooperative.id, period.start, period.end),
        owed_to_producers=await owed_to_producers(session, cooperative, period.end),
        cash=await cash_differences(session, cooperative.id, period.start, period.end),
        stock_value=(
            stock_value if stock_value is not None else await stock_value_at(session, cooperative.id, _month_end(end))
        ),
        received_units=received_units,
        received_value=received_value,
    )


async def members_books(
    session: AsyncSession,
    cooperative: Cooperative,
    period: Period,
    months: int = 12,
    *,
    today: datetime.date | None = None,
) -> Books:
    periods = last_months(period.start, months)
    ends = [_month_end(period_end) for _, period_end in (bounds(cooperative, p.start, p.end) for p in periods)]
    values = await stock_values_at(session, cooperative.id, ends)
    sold = await rollups.totals_by_period(session, cooperative.id, [(p.start, p.end) for p in periods], basis=BASIS)
    history = [
        await month_books(session, cooperative, p, value, totals)
        for p, value, totals in zip(periods, values, sold, strict=True)
    ]
    # Months before the cooperative's first sale say nothing; keep the chosen month whatever it holds.
    while len(history) > 1 and history[0].totals.sales == 0 and history[0].totals.orders == 0:
        history.pop(0)
    return Books(
        cooperative=cooperative,
        month=history[-1],
        history=history,
        by_category=await breakdown(session, cooperative, period.start, period.end, "category", basis=BASIS),
        by_producer=await breakdown(session, cooperative, period.start, period.end, "producer", basis=BASIS),
        choices=list(reversed(last_months(today or local_today(cooperative), CHOICES))),
    )


def for_reader(report: Books, sees_every_producer: bool) -> Books:
    """Members see a producer's own figures only if it agreed; the others are one combined row. The board
    (`sees_every_producer`) sees each producer."""
    hidden = [s for s in report.by_producer if not s.public]
    if sees_every_producer or not hidden:
        return report
    combined = Share(
        n_("%(n)s produsen lain (digabung)", "%(n)s produsen lain (digabung)", len(hidden), n=len(hidden)),
        sum(s.sales for s in hidden),
        sum(s.margin for s in hidden),
        sum(s.producer_share for s in hidden),
    )
    return replace(report, by_producer=[s for s in report.by_producer if s.public] + [combined])


async def books_for_month(
    session: AsyncSession, cooperative: Cooperative, month: str | None, *, today: datetime.date | None = None
) -> Books:
    """The books for `month` (`2026-11`); without one, this month, or while nothing is sold in it yet the
    latest month with sales (saying so). Who may read them is the route's guard's business."""
    today = today or local_today(cooperative)
    if month:
        opening = Opening(parse_period("bulan", month, today))
    else:
        since = last_months(today, CHOICES)[0].start
        opening = await opening_period(session, cooperative, "month", today, basis=BASIS, since=since)
    books = await members_books(session, cooperative, opening.period, today=today)
    books.notice = opening.notice
    return books
