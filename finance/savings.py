"""Members' savings (simpanan pokok, wajib, sukarela): recording deposits and withdrawals, and reading balances
from the ledger, so what a member sees is what the books hold."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import local_today
from app.errors import Conflict, InvalidInput, NotFound
from app.forms import parse_date, parse_phone, parse_rupiah, parse_text, raise_errors
from app.i18n import N_, _
from app.models import Cooperative, Membership, MembershipStatus, User
from app.text import rupiah
from finance import chart
from finance.models import JournalEntry, JournalLine, SavingsTransaction, WithdrawalRequest
from finance.schemas import SavingsForm

KINDS = tuple(chart.SAVINGS_ACCOUNTS)
DIRECTIONS = {"deposit": N_("Setoran"), "withdrawal": N_("Penarikan")}
METHODS = {"cash": N_("Tunai"), "transfer": N_("Transfer bank"), "qris": "QRIS"}
# What receipts and histories call each method, including the SHU payout no form can choose.
METHOD_LABELS = {**METHODS, "shu": N_("Pembayaran SHU")}
MAX_NOTE = 300


@dataclass(frozen=True)
class Balances:
    pokok: int = 0
    wajib: int = 0
    sukarela: int = 0

    @property
    def capital(self) -> int:
        """Pokok and wajib are the member's capital in the cooperative; sukarela is a deposit."""
        return self.pokok + self.wajib

    def of(self, kind: str) -> int:
        return int(getattr(self, kind))


async def balances(session: AsyncSession, cooperative_id: int, user_id: int) -> Balances:
    rows = await session.execute(
        select(JournalLine.account_code, func.sum(JournalLine.credit - JournalLine.debit))
        .where(
            JournalLine.cooperative_id == cooperative_id,
            JournalLine.member_user_id == user_id,
            JournalLine.account_code.in_(chart.SAVINGS_ACCOUNTS.values()),
        )
        .group_by(JournalLine.account_code)
    )
    by_code = {code: int(total or 0) for code, total in rows.tuples()}
    return Balances(**{kind: by_code.get(code, 0) for kind, code in chart.SAVINGS_ACCOUNTS.items()})


async def history(session: AsyncSession, cooperative_id: int, user_id: int) -> Sequence[SavingsTransaction]:
    query = (
        select(SavingsTransaction)
        .where(SavingsTransaction.cooperative_id == cooperative_id, SavingsTransaction.member_user_id == user_id)
        .order_by(SavingsTransaction.occurred_on.desc(), SavingsTransaction.id.desc())
    )
    return (await session.scalars(query)).all()


async def _member(session: AsyncSession, cooperative: Cooperative, phone: str) -> User:
    user = await session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            User.phone == phone,
            Membership.cooperative_id == cooperative.id,
            Membership.status == MembershipStatus.APPROVED,
        )
    )
    if user is None:
        message = _("Nomor HP itu bukan anggota koperasi ini.")
        raise InvalidInput(message, field_errors={"member_phone": message})
    return user


async def lock_member(session: AsyncSession, cooperative_id: int, user_id: int) -> None:
    """Hold the member's membership row until the transaction ends, so two withdrawals for the same member
    read and change the balance one after the other (PostgreSQL; SQLite writers already queue: app.db)."""
    await session.execute(
        select(Membership.id)
        .where(Membership.cooperative_id == cooperative_id, Membership.user_id == user_id)
        .with_for_update()
    )


async def pending_total(session: AsyncSession, cooperative_id: int, user_id: int) -> int:
    """Sukarela withdrawals recorded but not yet approved: money promised that the balance must still cover."""
    total = await session.scalar(
        select(func.sum(WithdrawalRequest.amount)).where(
            WithdrawalRequest.cooperative_id == cooperative_id,
            WithdrawalRequest.member_user_id == user_id,
            WithdrawalRequest.status == "pending",
        )
    )
    return int(total or 0)


def refuse_overdraw(kind: str, balance: int, held: int) -> Conflict:
    waiting = _(", %(held)s di antaranya menunggu persetujuan penarikan", held=rupiah(held)) if held else ""
    message = _(
        "Saldo %(kind)s anggota ini hanya %(balance)s%(waiting)s.",
        kind=_(chart.SAVINGS_LABELS[kind]).lower(),
        balance=rupiah(balance),
        waiting=waiting,
    )
    return Conflict(message, field_errors={"amount": message})


def _choice(value: str, allowed: Sequence[str], field: str, message: str, errors: dict[str, str]) -> str:
    if value not in allowed:
        errors[field] = message
    return value


