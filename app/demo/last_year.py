"""Demo: the previous year of each demo cooperative, closed after its RAT with the SHU allocated and paid.

The story: the cooperative kept its shop on a paper cash book last year and entered each month's totals
(sales, with what each member bought, and what went to producers) as a summary entry when it started the
app; members' savings and the monthly costs were recorded one by one. Three members joined that year."""

from __future__ import annotations

import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.clock import MONTHS, local_midnight, local_today
from app.models import Cooperative, Membership, MembershipStatus, Role, User
from app.text import normalise_phone
from finance import chart, savings, yearclose
from finance.models import Expense, SavingsTransaction
from finance.posting import Draft, write_many

# Name, weight of their purchases, month they joined. Invented people, like the rest of the demo.
MEMBERS = (("Ibu Rahmah", 1, 1), ("Pak Udin", 2, 1), ("Ibu Siti", 3, 4))
POKOK = 100_000
WAJIB_QUARTER = 30_000
QUARTER_MONTHS = (3, 6, 9, 12)
MARGIN_PERCENT = 22
COSTS = (("listrik", 110_000, "cash"), ("transportasi", 75_000, "cash"), ("perlengkapan", 40_000, "cash"))
PAYOUTS = ("sukarela", "kas")


def member_phone(index: int, n: int) -> str:
    return f"0812-0000-80{index}{n}"


async def load_last_year(
    session: AsyncSession, cooperative: Cooperative, index: int, pengurus: User, now: datetime.datetime
) -> None:
    """The caller commits. `index`: the cooperative's place among the demo ones (varies the figures)."""
    today = local_today(cooperative, now)
    year = today.year - 1
    members = await _members(session, cooperative, index, pengurus, year)
    # Added together and flushed once: the ledger posts them in one go (a second or two less per load).
    rows: list[object] = []
    drafts = []
    for month in range(1, 13):
        rows += _savings(cooperative, pengurus, datetime.date(year, month, 5), members)
        rows += [
            Expense(
                cooperative_id=cooperative.id,
                occurred_on=datetime.date(year, month, 10),
                category=category,
                amount=amount,
                paid_from=paid_from,
                recorded_by=pengurus.id,
            )
            for category, amount, paid_from in COSTS
        ]
        drafts.append(_month_summary(cooperative, index, year, month, members))
    for month in QUARTER_MONTHS:
        day = datetime.date(today.year, month, 5)
        if day < today:
            rows += [_deposit(cooperative, pengurus, user, "wajib", WAJIB_QUARTER, day) for user, _, _ in members]
    session.add_all(rows)
    await session.flush()

    def post(sync: Session) -> None:
        write_many(sync.connection(), drafts)

    await session.run_sync(post)
    closing = await yearclose.close_year(session, cooperative, year, pengurus.id, pengurus.name)
    for n, share in enumerate(sorted(closing.shares, key=lambda s: s.member_user_id)):
        await yearclose.pay_share(session, cooperative, share.id, PAYOUTS[n % 2], pengurus.id, pengurus.name)


async def _members(
    session: AsyncSession, cooperative: Cooperative, index: int, pengurus: User, year: int
) -> list[tuple[User, int, int]]:
    made = []
    for n, (name, weight, joined) in enumerate(MEMBERS, start=1):
        user = User(phone=normalise_phone(member_phone(index, n)), name=name, password_hash=pengurus.password_hash)
        session.add(user)
        await session.flush()
        session.add(
            Membership(
                user_id=user.id,
                cooperative_id=cooperative.id,
                role=Role.MEMBER,
                status=MembershipStatus.APPROVED,
                created_at=local_midnight(cooperative, datetime.date(year, joined, 1)),
            )
        )
        made.append((user, weight, joined))
    await session.flush()
    return made


def _deposit(
    cooperative: Cooperative, pengurus: User, user: User, kind: str, amount: int, day: datetime.date
) -> SavingsTransaction:
    t = savings.new_transaction(cooperative, user.id, kind, "deposit", amount, "cash", day, pengurus.name)
    t.recorded_by = pengurus.id
    return t


def _savings(
    cooperative: Cooperative, pengurus: User, day: datetime.date, members: list[tuple[User, int, int]]
) -> list[SavingsTransaction]:
    """Pokok in the month a member joins, wajib each quarter (three months at a time)."""
    rows = []
    for user, _, joined in members:
        if day.month == joined:
            rows.append(_deposit(cooperative, pengurus, user, "pokok", POKOK, day))
        if day.month in QUARTER_MONTHS and day.month >= joined:
            rows.append(_deposit(cooperative, pengurus, user, "wajib", WAJIB_QUARTER, day))
    return rows


def _month_summary(
    cooperative: Cooperative, index: int, year: int, month: int, members: list[tuple[User, int, int]]
) -> Draft:
    """One month of the paper cash book: sales (each member's purchases tagged, the rest from other buyers),
    paid in cash; the producers' share paid out in cash the same month."""
    first = datetime.date(year, month, 1)
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    memo = f"Ringkasan penjualan {MONTHS[month - 1]} {year} dari buku kas (sebelum memakai aplikasi)"
    draft = Draft(cooperative.id, last, memo, "opening", None)
    others = 5_000_000 + 200_000 * month + 500_000 * index
    bought = {user.id: weight * 150_000 * (1 + month % 3) for user, weight, joined in members if month >= joined}
    sales = others + sum(bought.values())
    draft.debit(chart.KAS, sales)
    for user_id, amount in bought.items():
        draft.credit(chart.PENJUALAN, amount, member_user_id=user_id)
    draft.credit(chart.PENJUALAN, others)
    cost = sales * (100 - MARGIN_PERCENT) // 100
    return draft.debit(chart.HPP, cost).credit(chart.KAS, cost)
