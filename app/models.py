"""Tenancy and accounts: cooperatives, users, memberships with roles, and server-side sessions."""

from __future__ import annotations

import datetime
from enum import StrEnum

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import nik_vault
from app.alchemy import StoreModelMixin
from app.db import Base
from app.i18n import N_, _


class Role(StrEnum):
    """A person's role inside one cooperative (Membership.role)."""

    MEMBER = "member"
    PENGURUS = "pengurus"  # the board: everything in the cooperative, settings, staff and money
    BENDAHARA = "bendahara"  # treasurer: records money
    PENGAWAS = "pengawas"  # supervisory board: reads everything, changes nothing
    PETUGAS = "petugas"  # shop staff: orders, stock, reviews
    KURIR = "kurir"  # their delivery runs and cash hand-in


class PlatformRole(StrEnum):
    """Roles outside any one cooperative."""

    OPERATOR = "operator"  # Dinas Koperasi of a region: approves cooperatives, assigns facilitators
    PENDAMPING = "pendamping"  # facilitator, assigned to a handful of cooperatives


# Who may use a cooperative's staff area (an assigned pendamping too, see CurrentUser.is_staff_of).
STAFF_ROLES: frozenset[str] = frozenset({Role.PENGURUS, Role.BENDAHARA, Role.PENGAWAS, Role.PETUGAS})
# Staff roles that may look but not change anything.
READ_ONLY_ROLES: frozenset[str] = frozenset({Role.PENGAWAS})
COURIER_ROLES: frozenset[str] = STAFF_ROLES | {Role.KURIR}
# What every page says a person acts as.
ROLE_LABELS: dict[str, str] = {
    Role.MEMBER: N_("Anggota"),
    Role.PENGURUS: N_("Pengurus"),
    Role.BENDAHARA: N_("Bendahara"),
    Role.PENGAWAS: N_("Pengawas"),
    Role.PETUGAS: N_("Petugas"),
    Role.KURIR: N_("Kurir"),
    PlatformRole.PENDAMPING: N_("Pendamping"),
    PlatformRole.OPERATOR: N_("Operator"),
    "producer": N_("Produsen"),
}


def role_label(role: str) -> str:
    """A role's name in the request's language (ROLE_LABELS holds the Indonesian source)."""
    return _(ROLE_LABELS.get(role, role))


class CooperativeStatus(StrEnum):
    APPLIED = "applied"  # a pengurus applied; waits for an operator
    ONBOARDING = "onboarding"  # approved or created; setting up, not selling yet
    OPEN = "open"
    CLOSED = "closed"
    REJECTED = "rejected"


# A pendamping may act as pengurus only before the cooperative opens.
NOT_YET_OPEN: frozenset[str] = frozenset({CooperativeStatus.APPLIED, CooperativeStatus.ONBOARDING})


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
    status: Mapped[str] = mapped_column(
        String(12), default=CooperativeStatus.OPEN, server_default=CooperativeStatus.OPEN.value, index=True
    )
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
    # Registration (the onboarding package): legal identity, who applied, the operator's decision.
    legal_number: Mapped[str | None] = mapped_column(String(80), index=True)  # nomor badan hukum
    nik_koperasi: Mapped[str | None] = mapped_column(String(40))  # Nomor Induk Koperasi, when known
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    applicant_name: Mapped[str | None] = mapped_column(String(120))
    applicant_phone: Mapped[str | None] = mapped_column(String(20))
    reviewed_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    # Readiness ("Siap berjualan"): what a buyer needs to know before the shop opens.
    opening_hours: Mapped[str | None] = mapped_column(Text)
    pickup_address: Mapped[str | None] = mapped_column(Text)
    # Comma-separated, from cash, transfer, qris: the methods the pengurus chose to offer.
    payment_methods: Mapped[str | None] = mapped_column(String(40))
    delivery_mode: Mapped[str | None] = mapped_column(String(12))  # pickup_only | zones
    # Shown on the shop while it has not opened yet ("Buka mulai 1 Maret") or is closed for a holiday.
    closed_message: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))

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
    # One account per NIK, so a per-person quota cannot be doubled with a second account. Never stored
    # in plain text (app.nik_vault): a keyed hash for uniqueness, an encrypted copy for whoever must read it.
    nik_hash: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    nik_sealed: Mapped[str | None] = mapped_column(Text)
    # Bumped on a password change, a reset and "Keluar dari semua perangkat": older sessions stop working.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # When someone last tried to sign up with this number, or to put this person's NIK on another
    # account: the owner is told on their account page, the one who tried is not told anything.
    signup_attempt_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    nik_attempt_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    # "id" or "en" once the person picked a language; it follows them to every browser they sign in on.
    language: Mapped[str | None] = mapped_column(String(5))

    memberships: Mapped[list[Membership]] = relationship(back_populates="user", lazy="selectin")

    @property
    def nik(self) -> str | None:
        """The NIK in the clear, opened from its encrypted copy (None when there is none)."""
        return nik_vault.vault().open(self.nik_sealed)

    @nik.setter
    def nik(self, value: str | None) -> None:
        self.nik_hash, self.nik_sealed = nik_vault.vault().seal(value)


class Membership(Base):
    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("user_id", "cooperative_id", name="uq_membership_user_cooperative"),
        # The cooperative's own member number (from its member list); unique within the cooperative.
        Index("uq_membership_cooperative_number", "cooperative_id", "member_number", unique=True),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), default=Role.MEMBER)
    status: Mapped[str] = mapped_column(String(20), default=MembershipStatus.APPROVED)
    member_number: Mapped[str | None] = mapped_column(String(40))

    user: Mapped[User] = relationship(back_populates="memberships", lazy="raise")
    cooperative: Mapped[Cooperative] = relationship(lazy="selectin")


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class PlatformGrant(Base):
    """A platform role held by a person: an operator over a region, or a registered pendamping.

    `region_code` is a region code prefix ("63", "63.03"), "" for the whole country. A person may hold
    several rows (an operator of two kabupaten).
    """

    __tablename__ = "platform_role"
    __table_args__ = (UniqueConstraint("user_id", "role", "region_code", name="uq_platform_role_user_role_region"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    region_code: Mapped[str] = mapped_column(String(13), default="", server_default="")
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class FacilitatorAssignment(Base):
    """A pendamping assigned to a cooperative by an operator; ended rows stay as history."""

    __tablename__ = "facilitator_assignment"
    __table_args__ = (Index("ix_facilitator_assignment_cooperative", "cooperative_id", "ended_at"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime.datetime] = mapped_column(DateTimeUTC(timezone=True), default=_utcnow)
    ended_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class Invitation(Base):
    """An invitation to take a role in a cooperative; its one-time link is a token whose subject is this row."""

    __tablename__ = "invitation"

    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), index=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(String(120))
    # A cooperative Role, or a role another package handles on acceptance (e.g. "producer").
    role: Mapped[str] = mapped_column(String(20))
    # The producer whose owner is invited; the producers package owns that table, so no foreign key here.
    producer_id: Mapped[int | None] = mapped_column(BigInteger)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime.datetime] = mapped_column(DateTimeUTC(timezone=True))
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    accepted_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    cancelled_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class WebSession(StoreModelMixin):
    """Server-side session rows (cart, login, flash messages), shared by every app worker."""

    __tablename__ = "web_session"
