"""The audit log of administrative actions: who, acting as what, on what, when and from where."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, ForeignKey, Index, Select, String, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from app.auth import CurrentUser
from app.db import Base
from app.i18n import N_
from app.regions import is_region_code
from app.text import strip_control

__all__ = [
    "ACTION_LABELS",
    "MAX_PER_PAGE",
    "Actor",
    "AuditEntry",
    "AuditPage",
    "for_cooperative",
    "for_region",
    "record",
    "record_action",
]

MAX_PER_PAGE = 200
# How the log page names each action; an action without a label is shown as its code.
ACTION_LABELS: dict[str, str] = {
    "invitation.created": N_("Mengirim undangan"),
    "invitation.accepted": N_("Menerima undangan"),
    "invitation.cancelled": N_("Membatalkan undangan"),
    "role.changed": N_("Mengubah peran"),
    "member.removed": N_("Mengeluarkan dari koperasi"),
    "password_link.issued": N_("Membuat tautan kata sandi baru"),
    "password.set": N_("Mengatur kata sandi"),
    "operator.granted": N_("Menjadikan operator"),
    "pendamping.granted": N_("Menjadikan pendamping"),
    "pendamping.assigned": N_("Menugaskan pendamping"),
    "pendamping.unassigned": N_("Mengakhiri tugas pendamping"),
    "members.imported": N_("Mengimpor daftar anggota"),
    "cooperative.created": N_("Mendaftarkan koperasi"),
    "cooperative.applied": N_("Mengajukan pendaftaran koperasi"),
    "cooperative.approved": N_("Menyetujui pendaftaran koperasi"),
    "cooperative.rejected": N_("Menolak pendaftaran koperasi"),
    "cooperative.deactivated": N_("Menonaktifkan koperasi"),
    "cooperative.updated": N_("Mengubah data toko"),
    "cooperative.opened": N_("Membuka toko"),
    "cooperative.closed": N_("Menutup toko sementara"),
}


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class AuditEntry(Base):
    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_cooperative_at", "cooperative_id", "at"),
        Index("ix_audit_entry_region_at", "region_code", "at"),
    )

    # Kept when the account is deleted: the name snapshot still says who it was.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    actor_label: Mapped[str | None] = mapped_column(String(120))
    # The role the person acted in (operator, pendamping, pengurus, ...), as text: roles may be added.
    acting_as: Mapped[str | None] = mapped_column(String(20))
    cooperative_id: Mapped[int | None] = mapped_column(ForeignKey("cooperative.id", ondelete="SET NULL"))
    # The desa (or wider) region code the action concerns, so an operator's region view is a prefix match.
    region_code: Mapped[str | None] = mapped_column(String(13))
    action: Mapped[str] = mapped_column(String(60))
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[Any] = mapped_column(JSON, nullable=True)
    # IPv6 text is at most 45 characters.
    client_address: Mapped[str | None] = mapped_column(String(45))
    at: Mapped[datetime.datetime] = mapped_column(DateTimeUTC(timezone=True), default=_utcnow)


@dataclass(frozen=True)
class Actor:
    """Who does an administrative action: the account, the role they act in, the address they came from.

    A route builds it from the request (`acting_as` from the guard, the client address the security
    middleware resolved); the command line acts as no account (`user` None).
    """

    user: CurrentUser | None
    acting_as: str | None
    address: str | None = None
    name: str = "Baris perintah (CLI)"

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user else None

    @property
    def label(self) -> str:
        return self.user.name if self.user else self.name


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    page: int
    per_page: int
    has_more: bool


def _clip(value: str | None, length: int) -> str | None:
    # Control characters (NUL among them, which PostgreSQL refuses) come only from hostile input.
    return strip_control(value)[:length] if value else value


def record(
    session: AsyncSession,
    action: str,
    *,
    user_id: int | None = None,
    actor_label: str | None = None,
    acting_as: str | None = None,
    cooperative_id: int | None = None,
    region_code: str | None = None,
    target_type: str | None = None,
    target_id: int | str | None = None,
    detail: Any = None,
    client_address: str | None = None,
    at: datetime.datetime | None = None,
) -> AuditEntry:
    """Add an entry to the session: it commits, or rolls back, with the action it describes."""
    entry = AuditEntry(
        user_id=user_id,
        actor_label=_clip(actor_label, 120),
        acting_as=_clip(acting_as, 20),
        cooperative_id=cooperative_id,
        region_code=region_code if is_region_code(region_code) else None,
        action=strip_control(action)[:60],
        target_type=_clip(target_type, 40),
        target_id=_clip(None if target_id is None else str(target_id), 64),
        detail=detail,
        client_address=_clip(client_address, 45),
        at=at or _utcnow(),
    )
    session.add(entry)
    return entry


def record_action(
    session: AsyncSession,
    actor: Actor,
    action: str,
    *,
    cooperative_id: int | None = None,
    region_code: str | None = None,
    target_type: str | None = None,
    target_id: int | str | None = None,
    detail: Any = None,
) -> AuditEntry:
    """`record` for an Actor: the form every service uses."""
    return record(
        session,
        action,
        user_id=actor.user_id,
        actor_label=actor.label,
        acting_as=actor.acting_as,
        cooperative_id=cooperative_id,
        region_code=region_code,
        target_type=target_type,
        target_id=target_id,
        detail=detail,
        client_address=actor.address,
    )


async def _page(session: AsyncSession, query: Select[AuditEntry], page: int, per_page: int) -> AuditPage:
    page = max(1, page)
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    rows = list(
        await session.scalars(
            query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).offset((page - 1) * per_page).limit(per_page + 1)
        )
    )
    return AuditPage(entries=rows[:per_page], page=page, per_page=per_page, has_more=len(rows) > per_page)


async def for_cooperative(
    session: AsyncSession, cooperative_id: int, *, page: int = 1, per_page: int = 50
) -> AuditPage:
    """A cooperative's entries, newest first (what its pengurus sees)."""
    return await _page(session, select(AuditEntry).where(AuditEntry.cooperative_id == cooperative_id), page, per_page)


async def for_region(session: AsyncSession, region_code: str | None, *, page: int = 1, per_page: int = 50) -> AuditPage:
    """Entries at or below a region code, newest first (what that region's operator sees).

    None is the whole country: every entry, including those that name no region.
    """
    query = select(AuditEntry)
    if region_code is not None:
        if not is_region_code(region_code):
            return AuditPage(entries=[], page=max(1, page), per_page=per_page, has_more=False)
        query = query.where(or_(AuditEntry.region_code == region_code, AuditEntry.region_code.like(f"{region_code}.%")))
    return await _page(session, query, page, per_page)
