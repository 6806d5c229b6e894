"""The UMKM producers that supply a cooperative, their accounts, listing reviews, price history,
photos and settlements."""

from __future__ import annotations

import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class Producer(Base):
    __tablename__ = "producer"
    __table_args__ = (
        UniqueConstraint("cooperative_id", "slug", name="uq_producer_cooperative_slug"),
        # One producer per phone in a cooperative: the phone is how its owner is invited and reached.
        Index("uq_producer_cooperative_phone", "cooperative_id", "phone", unique=True),
    )

    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(120))
    business_name: Mapped[str] = mapped_column(String(200))
    scale: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(Text)
    desa: Mapped[str | None] = mapped_column(String(120))
    kecamatan: Mapped[str | None] = mapped_column(String(120))
    kabupaten: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20))
    # Set when staff add the producer: who runs it, and the permits people ask about (all optional but the name).
    owner_name: Mapped[str | None] = mapped_column(String(120))
    nib: Mapped[str | None] = mapped_column(String(20))  # Nomor Induk Berusaha
    pirt_number: Mapped[str | None] = mapped_column(String(40))  # izin P-IRT (home-made food)
    halal_number: Mapped[str | None] = mapped_column(String(60))
    # The producer agreed that members (not only the board) see its own sales and payouts in the books.
    shares_figures: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ProducerAccount(Base):
    """A login that acts for one UMKM: a person belongs to at most one producer business."""

    __tablename__ = "producer_account"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producer.id", ondelete="CASCADE"), index=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), index=True)


class ReviewDecision(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"


class ListingReview(Base):
    """One step of a listing's review: submitted by the producer, then decided by staff."""

    __tablename__ = "listing_review"

    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"), index=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), index=True)
    decision: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(120))


class PriceChange(Base):
    """Every change of a product's producer or retail price, kept as history."""

    __tablename__ = "price_change"

    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"), index=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), index=True)
    old_producer_price: Mapped[int | None] = mapped_column(Integer)
    new_producer_price: Mapped[int] = mapped_column(Integer)
    old_retail_price: Mapped[int | None] = mapped_column(Integer)
    new_retail_price: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)


class ProductPhoto(Base):
    """A product photo, stored only as small thumbnails (WebP, and a JPEG card picture) in the media store."""

    __tablename__ = "product_photo"

    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"), index=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), index=True)
    # Random, so photo addresses cannot be guessed from product ids.
    key: Mapped[str] = mapped_column(String(40), unique=True)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Settlement(Base):
    """A payment to a producer for one period (week or month): the figures as they were when paid."""

    __tablename__ = "settlement"
    __table_args__ = (
        UniqueConstraint("producer_id", "period_kind", "period_start", name="uq_settlement_producer_period"),
    )

    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), index=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producer.id", ondelete="CASCADE"), index=True)
    period_kind: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[datetime.date] = mapped_column(Date)
    # Exclusive: the first day after the period.
    period_end: Mapped[datetime.date] = mapped_column(Date)
    units_sold: Mapped[int] = mapped_column(Integer)
    sales_total: Mapped[int] = mapped_column(BigInteger)
    producer_total: Mapped[int] = mapped_column(BigInteger)
    cancelled_units: Mapped[int] = mapped_column(Integer, default=0)
    cancelled_value: Mapped[int] = mapped_column(BigInteger, default=0)
    amount_paid: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str | None] = mapped_column(String(120))
    paid_on: Mapped[datetime.date] = mapped_column(Date, index=True)
    paid_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    paid_by_label: Mapped[str] = mapped_column(String(120))
