"""Statements of movement read from the ledger: arus kas (cash flow) and perubahan ekuitas (changes in equity)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.i18n import N_
from app.models import Cooperative
from finance import chart
from finance.chart import Kind
from finance.models import JournalEntry, JournalLine
from finance.statements import Balance, balances, period_bounds

CASH_ACCOUNTS = (chart.KAS, chart.BANK)

# Cash flow lines in the order shown: key, label, section.
OPERATING = "operasi"
INVESTING = "investasi"
FINANCING = "pendanaan"
SECTIONS = {
    OPERATING: N_("Kegiatan operasi"),
    INVESTING: N_("Kegiatan investasi"),
    FINANCING: N_("Kegiatan pendanaan"),
}
FLOW_LINES: tuple[tuple[str, str, str], ...] = (
    ("pembeli", N_("Penerimaan dari pembeli (setelah pengembalian uang)"), OPERATING),
    ("produsen", N_("Pembayaran kepada produsen"), OPERATING),
    ("biaya", N_("Biaya operasional"), OPERATING),
    ("lain", N_("Pendapatan lain dan selisih kas"), OPERATING),
    ("investasi", N_("Pembelian dan penjualan aset tetap"), INVESTING),
    ("simpanan", N_("Simpanan anggota (setoran dikurangi penarikan)"), FINANCING),
    ("shu", N_("Pembayaran SHU dan dana-dana"), FINANCING),
    ("pinjaman", N_("Pinjaman (pencairan dikurangi angsuran)"), FINANCING),
)
_SECTION_OF = {key: section for key, _, section in FLOW_LINES}
_FINANCING_ACCOUNTS = {
    chart.SIMPANAN_POKOK: "simpanan",
    chart.SIMPANAN_WAJIB: "simpanan",
    chart.SIMPANAN_SUKARELA: "simpanan",
    chart.SHU_BELUM_DIBAYAR: "shu",
    chart.DANA_PENGURUS: "shu",
    chart.DANA_KARYAWAN: "shu",
    chart.DANA_PENDIDIKAN: "shu",
    chart.DANA_SOSIAL: "shu",
    chart.CADANGAN: "shu",
    chart.SHU_TAHUN_BERJALAN: "shu",
    chart.PINJAMAN: "pinjaman",
}


def flow_line(code: str) -> str:
    """Which cash flow line money moved against `code` belongs to (the other side of a kas or bank line)."""
    if code in _FINANCING_ACCOUNTS:
        return _FINANCING_ACCOUNTS[code]
    if code == chart.UTANG_PRODUSEN:
        return "produsen"
    if code in {chart.PENDAPATAN_LAIN, chart.BEBAN_SELISIH_KAS}:
        return "lain"
    if chart.KIND_OF.get(code) == Kind.EXPENSE:
        return "biaya"
    return "pembeli"


@dataclass(frozen=True)
class CashFlow:
    label: str
    start: datetime.date
    end: datetime.date
    opening: int
    lines: list[tuple[str, str, str, int]]  # key, label, section, amount (in is positive)
    sections: dict[str, int]
    closing: int

    @property
    def net(self) -> int:
        return sum(self.sections.values())

    @property
    def titles(self) -> dict[str, str]:
        return SECTIONS


async def _cash(session: AsyncSession, cooperative_id: int, end: datetime.date) -> int:
    return sum(b.debit - b.credit for b in await balances(session, cooperative_id, end=end) if b.code in CASH_ACCOUNTS)


async def cash_flow(session: AsyncSession, cooperative: Cooperative, year: int, month: int | None) -> CashFlow:
    """Each entry that moved kas or bank is split over its other lines: money in is what those lines credited.

    A move between kas and bank has no other line and so changes nothing; the opening balance plus every
    line equals the closing balance, because each entry is balanced.
    """
    _, label, start, end = period_bounds(year, month)
    moved_cash = (
        select(JournalLine.entry_id)
        .where(JournalLine.cooperative_id == cooperative.id, JournalLine.account_code.in_(CASH_ACCOUNTS))
        .distinct()
    )
    rows = await session.execute(
        select(JournalLine.account_code, JournalLine.debit, JournalLine.credit)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(
            JournalLine.cooperative_id == cooperative.id,
            JournalEntry.entry_date >= start,
            JournalEntry.entry_date <= end,
            JournalLine.entry_id.in_(moved_cash),
            JournalLine.account_code.not_in(CASH_ACCOUNTS),
        )
    )
    amounts = {key: 0 for key, _, _ in FLOW_LINES}
    for code, debit, credit in rows.tuples():
        amounts[flow_line(code)] += int(credit) - int(debit)
    sections = {section: 0 for section in SECTIONS}
    for key, amount in amounts.items():
        sections[_SECTION_OF[key]] += amount
    opening = await _cash(session, cooperative.id, start - datetime.timedelta(days=1))
    closing = await _cash(session, cooperative.id, end)
    lines = [(key, text, section, amounts[key]) for key, text, section in FLOW_LINES]
    return CashFlow(label, start, end, opening, lines, sections, closing)


@dataclass(frozen=True)
class EquityRow:
    code: str
    name: str
    opening: int
    added: int
    taken: int

    @property
    def closing(self) -> int:
        return self.opening + self.added - self.taken


@dataclass(frozen=True)
class EquityChanges:
    label: str
    start: datetime.date
    end: datetime.date
    rows: list[EquityRow]

    @property
    def opening(self) -> int:
        return sum(r.opening for r in self.rows)

    @property
    def closing(self) -> int:
        return sum(r.closing for r in self.rows)


def _surplus(rows: list[Balance]) -> int:
    return sum(b.credit - b.debit for b in rows if b.kind in {Kind.REVENUE, Kind.EXPENSE})


async def equity_changes(
    session: AsyncSession, cooperative: Cooperative, year: int, month: int | None
) -> EquityChanges:
    """Every equity account from the day before the period to its end; the surplus not yet closed counts as
    SHU tahun berjalan, as on the neraca, so the closing total equals the neraca's equity at the period end."""
    _, label, start, end = period_bounds(year, month)
    before = await balances(session, cooperative.id, end=start - datetime.timedelta(days=1))
    during = await balances(session, cooperative.id, start=start, end=end)
    opening_surplus, surplus = _surplus(before), _surplus(during)
    opened = {b.code: b.credit - b.debit for b in before}
    rows = []
    for b in during:
        if b.kind != Kind.EQUITY:
            continue
        added, taken = b.credit, b.debit
        opening = opened[b.code]
        if b.code == chart.SHU_TAHUN_BERJALAN:
            opening += opening_surplus
            added, taken = added + max(surplus, 0), taken + max(-surplus, 0)
        rows.append(EquityRow(b.code, b.name, opening, added, taken))
    return EquityChanges(label, start, end, rows)
