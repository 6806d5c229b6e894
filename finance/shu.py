"""SHU (sisa hasil usaha): the AD/ART split, the year's surplus from the ledger, and each member's share by
purchases (jasa anggota) and by capital (jasa modal, the average of month-end pokok + wajib)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import local_today
from app.errors import InvalidInput
from app.i18n import N_, _
from app.models import Cooperative, Membership, MembershipStatus
from finance import chart
from finance.models import JournalEntry, JournalLine, ShuShare, ShuSplit, YearClose
from finance.statements import income

# The usual AD/ART split, in basis points; each cooperative's own is data (ShuSplit).
DEFAULT_SPLIT = {
    "cadangan": 4000,
    "jasa_anggota": 2500,
    "jasa_modal": 2000,
    "pengurus": 500,
    "karyawan": 500,
    "pendidikan": 250,
    "sosial": 250,
}
SPLIT_LABELS = {
    "cadangan": N_("Cadangan koperasi"),
    "jasa_anggota": N_("Jasa anggota (menurut belanja)"),
    "jasa_modal": N_("Jasa modal (menurut simpanan)"),
    "pengurus": N_("Pengurus dan pengawas"),
    "karyawan": N_("Karyawan"),
    "pendidikan": N_("Dana pendidikan"),
    "sosial": N_("Dana sosial"),
}


async def split_of(session: AsyncSession, cooperative_id: int) -> dict[str, int]:
    row = await session.scalar(select(ShuSplit).where(ShuSplit.cooperative_id == cooperative_id))
    return dict(DEFAULT_SPLIT) if row is None else {name: int(getattr(row, name)) for name in DEFAULT_SPLIT}


def parse_split(values: dict[str, object]) -> dict[str, int]:
    """Percentages as typed (`40`, `2,5`, `2.5`) to basis points, refusing a split that is not 100%."""
    errors: dict[str, str] = {}
    split: dict[str, int] = {}
    for name in DEFAULT_SPLIT:
        text = str(values.get(name, "")).strip().replace(",", ".")
        try:
            points = round(float(text) * 100)
        except ValueError:
            errors[name] = _("Tulis persen dengan angka, misalnya 40 atau 2,5.")
            continue
        if not 0 <= points <= 10000:
            errors[name] = _("Persen antara 0 dan 100.")
        split[name] = points
    if not errors and sum(split.values()) != 10000:
        total = sum(split.values()) / 100
        errors["total"] = _("Jumlah pembagian harus 100%%, sekarang %(total)s%%.", total=format(total, "g"))
    if errors:
        raise InvalidInput.of(errors)
    return split


async def save_split(session: AsyncSession, cooperative_id: int, values: dict[str, object]) -> dict[str, int]:
    split = parse_split(values)
    row = await session.scalar(select(ShuSplit).where(ShuSplit.cooperative_id == cooperative_id))
    if row is None:
        row = ShuSplit(cooperative_id=cooperative_id, **split)
        session.add(row)
    else:
        for name, points in split.items():
            setattr(row, name, points)
    await session.flush()
    return split


@dataclass(frozen=True)
class MemberShu:
    year: int
    estimate: bool
    surplus: int
    split: dict[str, int]
    pool_jasa_anggota: int
    pool_jasa_modal: int
    my_purchases: int
    total_member_purchases: int
    my_capital: int
    total_capital: int
    months: int
    # (jasa anggota, jasa modal) fixed when the year was closed; None while it is open.
    fixed: tuple[int, int] | None = None
    paid_at: datetime.datetime | None = None
    paid_to: str | None = None

    @property
    def closed(self) -> bool:
        return self.fixed is not None

    @property
    def jasa_anggota(self) -> int:
        if self.fixed is not None:
            return self.fixed[0]
        return share(self.pool_jasa_anggota, self.my_purchases, self.total_member_purchases)

    @property
    def jasa_modal(self) -> int:
        if self.fixed is not None:
            return self.fixed[1]
        return share(self.pool_jasa_modal, self.my_capital, self.total_capital)

    @property
    def total(self) -> int:
        return self.jasa_anggota + self.jasa_modal

    def pools(self) -> list[tuple[str, int, int]]:
        """Every part of the split: label, basis points, rupiah."""
        return [(SPLIT_LABELS[n], p, pool(self.surplus, p)) for n, p in self.split.items()]


def pool(surplus: int, points: int) -> int:
    """A part of the surplus, rounded down to the rupiah; a deficit gives nothing to share."""
    return max(surplus, 0) * points // 10000


def share(whole: int, mine: int, total: int) -> int:
    return whole * mine // total if total > 0 else 0


async def _members(session: AsyncSession, cooperative_id: int) -> set[int]:
    rows = await session.scalars(
        select(Membership.user_id).where(
            Membership.cooperative_id == cooperative_id, Membership.status == MembershipStatus.APPROVED
        )
    )
    return set(rows.all())


async def _purchases(
    session: AsyncSession, cooperative_id: int, start: datetime.date, end: datetime.date
) -> dict[int, int]:
    """Net sales to each buyer in the period, as the ledger tagged them when orders completed."""
    rows = await session.execute(
        select(JournalLine.member_user_id, JournalLine.credit - JournalLine.debit)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(
            JournalLine.cooperative_id == cooperative_id,
            JournalLine.account_code == chart.PENJUALAN,
            JournalLine.member_user_id.is_not(None),
            JournalEntry.entry_date.between(start, end),
        )
    )
    totals: dict[int, int] = defaultdict(int)
    for user_id, amount in rows.tuples():
        if user_id is not None:
            totals[user_id] += int(amount)
    return totals


def month_ends(year: int, months: int) -> list[datetime.date]:
    ends = []
    for month in range(1, months + 1):
        first_next = datetime.date(year + (month == 12), month % 12 + 1, 1)
        ends.append(first_next - datetime.timedelta(days=1))
    return ends


async def _capital(session: AsyncSession, cooperative_id: int, ends: list[datetime.date]) -> dict[int, int]:
    """Each member's average pokok + wajib over the month-ends, rounded down to the rupiah."""
    rows = await session.execute(
        select(JournalLine.member_user_id, JournalEntry.entry_date, JournalLine.credit - JournalLine.debit)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(
            JournalLine.cooperative_id == cooperative_id,
            JournalLine.account_code.in_((chart.SIMPANAN_POKOK, chart.SIMPANAN_WAJIB)),
            JournalLine.member_user_id.is_not(None),
            JournalEntry.entry_date <= ends[-1],
        )
    )
    sums: dict[int, int] = defaultdict(int)
    for user_id, day, amount in rows.tuples():
        for end in ends:
            if user_id is not None and day <= end:
                sums[user_id] += int(amount)
    return {user_id: total // len(ends) for user_id, total in sums.items()}


@dataclass(frozen=True)
class YearFigures:
    """Everything a year's SHU is computed from: surplus, split, and every member's purchases and capital."""

    year: int
    estimate: bool
    months: int
    surplus: int
    split: dict[str, int]
    purchases: dict[int, int]
    capital: dict[int, int]

    @property
    def total_purchases(self) -> int:
        return sum(v for v in self.purchases.values() if v > 0)

    @property
    def total_capital(self) -> int:
        return sum(v for v in self.capital.values() if v > 0)

    def of(self, user_id: int, fixed: tuple[int, int] | None = None) -> MemberShu:
        return MemberShu(
            year=self.year,
            estimate=self.estimate,
            surplus=self.surplus,
            split=self.split,
            pool_jasa_anggota=pool(self.surplus, self.split["jasa_anggota"]),
            pool_jasa_modal=pool(self.surplus, self.split["jasa_modal"]),
            my_purchases=max(self.purchases.get(user_id, 0), 0),
            total_member_purchases=self.total_purchases,
            my_capital=max(self.capital.get(user_id, 0), 0),
            total_capital=self.total_capital,
            months=self.months,
            fixed=fixed,
        )


def check_year(cooperative: Cooperative, year: int | None) -> int:
    today = local_today(cooperative)
    year = today.year if year is None else year
    if not 2000 <= year <= today.year:
        raise InvalidInput(_("Tahun tidak sah."), field_errors={"year": _("Tahun 2000–%(year)s.", year=today.year)})
    return year


async def year_figures(session: AsyncSession, cooperative: Cooperative, year: int | None) -> YearFigures:
    year = check_year(cooperative, year)
    today = local_today(cooperative)
    estimate = year == today.year
    months = today.month if estimate else 12
    members = await _members(session, cooperative.id)
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    purchases = await _purchases(session, cooperative.id, start, end)
    capital = await _capital(session, cooperative.id, month_ends(year, months))
    return YearFigures(
        year=year,
        estimate=estimate,
        months=months,
        surplus=(await income(session, cooperative, year, None)).surplus,
        split=await split_of(session, cooperative.id),
        purchases={u: v for u, v in purchases.items() if u in members},
        capital={u: v for u, v in capital.items() if u in members},
    )


async def member_shu(session: AsyncSession, cooperative: Cooperative, user_id: int, year: int | None) -> MemberShu:
    """The member's SHU with its working; for a closed year the amounts fixed at closing (finance.yearclose)."""
    figures = await year_figures(session, cooperative, year)
    share = await session.scalar(
        select(ShuShare).where(
            ShuShare.cooperative_id == cooperative.id,
            ShuShare.year == figures.year,
            ShuShare.member_user_id == user_id,
        )
    )
    closed = await session.scalar(
        select(YearClose.id).where(YearClose.cooperative_id == cooperative.id, YearClose.year == figures.year)
    )
    fixed = (share.jasa_anggota, share.jasa_modal) if share else (0, 0) if closed else None
    result = figures.of(user_id, fixed)
    return replace(result, paid_at=share.paid_at, paid_to=share.paid_to) if share else result
