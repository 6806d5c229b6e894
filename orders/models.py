"""Orders, their lines (price snapshots), the audit trail of status changes, payments, delivery zones."""

from __future__ import annotations

import datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base


class Order(Base):
    __tablename__ = "customer_order"
    __table_args__ = (
        # A key is the buyer's own (see orders.services.checkout.buyer_scope): two buyers may send the same one.
        UniqueConstraint(
            "cooperative_id", "idempotency_scope", "idempotency_key", name="uq_order_idempotency_scope_key"
        ),
    )

    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(24), unique=True, index=True)
    # The buyer's proof of ownership for guest orders: part of the order link, never shown to staff lists.
    token: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    # Whose key it is: "u:<user id>", "s:<digest of the browser session>" or "p:<phone>".
    idempotency_scope: Mapped[str | None] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    # A digest of the request that carried the key: the same key with another request is refused.
    idempotency_fingerprint: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(24), default="placed", index=True)
    payment_status: Mapped[str] = mapped_column(String(16), default="unpaid")
    payment_method: Mapped[str] = mapped_column(String(16), default="cash")
    fulfilment: Mapped[str] = mapped_column(String(16))
    customer_name: Mapped[str] = mapped_column(String(120))
    customer_phone: Mapped[str] = mapped_column(String(20), index=True)
    dusun: Mapped[str | None] = mapped_column(String(120))
    rt: Mapped[str | None] = mapped_column(String(8))
    rw: Mapped[str | None] = mapped_column(String(8))
    landmark: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    subtotal: Mapped[int] = mapped_column(BigInteger)
    delivery_fee: Mapped[int] = mapped_column(BigInteger, default=0)
    total: Mapped[int] = mapped_column(BigInteger)

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", lazy="selectin", order_by="OrderLine.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", lazy="selectin", order_by="OrderEvent.id", cascade="all, delete-orphan"
    )
    payments: Mapped[list[Payment]] = relationship(
        back_populates="order", lazy="selectin", order_by="Payment.id", cascade="all, delete-orphan"
    )

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)


class OrderLine(Base):
    __tablename__ = "order_line"

    order_id: Mapped[int] = mapped_column(ForeignKey("customer_order.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id", ondelete="SET NULL"), index=True)
    producer_id: Mapped[int | None] = mapped_column(ForeignKey("producer.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40))
    unit_price: Mapped[int] = mapped_column(Integer)
    producer_price: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    line_total: Mapped[int] = mapped_column(BigInteger)

    order: Mapped[Order] = relationship(back_populates="lines", lazy="raise")


class OrderEvent(Base):
    __tablename__ = "order_event"

    order_id: Mapped[int] = mapped_column(ForeignKey("customer_order.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # Who, in words, for the audit trail: "Pembeli", "Staf: Rahmah", "Sistem".
    actor_label: Mapped[str] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)

    order: Mapped[Order] = relationship(back_populates="events", lazy="raise")


class Courier(Base):
    """Who takes orders to houses: a staff member (user_id set) or a named village courier."""

    __tablename__ = "courier"

    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class DeliveryRun(Base):
    """One courier's deliveries on one business day (the cooperative's local date)."""

    __tablename__ = "delivery_run"
    __table_args__ = (
        UniqueConstraint("cooperative_id", "courier_id", "business_date", name="uq_delivery_run_courier_day"),
    )

    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), index=True)
    courier_id: Mapped[int] = mapped_column(ForeignKey("courier.id", ondelete="CASCADE"), index=True)
    business_date: Mapped[datetime.date] = mapped_column(Date, index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    courier: Mapped[Courier] = relationship(lazy="joined")


class DeliveryStop(Base):
    """An order on a run: when it was delivered and how much cash the courier took for it."""

    __tablename__ = "delivery_stop"
    __table_args__ = (
        UniqueConstraint("order_id", name="uq_delivery_stop_order"),
        Index("ix_delivery_stop_courier_day", "cooperative_id", "courier_id", "delivered_on"),
    )

    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("delivery_run.id", ondelete="CASCADE"), index=True)
    courier_id: Mapped[int] = mapped_column(ForeignKey("courier.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("customer_order.id", ondelete="CASCADE"))
    delivered_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    delivered_on: Mapped[datetime.date | None] = mapped_column(Date)
    # Rupiah the courier took from the buyer for this order (0 until collected).
    cash_collected: Mapped[int] = mapped_column(BigInteger, default=0)
    reconciliation_id: Mapped[int | None] = mapped_column(
        ForeignKey("cash_reconciliation.id", ondelete="SET NULL"), index=True
    )

    order: Mapped[Order] = relationship(lazy="joined")


class CashReconciliation(Base):
    """A courier hands in the day's cash: expected vs received, the difference kept in the books with a note."""

    __tablename__ = "cash_reconciliation"
    __table_args__ = (Index("ix_cash_reconciliation_cooperative_date", "cooperative_id", "business_date"),)

    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), index=True)
    courier_id: Mapped[int | None] = mapped_column(ForeignKey("courier.id", ondelete="SET NULL"), index=True)
    # The courier's name as it was, so the books read the same after a courier is renamed or removed.
    courier_name: Mapped[str] = mapped_column(String(120))
    business_date: Mapped[datetime.date] = mapped_column(Date)
    expected: Mapped[int] = mapped_column(BigInteger)
    received: Mapped[int] = mapped_column(BigInteger)
    # received - expected: negative is cash missing, positive is cash over.
    difference: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class Payment(Base):
    """A payment confirmed by staff, or its refund: who, when, how, which reference."""

    __tablename__ = "payment"
    __table_args__ = (
        # At most one confirmation and one refund per order, whatever the concurrency.
        UniqueConstraint("order_id", "kind", name="uq_payment_order_kind"),
    )

    order_id: Mapped[int] = mapped_column(ForeignKey("customer_order.id", ondelete="CASCADE"), index=True)
    # "paid" or "refunded": the payment status this row moved the order to.
    kind: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(BigInteger)
    # The bank or e-wallet reference staff read in their app, or a receipt number for cash.
    reference: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(120))

    order: Mapped[Order] = relationship(back_populates="payments", lazy="raise")


class DeliveryZone(Base):
    """A dusun or zone the cooperative delivers to, with its fee; staff keep the list."""

    __tablename__ = "delivery_zone"
    __table_args__ = (
        UniqueConstraint("cooperative_id", "name", name="uq_delivery_zone_cooperative_name"),
        CheckConstraint("fee >= 0", name="ck_delivery_zone_fee_nonnegative"),
    )

    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    fee: Mapped[int] = mapped_column(Integer, default=0)
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
