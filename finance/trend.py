"""Month-by-month figures read from the ledger for the charts: income, costs and what was left, 12 months."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.charts import BarChart, bar_chart
from app.i18n import MonthNames, _
from finance import chart
from finance.chart import Kind
from finance.models import JournalEntry, JournalLine

SHORT_MONTHS = MonthNames("abbreviated")
_REVENUE = [code for code, kind in chart.KIND_OF.items() if kind == Kind.REVENUE]
_EXPENSE = [code for code, kind in chart.KIND_OF.items() if kind == Kind.EXPENSE]


@dataclass(frozen=True)
class MonthFigures:
    year: int
    month: int
    income: int
    costs: int

    @property
    def surplus(self) -> int:
        return self.income - self.costs

    @property
    def short(self) -> str:
        return SHORT_MONTHS[self.month - 1]


def _months_back(end: datetime.date, count: int) -> list[tuple[int, int]]:
    index = end.year * 12 + end.month - 1
    return [divmod(i, 12) for i in range(index - count + 1, index + 1)]


async def last_months(
    session: AsyncSession, cooperative_id: int, end: datetime.date, count: int = 12
) -> list[MonthFigures]:
    """Income (sales, delivery fees, other income, less returns) and costs (cost of goods and every expense) of
    the `count` months up to the one containing `end`, oldest first; one query, summed per day."""
    months = _months_back(end, count)
    start = datetime.date(months[0][0], months[0][1] + 1, 1)
    query = (
        select(JournalEntry.entry_date, JournalLine.account_code, func.sum(JournalLine.credit - JournalLine.debit))
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(
            JournalLine.cooperative_id == cooperative_id,
            JournalLine.account_code.in_(_REVENUE + _EXPENSE),
            JournalEntry.entry_date >= start,
            JournalEntry.entry_date <= end,
        )
        .group_by(JournalEntry.entry_date, JournalLine.account_code)
    )
    income: dict[tuple[int, int], int] = {}
    costs: dict[tuple[int, int], int] = {}
    for day, code, net in (await session.execute(query)).tuples():
        key = (day.year, day.month - 1)
        if code in _REVENUE:
            income[key] = income.get(key, 0) + int(net or 0)
        else:
            costs[key] = costs.get(key, 0) - int(net or 0)
    return [MonthFigures(y, m + 1, income.get((y, m), 0), costs.get((y, m), 0)) for y, m in months]


def trend_chart(figures: list[MonthFigures]) -> BarChart:
    return bar_chart(
        [f.short for f in figures],
        [
            (_("Pendapatan"), [f.income for f in figures]),
            (_("Biaya"), [f.costs for f in figures]),
            (_("Sisa"), [f.surplus for f in figures]),
        ],
    )


def savings_chart(pokok: int, wajib: int, sukarela: int) -> BarChart:
    return bar_chart([_("Pokok"), _("Wajib"), _("Sukarela")], [(_("Saldo"), [pokok, wajib, sukarela])])
