"""Sukarela withdrawals that wait for a second board member: the pending list, approving (only then does the
money leave and the entry post) and turning a request down."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import local_today
from app.errors import Conflict, Forbidden, NotFound
from app.i18n import _
from app.models import Cooperative, User
from finance.models import SavingsTransaction, WithdrawalRequest
from finance.savings import balances, lock_member, new_transaction, refuse_overdraw

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"


@dataclass(frozen=True)
class Pending:
    request: WithdrawalRequest
    member_name: str
    member_phone: str


async def pending(session: AsyncSession, cooperative_id: int) -> Sequence[Pending]:
    rows = await session.execute(
        select(WithdrawalRequest, User.name, User.phone)
        .join(User, User.id == WithdrawalRequest.member_user_id)
        .where(WithdrawalRequest.cooperative_id == cooperative_id, WithdrawalRequest.status == PENDING)
        .order_by(WithdrawalRequest.id)
    )
    return [Pending(r, name, phone) for r, name, phone in rows.tuples()]


async def _request(session: AsyncSession, cooperative: Cooperative, request_id: int) -> WithdrawalRequest:
    found = await session.scalar(
        select(WithdrawalRequest).where(
            WithdrawalRequest.id == request_id, WithdrawalRequest.cooperative_id == cooperative.id
        )
    )
    if found is None:
        raise NotFound(_("Permintaan penarikan tidak ditemukan di koperasi ini."))
    return found


async def _claim(session: AsyncSession, request: WithdrawalRequest, status: str, decider_id: int) -> None:
    """Move a pending request to `status`; a request someone else decided a moment ago is refused.

    A conditional update: of two simultaneous decisions, one changes the row and the other finds none."""
    claimed = await session.execute(
        update(WithdrawalRequest)
        .where(WithdrawalRequest.id == request.id, WithdrawalRequest.status == PENDING)
        .values(status=status, decided_by=decider_id, decided_at=datetime.datetime.now(datetime.UTC))
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_("Permintaan penarikan ini sudah diputuskan."))
    await session.refresh(request)


async def approve(
    session: AsyncSession, cooperative: Cooperative, request_id: int, approver_id: int, approver_label: str
) -> tuple[SavingsTransaction, User, int]:
    """The second person's yes: the withdrawal is recorded (and posted) now; returns it, the member and the
    sukarela balance left."""
    request = await _request(session, cooperative, request_id)
    if request.requested_by == approver_id:
        raise Forbidden(_("Penarikan harus disetujui pengurus atau bendahara lain, bukan yang mencatatnya."))
    await lock_member(session, cooperative.id, request.member_user_id)
    await _claim(session, request, APPROVED, approver_id)
    balance = (await balances(session, cooperative.id, request.member_user_id)).sukarela
    if request.amount > balance:
        raise refuse_overdraw("sukarela", balance, 0)
    t = new_transaction(
        cooperative,
        request.member_user_id,
        "sukarela",
        "withdrawal",
        request.amount,
        request.method,
        local_today(cooperative),
        request.requested_label,
    )
    t.recorded_by, t.note, t.approved_label = request.requested_by, request.note, approver_label
    session.add(t)
    await session.flush()
    request.transaction_id = t.id
    await session.flush()
    member = await session.get_one(User, request.member_user_id)
    return t, member, balance - request.amount


async def reject(session: AsyncSession, cooperative: Cooperative, request_id: int, decider_id: int) -> User:
    """Turned down (or withdrawn by whoever recorded it): no money moves."""
    request = await _request(session, cooperative, request_id)
    await _claim(session, request, REJECTED, decider_id)
    return await session.get_one(User, request.member_user_id)
