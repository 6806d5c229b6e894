"""Tenancy and accounts: cooperatives, users, memberships with roles, and server-side sessions."""

from __future__ import annotations

import datetime
from enum import StrEnum

from advanced_alchemy.extensions.litestar.store import StoreModelMixin
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base


class Role(StrEnum):
    MEMBER = "member"
    STAFF = "staff"
    ADMIN = "admin"


class MembershipStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Cooperative(Base):
    __tablename__ = "cooperative"

    slug: Mapped[str] = mapped_column(String(80), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(80))
    # Three letters that start every order number of this cooperative, e.g. LBT-261127-K7Q3.
    order_prefix: Mapped[str] = mapped_column(String(6))
    street: Mapped[str | None] = mapped_column(String(200))
    rt: Mapped[str | None] = mapped_column(String(8))
    rw: Mapped[str | None] = mapped_column(String(8))
    dusun: Mapped[str | None] = mapped_column(String(120))
    desa: Mapped[str] = mapped_column(String(120))
    kecamatan: Mapped[str] = mapped_column(String(120))
    kabupaten: Mapped[str] = mapped_column(String(120))
    provinsi: Mapped[str] = mapped_column(String(120))
    kode_wilayah: Mapped[str | None] = mapped_column(String(20))
    kode_pos: Mapped[str | None] = mapped_column(String(5))
    landmark: Mapped[str | None] = mapped_column(String(200))
    # E.164 without the plus, as wa.me wants it: 6281200000101.
    whatsapp: Mapped[str] = mapped_column(String(20))
    timezone: Mapped[str] = mapped_column(String(40), default="Asia/Makassar")
    description: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bank transfer: shown on the order page of every order paid by transfer.
    bank_name: Mapped[str | None] = mapped_column(String(80))
    bank_account_number: Mapped[str | None] = mapped_column(String(40))
    bank_account_name: Mapped[str | None] = mapped_column(String(120))
    # The cooperative's static QRIS as staff pasted it (validated), and what it says about the merchant.
    qris_payload: Mapped[str | None] = mapped_column(Text)
    qris_merchant_name: Mapped[str | None] = mapped_column(String(99))
    qris_merchant_city: Mapped[str | None] = mapped_column(String(99))
    qris_nmid: Mapped[str | None] = mapped_column(String(99))
    # A made-up QRIS for the demo: pages say it moves no money.
    qris_is_demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    qris_updated_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))

    @property
    def village(self) -> str:
        return f"{self.desa}, {self.kecamatan}, {self.kabupaten}"

    @property
    def accepts_transfer(self) -> bool:
        return bool(self.bank_name and self.bank_account_number and self.bank_account_name)

    @property
    def accepts_qris(self) -> bool:
        return bool(self.qris_payload)


class User(Base):
    __tablename__ = "user_account"

    phone: Mapped[str] = mapped_column(String(20), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The resident's profile: where village deliveries go, and the NIK some subsidised goods require.
    dusun: Mapped[str | None] = mapped_column(String(120))
    rt: Mapped[str | None] = mapped_column(String(8))
    rw: Mapped[str | None] = mapped_column(String(8))
    landmark: Mapped[str | None] = mapped_column(String(200))
    # One account per NIK, so a per-person quota cannot be doubled with a second account.
    nik: Mapped[str | None] = mapped_column(String(16), unique=True, index=True)

    memberships: Mapped[list[Membership]] = relationship(back_populates="user", lazy="selectin")


class Membership(Base):
    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "cooperative_id", name="uq_membership_user_cooperative"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), default=Role.MEMBER)
    status: Mapped[str] = mapped_column(String(20), default=MembershipStatus.APPROVED)

    user: Mapped[User] = relationship(back_populates="memberships", lazy="raise")
    cooperative: Mapped[Cooperative] = relationship(lazy="selectin")


class WebSession(StoreModelMixin):
    """Server-side session rows (cart, login, flash messages), shared by every app worker."""

    __tablename__ = "web_session"
