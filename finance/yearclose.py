"""Closing a year after the RAT: the SHU allocation posted once by the AD/ART split, each member's share fixed,
and paying a share out in cash or into simpanan sukarela (each share once)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.clock import local_today
from app.db import flush_or_raise
from app.errors import Conflict, InvalidInput, NotFound
from app.i18n import N_, _
from app.models import Cooperative, User
from app.text import rupiah
from finance import chart, shu
from finance.events import SHU_METHOD
from finance.models import JournalEntry, ShuShare, YearClose
from finance.posting import CLOSING_SOURCE, Draft, write
from finance.savings import lock_member, new_transaction

# Where each part of the split goes when a year is closed; the member pools go to what is owed to members.
PART_ACCOUNTS = {
    "cadangan": chart.CADANGAN,
    "jasa_anggota": chart.SHU_BELUM_DIBAYAR,
    "jasa_modal": chart.SHU_BELUM_DIBAYAR,
    "pengurus": chart.DANA_PENGURUS,
    "karyawan": chart.DANA_KARYAWAN,
    "pendidikan": chart.DANA_PENDIDIKAN,
    "sosial": chart.DANA_SOSIAL,
}
PAY_TO = {"kas": N_("Tunai dari kas"), "sukarela": N_("Ke simpanan sukarela")}
RULE = N_(
    "Setelah tahun ditutup, bukunya tidak berubah lagi: catatan baru yang bertanggal di tahun itu "
    "(atau sebelumnya) dibukukan pada 1 Januari tahun berikutnya."
)


def parts_of(close: YearClose) -> dict[str, int]:
    """The rupiah posted to each part of the split, as stored at closing."""
    pairs = (item.split("=") for item in close.allocation.split(";") if item)
    return {name: int(amount) for name, amount in pairs}


@dataclass(frozen=True)
class Closing:
    close: YearClose
    shares: list[ShuShare]


def allocate(figures: shu.YearFigures) -> tuple[dict[str, int], dict[int, tuple[int, int]]]:
    """Rupiah per part and per member. Members' shares are rounded down; the rupiah left over by rounding
    (of the pools and of the shares) go to the cadangan, so the whole SHU is allocated."""
    members: dict[int, tuple[int, int]] = {}
    if figures.surplus > 0:
        for user_id in sorted(set(figures.purchases) | set(figures.capital)):
            mine = figures.of(user_id)
            if mine.total > 0:
                members[user_id] = (mine.jasa_anggota, mine.jasa_modal)
    parts = {name: shu.pool(figures.surplus, points) for name, points in figures.split.items()}
    parts["jasa_anggota"] = sum(a for a, _ in members.values())
    parts["jasa_modal"] = sum(m for _, m in members.values())
    parts["cadangan"] = 0
    parts["cadangan"] = max(figures.surplus, 0) - sum(parts.values())
    return parts, members


async def closable_years(session: AsyncSession, cooperative: Cooperative) -> list[int]:
    """Past years with books that are not locked yet: after the last closed year, from the first entry on."""
    first = await session.scalar(
        select(func.min(JournalEntry.entry_date)).where(JournalEntry.cooperative_id == cooperative.id)
    )
    last = await last_closed(session, cooperative.id)
    this_year = local_today(cooperative).year
    start = max(first.year if first else this_year - 1, last.year + 1 if last else 2000)
    return list(range(this_year - 1, start - 1, -1))


async def last_closed(session: AsyncSession, cooperative_id: int) -> YearClose | None:
    return await session.scalar(
        select(YearClose).where(YearClose.cooperative_id == cooperative_id).order_by(YearClose.year.desc()).limit(1)
    )


async def closed_years(session: AsyncSession, cooperative_id: int) -> Sequence[YearClose]:
    query = select(YearClose).where(YearClose.cooperative_id == cooperative_id).order_by(YearClose.year.desc())
    return (await session.scalars(query)).all()


async def closing_of(session: AsyncSession, cooperative_id: int, year: int) -> YearClose | None:
    return await session.scalar(
        select(YearClose).where(YearClose.cooperative_id == cooperative_id, YearClose.year == year)
    )


async def _refuse_unclosable(session: AsyncSession, cooperative: Cooperative, year: int) -> None:
    if year >= local_today(cooperative).year:
        message = _("Tahun %(year)s masih berjalan; tutup buku dilakukan setelah tahunnya selesai dan RAT.", year=year)
        raise InvalidInput(message, field_errors={"year": message})
    done = await closing_of(session, cooperative.id, year)
    if done is not None:
        raise Conflict(
            _(
                "Tahun %(year)s sudah ditutup oleh %(who)s; SHU-nya tidak dapat dibagi dua kali.",
                year=year,
                who=done.closed_label,
            )
        )
    last = await last_closed(session, cooperative.id)
    if last is not None and year < last.year:
        raise Conflict(
            _(
                "Buku sampai akhir %(last)s sudah terkunci; tahun %(year)s tidak dapat ditutup lagi.",
                last=last.year,
                year=year,
            )
        )


async def close_year(
    session: AsyncSession, cooperative: Cooperative, year: int, closer_id: int, closer_label: str
) -> Closing:
    """Post the allocation of `year`'s SHU and fix every member's share, all in the request's transaction.

    The unique (cooperative, year) row is written first, in a savepoint: of two simultaneous closings one
    writes it and the other is refused before anything is posted."""
    year = shu.check_year(cooperative, year)
    await _refuse_unclosable(session, cooperative, year)
    figures = await shu.year_figures(session, cooperative, year)
    parts, members = allocate(figures)
    close = YearClose(
        cooperative_id=cooperative.id,
        year=year,
        surplus=figures.surplus,
        allocation=";".join(f"{name}={amount}" for name, amount in parts.items()),
        closed_by=closer_id,
        closed_label=closer_label,
    )
    await flush_or_raise(session, Conflict(_("Tahun %(year)s baru saja ditutup oleh pengurus lain.", year=year)), close)
    shares = [
        ShuShare(
            cooperative_id=cooperative.id,
            year=year,
            member_user_id=user_id,
            jasa_anggota=anggota,
            jasa_modal=modal,
            total=anggota + modal,
        )
        for user_id, (anggota, modal) in members.items()
    ]
    session.add_all(shares)
    draft = Draft(cooperative.id, datetime.date(year, 12, 31), f"Pembagian SHU {year} (RAT)", CLOSING_SOURCE, close.id)
    draft.debit(chart.SHU_TAHUN_BERJALAN, max(figures.surplus, 0))
    for name, amount in parts.items():
        if name not in {"jasa_anggota", "jasa_modal"}:
            draft.credit(PART_ACCOUNTS[name], amount)
    for user_id, (anggota, modal) in members.items():
        draft.credit(chart.SHU_BELUM_DIBAYAR, anggota + modal, member_user_id=user_id)

    def post(sync: Session) -> int | None:
        return write(sync.connection(), draft)

    close.entry_id = await session.run_sync(post)
    await session.flush()
    return Closing(close, shares)


@dataclass(frozen=True)
class ShareRow:
    share: ShuShare
    name: str
    phone: str


async def shares_of(
    session: AsyncSession, cooperative_id: int, year: int, member_id: int | None = None
) -> list[ShareRow]:
    query = (
        select(ShuShare, User.name, User.phone)
        .join(User, User.id == ShuShare.member_user_id)
        .where(ShuShare.cooperative_id == cooperative_id, ShuShare.year == year)
        .order_by(ShuShare.total.desc(), User.name)
    )
    if member_id is not None:
        query = query.where(ShuShare.member_user_id == member_id)
    return [ShareRow(s, name, phone) for s, name, phone in (await session.execute(query)).tuples()]


async def pay_share(
    session: AsyncSession, cooperative: Cooperative, share_id: int, to: str, payer_id: int, payer_label: str
) -> tuple[ShuShare, User]:
    """Pay one member's share, once: in cash from the till, or as a sukarela deposit with its own receipt.

    A conditional update claims the share: of two simultaneous payouts one pays and the other is refused."""
    if to not in PAY_TO:
        raise InvalidInput(
            _("Pilih dibayar tunai atau ke simpanan sukarela."), field_errors={"to": _("kas atau sukarela")}
        )
    share = await session.scalar(
        select(ShuShare).where(ShuShare.id == share_id, ShuShare.cooperative_id == cooperative.id)
    )
    if share is None:
        raise NotFound(_("Bagian SHU itu tidak ada di koperasi ini."))
    member = await session.get_one(User, share.member_user_id)
    if share.paid_at is not None:
        raise Conflict(
            _(
                "SHU %(year)s %(name)s sudah dibayar (%(how)s).",
                year=share.year,
                name=member.name,
                how=_(PAY_TO[share.paid_to or "kas"]).lower(),
            )
        )
    claimed = await session.execute(
        update(ShuShare)
        .where(ShuShare.id == share.id, ShuShare.paid_at.is_(None))
        .values(paid_at=datetime.datetime.now(datetime.UTC), paid_to=to, paid_label=payer_label)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_("SHU %(year)s %(name)s baru saja dibayar oleh orang lain.", year=share.year, name=member.name))
    today = local_today(cooperative)
    if to == "sukarela":
        await lock_member(session, cooperative.id, member.id)
        t = new_transaction(cooperative, member.id, "sukarela", "deposit", share.total, SHU_METHOD, today, payer_label)
        t.note, t.recorded_by = f"SHU tahun {share.year}", payer_id  # i18n: not shown
        session.add(t)
        await session.flush()
        await session.execute(update(ShuShare).where(ShuShare.id == share.id).values(transaction_id=t.id))
    else:
        draft = Draft(cooperative.id, today, f"Pembayaran SHU {share.year} {member.name}", "shu_payout", share.id)
        draft.debit(chart.SHU_BELUM_DIBAYAR, share.total, member_user_id=member.id).credit(chart.KAS, share.total)

        def post(sync: Session) -> int | None:
            return write(sync.connection(), draft)

        await session.run_sync(post)
    await session.refresh(share)
    return share, member


def paid_note(share: ShuShare) -> str:
    if share.paid_at is None:
        return _(
            "belum dibayar (%(amount)s masih tercatat sebagai utang koperasi kepada Anda)", amount=rupiah(share.total)
        )
    return _(
        "sudah dibayar %(how)s pada %(day)s",
        how=_(PAY_TO[share.paid_to or "kas"]).lower(),
        day=f"{share.paid_at:%d/%m/%Y}",
    )
