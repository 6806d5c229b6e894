"""A producer's consent to show members its own sales and payouts; without it members see producers' totals only."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from producers.models import Producer


async def set_consent(session: AsyncSession, producer: Producer, agreed: bool) -> None:
    """Only the producer's own account calls this (the route acts for the signed-in producer)."""
    producer.shares_figures = agreed
    await session.flush()
