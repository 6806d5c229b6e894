"""The RAT report of a year: income statement, balance sheet at the year's end, the SHU split and the members'
shares (fixed if the year is closed, an estimate otherwise); a member sees only their own line."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import local_today
from app.i18n import _
from app.models import Cooperative, User
from finance import flows, shu, statements, yearclose
from finance.models import YearClose


@dataclass(frozen=True)
class Row:
    name: str
    jasa_anggota: int
    jasa_modal: int
    total: int
    paid: str
    mine: bool


@dataclass(frozen=True)
class Report:
    year: int
    closed: YearClose | None
    estimate: bool
    income: statements.Income
    sheet: statements.BalanceSheet
    cash: flows.CashFlow
    equity: flows.EquityChanges
    parts: list[tuple[str, int, int]]  # label, basis points, rupiah
    surplus: int
    rows: list[Row]
    all_rows: bool
    member_count: int


def _paid(paid_at: datetime.datetime | None, paid_to: str | None) -> str:
    if paid_at is None:
        return _("Belum dibayar")
    return f"{_(yearclose.PAY_TO[paid_to or 'kas'])}, {paid_at:%d/%m/%Y}"


async def _closed_rows(session: AsyncSession, cooperative: Cooperative, year: int, viewer_id: int) -> list[Row]:
    return [
        Row(
            r.name,
            r.share.jasa_anggota,
            r.share.jasa_modal,
            r.share.total,
            _paid(r.share.paid_at, r.share.paid_to),
            r.share.member_user_id == viewer_id,
        )
        for r in await yearclose.shares_of(session, cooperative.id, year)
    ]


async def _estimated_rows(session: AsyncSession, figures: shu.YearFigures, viewer_id: int) -> list[Row]:
    ids = set(figures.purchases) | set(figures.capital)
    names = dict((await session.execute(select(User.id, User.name).where(User.id.in_(ids)))).tuples().all())
    rows = []
    for user_id in ids:
        mine = figures.of(user_id)
        if mine.total > 0:
            rows.append(Row(names[user_id], mine.jasa_anggota, mine.jasa_modal, mine.total, "—", user_id == viewer_id))
    return sorted(rows, key=lambda r: (-r.total, r.name))


async def report(session: AsyncSession, cooperative: Cooperative, year: int, viewer_id: int, sees_all: bool) -> Report:
    year = shu.check_year(cooperative, year)
    figures = await shu.year_figures(session, cooperative, year)
    closed = await yearclose.closing_of(session, cooperative.id, year)
    income = await statements.income(session, cooperative, year, None)
    end = min(datetime.date(year, 12, 31), local_today(cooperative))
    sheet = await statements.balance_sheet(session, cooperative, end)
    if closed is not None:
        amounts = yearclose.parts_of(closed)
        rows = await _closed_rows(session, cooperative, year, viewer_id)
    else:
        amounts = {name: shu.pool(figures.surplus, points) for name, points in figures.split.items()}
        rows = await _estimated_rows(session, figures, viewer_id)
    parts = [(shu.SPLIT_LABELS[n], figures.split[n], amounts.get(n, 0)) for n in shu.DEFAULT_SPLIT]
    shown = rows if sees_all else [r for r in rows if r.mine]
    return Report(
        year=year,
        closed=closed,
        estimate=closed is None,
        income=income,
        sheet=sheet,
        cash=await flows.cash_flow(session, cooperative, year, None),
        equity=await flows.equity_changes(session, cooperative, year, None),
        parts=parts,
        surplus=closed.surplus if closed else figures.surplus,
        rows=shown,
        all_rows=sees_all,
        member_count=len(rows),
    )
