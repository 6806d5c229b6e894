"""Categories, products and the stock ledger that explains every stock change."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
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
    het: Mapped[int | None] = mapped_column(Integer)
    het_basis: Mapped[str | None] = mapped_column(Text)
    hap: Mapped[int | None] = mapped_column(Integer)
    max_qty_per_order: Mapped[int | None] = mapped_column(Integer)
    purchase_rules: Mapped[str | None] = mapped_column(Text)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), default=ProductStatus.ACTIVE)
    search_aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    popularity: Mapped[int] = mapped_column(Integer, default=0)

    category: Mapped[Category] = relationship(lazy="joined")
    producer: Mapped[Producer | None] = relationship(lazy="joined")

    @property
    def margin(self) -> int:
        return self.retail_price - self.producer_price

    @property
    def in_stock(self) -> bool:
        return self.stock > 0


class StockLedgerEntry(Base):
    __tablename__ = "stock_ledger"

    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"), index=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), index=True)
    delta: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(20))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("customer_order.id", ondelete="SET NULL"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
