"""The members' books of one cooperative: sales and margin, paid to and owed to producers, cash
differences, goods received and stock value, by month, category and producer. Reads only.

Sales here are completed sales (`orders.sales`, `Basis.COMPLETED`): what producers are owed for, read from
the daily rollups (`orders.rollups`) rather than a scan of every order.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import BigInteger, Executable, Integer, bindparam, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import Period, bounds, last_months, local_today, parse_period
from app.i18n import N_, _, n_
from app.models import Cooperative
from app.text import rupiah
from catalog.models import Product, ProductStatus, StockLedgerEntry, StockReceipt
from orders import rollups
from orders.models import CashReconciliation
from producers.models import Settlement
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


@functools.cache
def _stock_values_query(count: int) -> Executable:
    """The query behind `stock_values_at` for `count` moments, built once: the moments, the cooperative and
    the earliest moment are bound parameters (`m0`..., `coop`, `since`). Building its dozens of CASE and SUM
    expressions anew cost the members' books page more CPU than running it."""
    entry = StockLedgerEntry
    moment_type = entry.__table__.c.created_at.type
    moments = [bindparam(f"m{i}", type_=moment_type) for i in range(count)]
    coop = bindparam("coop", type_=Integer())
    later = (
        select(
            entry.product_id,
            *(
                func.sum(case((entry.created_at >= moment, entry.delta), else_=0)).label(f"d{i}")
                for i, moment in enumerate(moments)
            ),
        )
        .where(entry.cooperative_id == coop, entry.created_at >= bindparam("since", type_=moment_type))
        .group_by(entry.product_id)
        .subquery()
    )
    values = [
        func.coalesce(
            func.sum(cast(Product.stock - func.coalesce(later.c[f"d{i}"], 0), BigInteger) * Product.producer_price), 0
        )
        for i in range(count)
    ]
    return (
        select(*values)
        .select_from(Product)
        .outerjoin(later, later.c.product_id == Product.id)
        .where(Product.cooperative_id == coop, Product.status != ProductStatus.ARCHIVED)
    )


async def stock_values_at(
    session: AsyncSession, cooperative_id: int, moments: list[datetime.datetime]
) -> list[int]:
    """Value at producer price of the stock held at each of `moments`: today's stock minus later ledger
    moves, for every moment in one pass over the ledger."""
    if not moments:
        return []
    params: dict[str, Any] = {f"m{i}": moment for i, moment in enumerate(moments)}
    row = (
        await session.execute(
            _stock_values_query(len(moments)), {**params, "coop": cooperative_id, "since": min(moments)}
        )
    ).one()
    return [int(v or 0) for v in row]


async def stock_value_at(session: AsyncSession, cooperative_id: int, moment: datetime.datetime) -> int:
    """Value at producer price of the stock held at `moment`."""
    return (await stock_values_at(session, cooperative_id, [moment]))[0]


def _utc(moment: datetime.datetime) -> datetime.datetime:
    """SQLite hands back stored moments without their zone; they are UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.UTC)


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


def _spread(rows: Iterable[Sequence[Any]], edges: list[tuple[Any, Any]], width: int) -> list[list[int]]:
    """Sums of each row's figures (all columns after the first) per [start, end) span its first column falls in."""
    out = [[0] * width for _ in edges]
    for at, *figures in rows:
        for i, (start, end) in enumerate(edges):
            if start <= at < end:
                out[i] = [total + int(value or 0) for total, value in zip(out[i], figures, strict=True)]
    return out


async def _history_figures(
    session: AsyncSession, cooperative: Cooperative, periods: list[Period]
) -> list[tuple[tuple[int, int], int, int, CashDifference]]:
    """For each of `periods`, what `month_books` reads one query at a time: goods received (units, value),
    paid to producers, owed to them at the period's end, and the cash differences. Each source is read once
    and its rows are summed per period here, so a year of history costs four small queries, not fifty."""
    spans = [bounds(cooperative, p.start, p.end) for p in periods]
    days = [(p.start, p.end) for p in periods]
    first, last = days[0][0], days[-1][1]
    receipt = StockReceipt
    received = _spread(((_utc(at), units, value) for at, units, value in await session.execute(
        select(receipt.created_at, receipt.quantity, receipt.total).where(
            receipt.cooperative_id == cooperative.id, receipt.created_at >= spans[0][0],
            receipt.created_at < spans[-1][1],
        )
    )), [(_utc(s), _utc(e)) for s, e in spans], 2)
    payments = (await session.execute(
        select(Settlement.paid_on, Settlement.amount_paid).where(
            Settlement.cooperative_id == cooperative.id, Settlement.paid_on < last
        )
    )).all()
    paid = _spread(payments, days, 1)
    paid_before = _spread(payments, [(datetime.date.min, end) for _, end in days], 1)
    day = rollups.cooperative_day
    earned = _spread((await session.execute(
        select(day.c.day, day.c.producer_share).where(
            day.c.cooperative_id == cooperative.id, day.c.basis == BASIS, day.c.day < last
        )
    )).all(), [(datetime.date.min, end) for _, end in days], 1)
    cash = CashReconciliation
    handed = _spread((await session.execute(
        select(cash.business_date, cash.expected, cash.received).where(
            cash.cooperative_id == cooperative.id, cash.business_date >= first, cash.business_date < last
        )
    )).all(), days, 2)
    return [
        ((units, value), paid[i][0], earned[i][0] - paid_before[i][0], CashDifference(expected, got))
        for i, ((units, value), (expected, got)) in enumerate(zip(received, handed, strict=True))
    ]


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
    figures = await _history_figures(session, cooperative, periods)
    history = [
        MonthBooks(
            period=p,
            totals=totals,
            paid_to_producers=paid,
            owed_to_producers=owed,
            cash=cash,
            stock_value=value,
            received_units=received[0],
            received_value=received[1],
        )
        for p, value, totals, (received, paid, owed, cash) in zip(periods, values, sold, figures, strict=True)
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
