"""The outbox of product changes: one row per change, written in the same transaction as the change."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Index, Integer, String, Text, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base

# "upsert" re-reads the product at delivery time (a product that is gone or hidden leaves the index);
# "reindex" (product_id 0) asks for a full rebuild from the database.
UPSERT = "upsert"
REINDEX = "reindex"


class ProductOutbox(Base):
    """A product change the search index has not necessarily seen yet.

    The table keeps its first name, `search_outbox`: renaming it would buy nothing but a migration.
    """

    __tablename__ = "search_outbox"
    __table_args__ = (
        Index("ix_search_outbox_pending", "processed_at", "id"),
        Index("ix_search_outbox_failed", "failed_at"),
    )

    product_id: Mapped[int] = mapped_column(Integer, index=True)
    op: Mapped[str] = mapped_column(String(10), default=UPSERT)
    processed_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    # Times the search engine refused this change; an unreachable engine does not count.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # A relay's lease: other relays leave the row alone until it runs out (a crashed relay's rows
    # are taken over after that).
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    # Back-off after a refusal; parked for an operator once the attempts are used up.
    next_attempt_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    failed_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))


async def enqueue(session: AsyncSession, product_ids: Iterable[int], op: str = UPSERT) -> None:
    """Record that these products changed. Commits or rolls back with the caller's transaction."""
    rows = [{"product_id": pid, "op": op, "attempts": 0} for pid in dict.fromkeys(product_ids)]
    if rows:
        await session.execute(insert(ProductOutbox), rows)
