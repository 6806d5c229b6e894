"""Writing to the search outbox: called by catalog services inside their own transaction."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from search.models import SearchOutbox


async def enqueue(session: AsyncSession, product_ids: Iterable[int], op: str = "upsert") -> None:
    """Record that these products changed. Commits or rolls back with the caller's transaction."""
    rows = [{"product_id": pid, "op": op, "attempts": 0} for pid in dict.fromkeys(product_ids)]
    if rows:
        await session.execute(insert(SearchOutbox), rows)
