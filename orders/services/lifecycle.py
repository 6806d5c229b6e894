"""An order's life after checkout: finding it for buyer or staff, status moves, payments and its QRIS."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import CurrentUser
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.forms import parse_text
from app.i18n import N_, _
from app.models import Cooperative
from catalog import services as catalog
from orders import qris, rollups, state
from orders.models import Order, OrderEvent, Payment
from orders.services.checkout import MAX_NOTE

MAX_REFERENCE = 120
_NOT_FOUND = N_("Pesanan tidak ditemukan. Periksa nomor pesanan.")


async def get_order(session: AsyncSession, number: str) -> Order:
    order = await session.scalar(select(Order).where(Order.number == number))
    if order is None:
        raise NotFound(_(_NOT_FOUND))
    return order


def is_buyer(order: Order, token: str | None, user: CurrentUser | None) -> bool:
    """The buyer holds the order's secret link, or placed it while signed in."""
    # Compared as bytes: a token with non-ASCII characters is simply wrong, never an error that would
    # tell an existing order number from an unknown one.
    if token and secrets.compare_digest(token.encode("utf-8", "replace"), order.token.encode()):
        return True
    return user is not None and order.user_id is not None and order.user_id == user.id


async def get_order_for_viewer(
    session: AsyncSession, number: str, token: str | None, user: CurrentUser | None
) -> Order:
    """The buyer sees an order through its secret link; staff of its cooperative always can."""
    order = await get_order(session, number[:24])
    if is_buyer(order, token, user) or (user is not None and user.is_staff_of(order.cooperative_id)):
        return order
    # Same answer as an unknown number: a wrong token reveals nothing.
    raise NotFound(_(_NOT_FOUND))


async def get_order_for_staff(session: AsyncSession, number: str, user: CurrentUser | None) -> Order:
    """An order for its own cooperative's staff; 404 for anyone else, so numbers leak nothing."""
    order = await get_order(session, number[:24])
    if user is None or not user.is_staff_of(order.cooperative_id):
        raise NotFound(_(_NOT_FOUND))
    return order


async def list_orders_for_buyer(session: AsyncSession, user: CurrentUser, *, limit: int = 100) -> Sequence[Order]:
    """The orders a resident placed while signed in, newest first."""
    result = await session.scalars(select(Order).where(Order.user_id == user.id).order_by(Order.id.desc()).limit(limit))
    return result.all()


def _actor(role: str, user: CurrentUser | None, *, by_courier: bool = False) -> str:
    # Stored in Indonesian (it is history); state.actor_label translates it when a page shows it.
    if role == "buyer":
        return "Pembeli"  # i18n: not shown
    if user and by_courier:
        return f"Kurir: {user.name}"  # i18n: not shown
    return f"Staf: {user.name}" if user else "Sistem"  # i18n: not shown


def _clean(value: str | None, field_name: str, label: str, max_length: int) -> str | None:
    errors: dict[str, str] = {}
    cleaned = parse_text(value, field_name, label, errors, required=False, max_length=max_length)
    if errors:
        raise InvalidInput.of(errors)
    return cleaned