async def record(
    session: AsyncSession, cooperative: Cooperative, form: SavingsForm, recorder_id: int, recorder_label: str
) -> tuple[SavingsTransaction | WithdrawalRequest, User, int]:
    """A deposit or withdrawal, its journal entry posted in the same flush; returns the new balance too.

    A sukarela withdrawal only becomes a pending request: the money leaves when another board member
    approves it (finance.withdrawals)."""
    errors: dict[str, str] = {}
    phone = parse_phone(form.member_phone, "member_phone", errors, label=_("Nomor HP anggota"))
    kind = _choice(form.kind, KINDS, "kind", _("Pilih simpanan pokok, wajib atau sukarela."), errors)
    direction = _choice(form.direction, tuple(DIRECTIONS), "direction", _("Pilih setoran atau penarikan."), errors)
    method = _choice(form.method or "cash", tuple(METHODS), "method", _("Pilih tunai, transfer atau QRIS."), errors)
    amount = parse_rupiah(form.amount, "amount", _("Jumlah"), errors)
    day = parse_date(form.date, "date", _("Tanggal"), errors) or local_today(cooperative)
    note = parse_text(form.note, "note", _("Catatan"), errors, required=False, max_length=MAX_NOTE)
    if day > local_today(cooperative):
        errors["date"] = _("Tanggal simpanan tidak boleh di masa depan.")
    raise_errors(errors)
    assert phone is not None and amount is not None
    member = await _member(session, cooperative, phone)
    await lock_member(session, cooperative.id, member.id)
    current = (await balances(session, cooperative.id, member.id)).of(kind)
    if direction == "withdrawal":
        held = await pending_total(session, cooperative.id, member.id) if kind == "sukarela" else 0
        if amount > current - held:
            raise refuse_overdraw(kind, current, held)
        if kind == "sukarela":
            request = WithdrawalRequest(
                cooperative_id=cooperative.id,
                member_user_id=member.id,
                amount=amount,
                method=method,
                note=note,
                status="pending",
                requested_by=recorder_id,
                requested_label=recorder_label,
            )
            session.add(request)
            await session.flush()
            return request, member, current
    transaction = new_transaction(cooperative, member.id, kind, direction, amount, method, day, recorder_label)
    transaction.note, transaction.recorded_by = note, recorder_id
    session.add(transaction)
    await session.flush()
    return transaction, member, current + (amount if direction == "deposit" else -amount)


def new_transaction(
    cooperative: Cooperative,
    member_id: int,
    kind: str,
    direction: str,
    amount: int,
    method: str,
    day: datetime.date,
    recorder_label: str,
) -> SavingsTransaction:
    return SavingsTransaction(
        cooperative_id=cooperative.id,
        member_user_id=member_id,
        kind=kind,
        direction=direction,
        amount=amount,
        method=method,
        occurred_on=day,
        receipt_number=f"{cooperative.order_prefix}-S{day:%y%m%d}-{secrets.token_hex(3).upper()}",
        recorded_label=recorder_label,
    )


async def recent(
    session: AsyncSession, cooperative_id: int, limit: int = 30
) -> Sequence[tuple[SavingsTransaction, str]]:
    rows = await session.execute(
        select(SavingsTransaction, User.name)
        .join(User, User.id == SavingsTransaction.member_user_id)
        .where(SavingsTransaction.cooperative_id == cooperative_id)
        .order_by(SavingsTransaction.id.desc())
        .limit(limit)
    )
    return rows.tuples().all()


@dataclass(frozen=True)
class Receipt:
    """What a savings receipt shows: the transaction, whose it is, where, and the journal entry that holds it."""

    transaction: SavingsTransaction
    cooperative: Cooperative
    member_name: str
    member_phone: str
    entry_id: int | None


async def receipt(
    session: AsyncSession, transaction_id: int, viewer_id: int, viewer_roles: dict[int, str], readers: frozenset[str]
) -> Receipt:
    """The member's own receipt, or any receipt of a cooperative where the viewer reads the books (`readers`).

    Anyone else gets the same answer as a receipt that does not exist, so ids reveal nothing."""
    t = await session.get(SavingsTransaction, transaction_id)
    if t is None or not (t.member_user_id == viewer_id or viewer_roles.get(t.cooperative_id) in readers):
        raise NotFound(_("Kuitansi tidak ditemukan."))
    cooperative = await session.get_one(Cooperative, t.cooperative_id)
    member = await session.get_one(User, t.member_user_id)
    entry_id = await session.scalar(
        select(JournalEntry.id).where(
            JournalEntry.cooperative_id == t.cooperative_id,
            JournalEntry.source_type == "savings",
            JournalEntry.source_id == t.id,
        )
    )
    return Receipt(t, cooperative, member.name, member.phone, entry_id)
