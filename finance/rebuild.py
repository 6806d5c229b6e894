"""Existing history into the ledger: replay every recorded money event not yet posted, then opening entries
that make the inventory accounts equal the goods on the shelf and in open orders."""

from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.clock import local_date, local_today
from app.models import Cooperative
from app.settings import Settings
from catalog.models import Product
from finance import chart
from finance.events import BUILDER_ORDER, post_rows, posted_sources
from finance.models import JournalLine
from finance.posting import Draft, write, write_many
from orders.models import Order, OrderEvent, OrderLine, Payment

_OPEN = ("placed", "confirmed", "packed", "ready_for_pickup", "out_for_delivery")


def _events(session: Session, cooperative_id: int) -> list[Any]:
    """Every event row of one cooperative, oldest first (ties: stock before sale before payment)."""
    rows: list[Any] = []
    for model in BUILDER_ORDER:
        query = select(model)
        if model in (OrderEvent, Payment):
            query = query.join(Order, Order.id == model.order_id).where(Order.cooperative_id == cooperative_id)
        else:
            query = query.where(model.cooperative_id == cooperative_id)
        rows.extend(session.scalars(query))
    rank = {m: i for i, m in enumerate(BUILDER_ORDER)}
    rows.sort(key=lambda r: (r.created_at, rank[type(r)], r.id))
    return rows


def _balance(session: Session, cooperative_id: int, code: str) -> int:
    value = session.execute(
        select(func.coalesce(func.sum(JournalLine.debit - JournalLine.credit), 0)).where(
            JournalLine.cooperative_id == cooperative_id, JournalLine.account_code == code
        )
    ).scalar()
    return int(value or 0)


def _opening(session: Session, cooperative: Cooperative, day: datetime.date) -> int:
    """Goods recorded without a stock movement (loaded before stock had a ledger) enter at producer price."""
    on_shelf = session.execute(
        select(func.coalesce(func.sum(Product.stock * Product.producer_price), 0)).where(
            Product.cooperative_id == cooperative.id
        )
    ).scalar()
    reserved = session.execute(
        select(func.coalesce(func.sum(OrderLine.producer_price * OrderLine.quantity), 0))
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.cooperative_id == cooperative.id, Order.status.in_(_OPEN))
    ).scalar()
    written = 0
    for code, target, memo in (
        (chart.PERSEDIAAN, int(on_shelf or 0), "Saldo awal persediaan di rak"),
        (chart.PERSEDIAAN_DIPESAN, int(reserved or 0), "Saldo awal persediaan dalam pesanan"),  # i18n: not shown
    ):
        gap = target - _balance(session, cooperative.id, code)
        draft = Draft(cooperative.id, day, memo, "opening", None).debit(code, gap).credit(chart.TITIPAN_PRODUSEN, gap)
        written += write(session.connection(), draft) is not None
    return written


def _payments_without_rows(session: Session, cooperative: Cooperative, posted: set[tuple[str, int]]) -> int:
    """Orders marked paid before payments had their own rows: the money came in when the order last changed."""
    recorded = select(Payment.id).where(Payment.order_id == Order.id, Payment.kind == "paid").exists()
    orders = session.scalars(
        select(Order).where(
            Order.cooperative_id == cooperative.id, Order.payment_status.in_(("paid", "refunded")), ~recorded
        )
    ).all()
    drafts = []
    for order in orders:
        if ("payment_opening", order.id) in posted:
            continue
        draft = Draft(cooperative.id, local_date(cooperative, order.updated_at), "", "payment_opening", order.id)
        draft.memo = f"Pembayaran pesanan {order.number} (sebelum buku besar)"  # i18n: not shown
        draft.debit(chart.money_account(order.payment_method), order.total)
        draft.credit(chart.PIUTANG, order.total, member_user_id=order.user_id)
        drafts.append(draft)
    return len(write_many(session.connection(), drafts))


def rebuild_sync(session: Session, cooperative_id: int | None = None) -> int:
    """Post what is missing for one cooperative (or all); running it twice posts nothing the second time."""
    query = select(Cooperative).order_by(Cooperative.id)
    if cooperative_id is not None:
        query = query.where(Cooperative.id == cooperative_id)
    written = 0
    for cooperative in session.scalars(query).all():
        posted = posted_sources(session.connection(), cooperative.id)
        written += post_rows(session.connection(), _events(session, cooperative.id), posted=posted)
        written += _payments_without_rows(session, cooperative, posted)
        written += _opening(session, cooperative, local_today(cooperative))
    return written


async def rebuild_ledger(session: AsyncSession, cooperative_id: int | None = None) -> int:
    return await session.run_sync(rebuild_sync, cooperative_id)


async def rebuild_command(settings: Settings) -> str:
    """`pasardesa rebuild-ledger`: one transaction for the whole replay, so a failure leaves the books as they were."""
    from app.db import DatabaseConfig
    from app.registry import import_models

    import_models()
    db = DatabaseConfig(settings)
    try:
        async with db.session(write=True) as session:
            written = await rebuild_ledger(session)
            await session.commit()
    finally:
        await db.dispose()
    return f"Buku besar dibangun ulang: {written} jurnal baru."  # i18n: not shown
