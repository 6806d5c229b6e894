"""The search outbox: one row per catalog change, written in the same transaction as the change."""

from __future__ import annotations

import datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class SearchOutbox(Base):
    __tablename__ = "search_outbox"
    __table_args__ = (Index("ix_search_outbox_pending", "processed_at", "id"),)

    product_id: Mapped[int] = mapped_column(Integer, index=True)
    # "upsert" re-reads the product at delivery time; "delete" removes it from the index.
    op: Mapped[str] = mapped_column(String(10), default="upsert")
    processed_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
