"""The simpanan wajib schedule: the monthly amount a cooperative asks, and each member's arrears against it.

A member owes the amount for every calendar month from the month they joined (or the month the schedule
starts, if later) up to and including the current month; what they paid into wajib since the start of
that first month counts against it. A member who paid ahead owes nothing (never a negative arrears).
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import MONTHS, local_date, local_today
from app.forms import parse_date, parse_rupiah, raise_errors
from app.i18n import _
from app.models import Cooperative, Membership, MembershipStatus, User
from app.text import display_phone, rupiah, whatsapp_link
from finance import chart
from finance.models import JournalEntry, JournalLine, SavingsSchedule

DEFAULT_WAJIB = 10_000
MAX_WAJIB = 10_000_000
_MONTH = re.compile(r"^\d{4}-\d{2}$")


@dataclass(frozen=True)
class Schedule:
    wajib_amount: int
    starts_on: datetime.date | None
    is_default: bool = False


@dataclass(frozen=True)
class Arrears:
    """What one member owes in wajib today, with the figures a person can check by hand."""

    since: datetime.date
    months: int
    monthly: int
    paid: int

    @property
    def due(self) -> int:
        return self.months * self.monthly

    @property
    def owed(self) -> int:
        return max(self.due - self.paid, 0)

    @property
    def since_label(self) -> str:
        return f"{MONTHS[self.since.month - 1]} {self.since.year}"


@dataclass(frozen=True)
class MemberArrears:
    user_id: int
    name: str
    phone: str
    arrears: Arrears

    @property
    def phone_label(self) -> str:
        return display_phone(self.phone)


async def schedule_of(session: AsyncSession, cooperative_id: int) -> Schedule:
    row = await session.scalar(select(SavingsSchedule).where(SavingsSchedule.cooperative_id == cooperative_id))
    if row is None:
        return Schedule(DEFAULT_WAJIB, None, is_default=True)
    return Schedule(int(row.wajib_amount), row.starts_on)


async def save_schedule(session: AsyncSession, cooperative: Cooperative, amount: object, starts_on: object) -> Schedule:
    """The pengurus sets the monthly wajib (whole rupiah) and, optionally, the first month it is owed."""
    errors: dict[str, str] = {}
    value = parse_rupiah(amount, "wajib_amount", _("Simpanan wajib per bulan"), errors, high=MAX_WAJIB)
    # A month input sends `2026-01`; the schedule starts on its first day.
    if isinstance(starts_on, str) and _MONTH.match(starts_on.strip()):
        starts_on = f"{starts_on.strip()}-01"
    start = parse_date(starts_on, "starts_on", _("Mulai berlaku"), errors)
    if start is not None and start > local_today(cooperative):
        errors["starts_on"] = _("Jadwal tidak boleh mulai di masa depan.")
    raise_errors(errors)
    assert value is not None
    first = start.replace(day=1) if start else None
    row = await session.scalar(select(SavingsSchedule).where(SavingsSchedule.cooperative_id == cooperative.id))
    if row is None:
        session.add(SavingsSchedule(cooperative_id=cooperative.id, wajib_amount=value, starts_on=first))
    else:
        row.wajib_amount, row.starts_on = value, first
    await session.flush()
    return Schedule(value, first)


def months_due(since: datetime.date, today: datetime.date) -> int:
    """Calendar months from `since`'s month through `today`'s, both counted; none before it starts."""
    count = (today.year - since.year) * 12 + today.month - since.month + 1
    return max(count, 0)


def arrears(
    schedule: Schedule, joined: datetime.date, paid_by_month: dict[datetime.date, int], today: datetime.date
) -> Arrears:
    """`paid_by_month`: wajib paid (net of withdrawals) keyed by the first day of each month."""
    since = joined.replace(day=1)
    if schedule.starts_on is not None and schedule.starts_on > since:
        since = schedule.starts_on.replace(day=1)
    paid = sum(amount for month, amount in paid_by_month.items() if month >= since)
    return Arrears(since, months_due(since, today), schedule.wajib_amount, paid)


async def _wajib_by_month(
    session: AsyncSession, cooperative_id: int, user_id: int | None = None
) -> dict[int, dict[datetime.date, int]]:
    query = (
        select(JournalLine.member_user_id, JournalEntry.entry_date, JournalLine.credit - JournalLine.debit)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(
            JournalLine.cooperative_id == cooperative_id,
            JournalLine.account_code == chart.SIMPANAN_WAJIB,
            JournalLine.member_user_id.is_not(None),
        )
    )
    if user_id is not None:
        query = query.where(JournalLine.member_user_id == user_id)
    paid: dict[int, dict[datetime.date, int]] = defaultdict(lambda: defaultdict(int))
    for member, day, amount in (await session.execute(query)).tuples():
        if member is not None:
            paid[member][day.replace(day=1)] += int(amount)
    return paid


async def member_arrears(
    session: AsyncSession, cooperative: Cooperative, user_id: int, today: datetime.date | None = None
) -> Arrears | None:
    """One member's arrears; None if they are not an approved member of the cooperative."""
    joined = await session.scalar(
        select(Membership.created_at).where(
            Membership.cooperative_id == cooperative.id,
            Membership.user_id == user_id,
            Membership.status == MembershipStatus.APPROVED,
        )
    )
    if joined is None:
        return None
    schedule = await schedule_of(session, cooperative.id)
    paid = (await _wajib_by_month(session, cooperative.id, user_id)).get(user_id, {})
    return arrears(schedule, local_date(cooperative, joined), paid, today or local_today(cooperative))


async def in_arrears(
    session: AsyncSession, cooperative: Cooperative, today: datetime.date | None = None
) -> Sequence[MemberArrears]:
    """Every approved member who owes wajib today, the largest debt first."""
    today = today or local_today(cooperative)
    schedule = await schedule_of(session, cooperative.id)
    paid = await _wajib_by_month(session, cooperative.id)
    rows = await session.execute(
        select(User.id, User.name, User.phone, Membership.created_at)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.cooperative_id == cooperative.id, Membership.status == MembershipStatus.APPROVED)
    )
    found = []
    for user_id, name, phone, joined in rows.tuples():
        owed = arrears(schedule, local_date(cooperative, joined), paid.get(user_id, {}), today)
        if owed.owed > 0:
            found.append(MemberArrears(user_id, name, phone, owed))
    found.sort(key=lambda m: (-m.arrears.owed, m.name))
    return found


def reminder_text(cooperative: Cooperative, member: MemberArrears) -> str:
    a = member.arrears
    return _(
        "Yth. Bapak/Ibu %(name)s, salam dari %(cooperative)s. "
        "Dengan hormat kami mengingatkan bahwa simpanan wajib sejak %(since)s "
        "(%(months)s bulan × %(monthly)s) yang belum tercatat berjumlah %(owed)s. "
        "Setoran dapat dibayar tunai di koperasi, lewat transfer atau QRIS. "
        "Bila sudah membayar, mohon abaikan pesan ini. Terima kasih.",
        name=member.name,
        cooperative=cooperative.short_name,
        since=a.since_label,
        months=a.months,
        monthly=rupiah(a.monthly),
        owed=rupiah(a.owed),
    )


def reminder_link(cooperative: Cooperative, member: MemberArrears) -> str:
    return whatsapp_link(member.phone, reminder_text(cooperative, member))
