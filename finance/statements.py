"""Figures read from the ledger: trial balance, income statement (laba rugi) and balance sheet (neraca)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import MONTHS, local_today
from app.errors import InvalidInput
from app.i18n import _
from app.models import Cooperative
from finance import chart
from finance.chart import Kind
from finance.models import Account, JournalEntry, JournalLine


@dataclass(frozen=True)
class Balance:
    code: str
    name: str
    kind: str
    debit: int
    credit: int

    @property
    def net(self) -> int:
        """Debit minus credit, for asset and expense accounts; credit minus debit for the others."""
        return self.debit - self.credit if chart.is_debit_normal(self.code) else self.credit - self.debit


async def names(session: AsyncSession, cooperative_id: int) -> dict[str, str]:
    """The chart's names, with the cooperative's own wording where it renamed an account."""
    own = await session.execute(select(Account.code, Account.name).where(Account.cooperative_id == cooperative_id))
    return {**chart.NAME_OF, **dict(own.tuples().all())}


async def balances(
    session: AsyncSession, cooperative_id: int, *, start: datetime.date | None = None, end: datetime.date | None = None
) -> list[Balance]:
    """Sum of debits and credits per account over entries dated in [start, end], every chart account listed."""
    query = (
        select(JournalLine.account_code, func.sum(JournalLine.debit), func.sum(JournalLine.credit))
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(JournalLine.cooperative_id == cooperative_id)
        .group_by(JournalLine.account_code)
    )
    if start is not None:
        query = query.where(JournalEntry.entry_date >= start)
    if end is not None:
        query = query.where(JournalEntry.entry_date <= end)
    sums = {code: (int(d or 0), int(c or 0)) for code, d, c in (await session.execute(query)).tuples()}
    named = await names(session, cooperative_id)
    return [Balance(code, _(named[code]), kind, *sums.get(code, (0, 0))) for code, _name, kind in chart.DEFAULT_CHART]


@dataclass(frozen=True)
class TrialBalance:
    date: datetime.date
    accounts: list[tuple[str, str, int, int]]  # code, name, debit balance, credit balance
    total_debit: int
    total_credit: int


async def trial_balance(session: AsyncSession, cooperative: Cooperative, day: datetime.date) -> TrialBalance:
    rows = []
    for b in await balances(session, cooperative.id, end=day):
        if b.debit or b.credit:
            net = b.debit - b.credit
            rows.append((b.code, b.name, max(net, 0), max(-net, 0)))
    return TrialBalance(day, rows, sum(r[2] for r in rows), sum(r[3] for r in rows))


@dataclass(frozen=True)
class Income:
    period: str
    label: str
    start: datetime.date
    end: datetime.date
    revenue: int
    cost_of_goods: int
    expenses: int
    other_income: int
    lines: list[tuple[str, str, int]]

    @property
    def surplus(self) -> int:
        return self.revenue + self.other_income - self.cost_of_goods - self.expenses


def period_bounds(year: int, month: int | None) -> tuple[str, str, datetime.date, datetime.date]:
    if not 2000 <= year <= 2100 or (month is not None and not 1 <= month <= 12):
        raise InvalidInput(_("Periode tidak sah."), field_errors={"year": _("Tahun 2000–2100, bulan 1–12.")})
    if month is None:
        return str(year), _("Tahun %(year)s", year=year), datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    first = datetime.date(year, month, 1)
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    return f"{year}-{month:02d}", f"{MONTHS[month - 1]} {year}", first, last


async def income(session: AsyncSession, cooperative: Cooperative, year: int, month: int | None) -> Income:
    period, label, start, end = period_bounds(year, month)
    rows = await balances(session, cooperative.id, start=start, end=end)
    total = {"revenue": 0, "cogs": 0, "expenses": 0, "other": 0}
    lines = []
    for b in rows:
        if b.kind not in {Kind.REVENUE, Kind.EXPENSE}:
            continue
        amount = b.credit - b.debit if b.kind == Kind.REVENUE else b.debit - b.credit
        if b.code == chart.PENDAPATAN_LAIN:
            total["other"] += amount
        elif b.kind == Kind.REVENUE:
            total["revenue"] += amount
        elif b.code == chart.HPP:
            total["cogs"] += amount
        else:
            total["expenses"] += amount
        if amount:
            lines.append((b.code, b.name, amount))
    return Income(period, label, start, end, total["revenue"], total["cogs"], total["expenses"], total["other"], lines)


@dataclass(frozen=True)
class BalanceSheet:
    date: datetime.date
    assets: int
    liabilities: int
    equity: int
    lines: list[tuple[str, str, str, int]]  # code, name, kind, amount


async def balance_sheet(session: AsyncSession, cooperative: Cooperative, day: datetime.date) -> BalanceSheet:
    """Assets = liabilities + equity; the surplus not yet closed shows as SHU tahun berjalan."""
    rows = await balances(session, cooperative.id, end=day)
    surplus = sum(b.credit - b.debit for b in rows if b.kind in {Kind.REVENUE, Kind.EXPENSE})
    totals = {Kind.ASSET: 0, Kind.LIABILITY: 0, Kind.EQUITY: 0}
    lines = []
    for b in rows:
        if b.kind not in totals:
            continue
        amount = b.net + (surplus if b.code == chart.SHU_TAHUN_BERJALAN else 0)
        totals[Kind(b.kind)] += amount
        if amount:
            lines.append((b.code, b.name, str(b.kind), amount))
    return BalanceSheet(day, totals[Kind.ASSET], totals[Kind.LIABILITY], totals[Kind.EQUITY], lines)


def parse_day(value: str | None, cooperative: Cooperative) -> datetime.date:
    if not value:
        return local_today(cooperative)
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            _("Tanggal tidak sah."), field_errors={"date": _("Tulis tanggal sebagai YYYY-MM-DD.")}
        ) from None
