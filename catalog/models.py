"""Categories, products, price ceilings and the stock ledger that explains every stock change."""

from __future__ import annotations

import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
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

if TYPE_CHECKING:
    from producers.models import Producer


class ProductStatus(StrEnum):
    ACTIVE = "active"
    DRAFT = "draft"
    ARCHIVED = "archived"
    # Review states of a producer's listing; only ACTIVE products are sold.
    PENDING_REVIEW = "pending_review"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"


class LedgerReason(StrEnum):
    INITIAL = "initial"
    SALE = "sale"
    CANCEL = "cancel"
    RESTOCK = "restock"
    ADJUSTMENT = "adjustment"
    SPOILAGE = "spoilage"
    RECEIPT = "receipt"
    STOCKTAKE = "stocktake"
    LOSS = "loss"


class CeilingKind(StrEnum):
    HET = "het"  # Harga Eceran Tertinggi: a legal limit, prices above it are refused
    HAP = "hap"  # Harga Acuan Penjualan: a reference, prices above it only warn


class QuotaPeriod(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class Category(Base):
    __tablename__ = "category"

    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Product(Base):
    __tablename__ = "product"
    __table_args__ = (
        CheckConstraint("stock >= 0", name="ck_product_stock_nonnegative"),
        CheckConstraint("retail_price > 0", name="ck_product_retail_price_positive"),
        CheckConstraint("producer_price >= 0", name="ck_product_producer_price_nonnegative"),
        Index("ix_product_cooperative_status", "cooperative_id", "status"),
    )

    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), index=True)
    # None: the cooperative itself is the supplier (LPG, SPHP rice, fertiliser).
    producer_id: Mapped[int | None] = mapped_column(ForeignKey("producer.id", ondelete="SET NULL"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(160), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    subcategory: Mapped[str | None] = mapped_column(String(120))
    unit: Mapped[str] = mapped_column(String(40))
    pack_size: Mapped[str | None] = mapped_column(String(60))
    producer_price: Mapped[int] = mapped_column(Integer)
    retail_price: Mapped[int] = mapped_column(Integer)
    # A ceiling for this product alone (no dates); regulated staples link to `price_ceiling` instead.
    het: Mapped[int | None] = mapped_column(Integer)
    het_basis: Mapped[str | None] = mapped_column(Text)
    hap: Mapped[int | None] = mapped_column(Integer)
    # The regulated commodity this product is (`price_ceiling.commodity`), and how many of the
    # ceiling's units one product unit holds, in thousandths: a 2-liter pouch under a per-liter HET is 2000.
    ceiling_commodity: Mapped[str | None] = mapped_column(String(60), index=True)
    ceiling_units_milli: Mapped[int | None] = mapped_column(Integer)
    max_qty_per_order: Mapped[int | None] = mapped_column(Integer)
    purchase_rules: Mapped[str | None] = mapped_column(Text)
    # Subsidy rules: sold to approved members only; a 16-digit NIK on the buyer's profile;
    # at most `quota_qty` units per member per `quota_period` (day, week or month, cooperative's clock).
    members_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    requires_nik: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    quota_qty: Mapped[int | None] = mapped_column(Integer)
    quota_period: Mapped[str | None] = mapped_column(String(10))
    stock: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), default=ProductStatus.ACTIVE)
    search_aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    popularity: Mapped[int] = mapped_column(Integer, default=0)

    category: Mapped[Category] = relationship(lazy="joined")
    producer: Mapped[Producer | None] = relationship("Producer", lazy="joined")

    @property
    def margin(self) -> int:
        return self.retail_price - self.producer_price

    @property
    def in_stock(self) -> bool:
        return self.stock > 0


class PriceCeiling(Base):
    """A government price rule for one commodity in a region, from a start date, with its legal basis."""

    __tablename__ = "price_ceiling"
    __table_args__ = (
        CheckConstraint("amount > 0", name="ck_price_ceiling_amount_positive"),
        Index("ix_price_ceiling_commodity_starts", "commodity", "starts_on"),
    )

    commodity: Mapped[str] = mapped_column(String(60))
    # Shown to people: "LPG 3 kg", "Beras medium".
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(Integer)
    # What `amount` is per: "tabung", "liter", "kg", "sak 50 kg".
    unit: Mapped[str] = mapped_column(String(40))
    # Shown to people: "Kalimantan Selatan", "Zona 2", "Nasional".
    region: Mapped[str] = mapped_column(String(120))
    # Province names the rule covers; empty means the whole country.
    provinces: Mapped[list[str]] = mapped_column(JSON, default=list)
    starts_on: Mapped[datetime.date] = mapped_column(Date)
    ends_on: Mapped[datetime.date | None] = mapped_column(Date)
    legal_basis: Mapped[str] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(Text)

    def covers(self, provinsi: str, on: datetime.date) -> bool:
        in_region = not self.provinces or provinsi.casefold() in {p.casefold() for p in self.provinces}
        return in_region and self.starts_on <= on and (self.ends_on is None or on < self.ends_on)


class StockLedgerEntry(Base):
    __tablename__ = "stock_ledger"

    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"), index=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), index=True)
    delta: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(20))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("customer_order.id", ondelete="SET NULL"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)


class StockReceipt(Base):
    """Goods a producer handed to the cooperative on consignment (titip jual), at an agreed unit price.

    What the cooperative owes a producer is settled from units sold; receipts are what it checks that against.
    """

    __tablename__ = "stock_receipt"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="ck_stock_receipt_quantity_positive"),
        CheckConstraint("producer_price >= 0", name="ck_stock_receipt_producer_price_nonnegative"),
        Index("ix_stock_receipt_cooperative_created", "cooperative_id", "created_at"),
    )

    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"), index=True)
    producer_id: Mapped[int | None] = mapped_column(ForeignKey("producer.id", ondelete="SET NULL"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    # Rupiah per unit agreed for this delivery; `total` = quantity x producer_price.
    producer_price: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(BigInteger)
    received_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)


class Stocktake(Base):
    """One counting session (stok opname): its lines book every difference in one go."""

    __tablename__ = "stocktake"

    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), index=True)
    counted_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)

    lines: Mapped[list[StocktakeLine]] = relationship(
        back_populates="stocktake", lazy="selectin", order_by="StocktakeLine.id", cascade="all, delete-orphan"
    )


class StocktakeLine(Base):
    __tablename__ = "stocktake_line"

    stocktake_id: Mapped[int] = mapped_column(ForeignKey("stocktake.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"), index=True)
    # Goods that should be on the shelf: stock plus what placed/confirmed orders hold but nobody packed yet.
    expected: Mapped[int] = mapped_column(Integer)
    counted: Mapped[int] = mapped_column(Integer)
    difference: Mapped[int] = mapped_column(Integer)

    stocktake: Mapped[Stocktake] = relationship(back_populates="lines", lazy="raise")


class StockThreshold(Base):
    """The stock level at which staff want to reorder a product; products without one use the default."""

    __tablename__ = "stock_threshold"
    __table_args__ = (
        UniqueConstraint("product_id", name="uq_stock_threshold_product"),
        CheckConstraint("threshold >= 0", name="ck_stock_threshold_nonnegative"),
    )

    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    threshold: Mapped[int] = mapped_column(Integer)
