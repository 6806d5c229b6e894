"""The UMKM producers that supply a cooperative."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class Producer(Base):
    __tablename__ = "producer"
    __table_args__ = (UniqueConstraint("cooperative_id", "slug", name="uq_producer_cooperative_slug"),)

    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(120))
    business_name: Mapped[str] = mapped_column(String(200))
    scale: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(Text)
    desa: Mapped[str | None] = mapped_column(String(120))
    kecamatan: Mapped[str | None] = mapped_column(String(120))
    kabupaten: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20))