async def transition(
    session: AsyncSession,
    order: Order,
    target: str,
    user: CurrentUser | None,
    *,
    role: str,
    note: str | None = None,
    courier_run: bool = False,
    by_courier: bool = False,
) -> Order:
    """Move an order through the state machine; one event row per move; cancel returns the stock.

    Out for delivery is only ever a courier run's move: the run passes `courier_run=True`, everyone else
    is told to pick a courier on the board (`state.CourierRunRequired`, 409).
    The move is one conditional UPDATE (`... WHERE status = <the status we checked>`): of two people
    cancelling at once, one wins and the other is told what happened, so stock is never returned twice.
    `by_courier`: a kurir (not staff) on their own run; the delivery service has checked the run is theirs.
    """
    if role in {"staff", "admin"} and (user is None or not (by_courier or user.is_staff_of(order.cooperative_id))):
        raise Forbidden(_("Hanya staf koperasi ini yang bisa mengubah status pesanan."))
    try:
        target_status = state.OrderStatus(target)
    except ValueError:
        raise InvalidInput(
            _("Status tujuan tidak dikenal."), field_errors={"to": _("Status tidak dikenal.")}
        ) from None
    clean_note = _clean(note, "note", _("Catatan"), MAX_NOTE)
    for _attempt in range(5):
        current = state.OrderStatus(order.status)
        fulfilment = state.Fulfilment(order.fulfilment)
        state.check_transition(current, target_status, role, fulfilment, courier_run=courier_run)
        moved = await session.execute(
            update(Order)
            .where(Order.id == order.id, Order.status == current)
            .values(status=target_status, updated_at=datetime.datetime.now(datetime.UTC))
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount == 1:  # type: ignore[attr-defined]
            break
        # Someone else moved it first: judge the request again against where the order is now.
        await session.refresh(order, attribute_names=["status"])
    else:
        raise Conflict(_("Status pesanan sedang diubah orang lain. Muat ulang halaman lalu coba lagi."))
    if state.restocks_on(target_status):
        for line in order.lines:
            if line.product_id is not None:
                await catalog.return_stock(
                    session,
                    line.product_id,
                    order.cooperative_id,
                    line.quantity,
                    order_id=order.id,
                    user_id=user.id if user else None,
                )
    event = OrderEvent(
        order_id=order.id,
        from_status=current,
        to_status=target_status,
        actor_user_id=user.id if user else None,
        actor_label=_actor(role, user, by_courier=by_courier),
        note=clean_note,
    )
    session.add(event)
    await session.flush()
    await session.refresh(order, attribute_names=["status", "updated_at", "events"])
    await rollups.record_move(session, order, target_status, event.created_at)
    return order


async def record_payment(
    session: AsyncSession,
    order: Order,
    target: str,
    user: CurrentUser | None,
    *,
    method: str | None = None,
    reference: str | None = None,
    note: str | None = None,
    by_courier: bool = False,
) -> Order:
    """Staff confirm a payment (unpaid → paid) or record its refund (paid → refunded).

    One conditional UPDATE decides, and a unique (order, kind) row backs it up: twenty clicks on
    "Lunas" make one confirmation. `by_courier`: cash a kurir took on their own run (checked by the caller).
    """
    if user is None or not (by_courier or user.is_staff_of(order.cooperative_id)):
        raise Forbidden(_("Hanya staf koperasi ini yang bisa mencatat pembayaran."))
    try:
        target_status = state.PaymentStatus(target)
    except ValueError:
        raise InvalidInput(
            _("Status pembayaran tidak dikenal."), field_errors={"status": _("Pilih paid atau refunded.")}
        ) from None
    paid_with = method or order.payment_method
    if paid_with not in state.PAYMENT_METHOD_LABELS:
        raise InvalidInput(
            _("Cara bayar tidak dikenal."), field_errors={"method": _("Pilih cash, transfer atau qris.")}
        )
    clean_reference = _clean(reference, "reference", _("Referensi"), MAX_REFERENCE)
    clean_note = _clean(note, "note", _("Catatan"), MAX_NOTE)
    current = state.PaymentStatus(order.payment_status)
    state.check_payment_transition(current, target_status)
    if target_status is state.PaymentStatus.PAID:
        if order.status == state.OrderStatus.CANCELLED:
            raise Conflict(_("Pesanan ini sudah dibatalkan, jadi tidak bisa ditandai lunas."))
        if paid_with != "cash" and not clean_reference:
            message = _("Isi nomor referensi dari aplikasi bank atau dompet digital, supaya pembayaran bisa dilacak.")
            raise InvalidInput(message, field_errors={"reference": message})
    moved = await session.execute(
        update(Order)
        .where(Order.id == order.id, Order.payment_status == current)
        .values(payment_status=target_status, updated_at=datetime.datetime.now(datetime.UTC))
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        await session.refresh(order, attribute_names=["payment_status"])
        state.check_payment_transition(order.payment_status, target_status)
        raise Conflict(_("Pembayaran pesanan ini baru saja diubah orang lain. Muat ulang halaman."))
    session.add(
        Payment(
            order_id=order.id,
            kind=target_status,
            method=paid_with,
            amount=order.total,
            reference=clean_reference,
            note=clean_note,
            actor_user_id=user.id,
            actor_label=_actor("staff", user, by_courier=by_courier),
        )
    )
    await session.flush()
    await session.refresh(order, attribute_names=["payment_status", "updated_at", "payments"])
    return order


@dataclass(frozen=True)
class QrisForOrder:
    payload: str
    amount: int


def qris_for_order(order: Order, cooperative: Cooperative) -> QrisForOrder:
    """The dynamic QRIS for this order's exact total, built from the cooperative's static one."""
    if not cooperative.qris_payload:
        raise NotFound(_("%(name)s belum memasang QRIS. Pilih cara bayar lain.", name=cooperative.short_name))
    if order.status == state.OrderStatus.CANCELLED:
        raise Conflict(_("Pesanan ini sudah dibatalkan; tidak perlu dibayar."))
    if order.payment_status != state.PaymentStatus.UNPAID:
        raise Conflict(_("Pesanan ini sudah lunas; jangan dibayar lagi."))
    payload = qris.to_dynamic(cooperative.qris_payload, order.total, bill_number=order.number)
    return QrisForOrder(payload=payload, amount=order.total)
