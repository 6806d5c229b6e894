"""The producer's own dashboard: listings, weekly sales, what is owed and what was paid."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import local_today
from producers.models import Settlement
from producers.services.accounts import ProducerContext
from producers.services.listings import ListingRow, own_listings
from producers.services.settlements import (
    WeekSales,
    owed_to_producers,
    paid_total,
    sales_caption,
    settlements_of,
    weekly_sales,
)


@dataclass(frozen=True)
class Dashboard:
    listings: list[ListingRow]
    weeks: list[WeekSales]
    owed: int
    paid: int
    settlements: Sequence[Settlement]

    @property
    def sales_caption(self) -> str:
        return sales_caption()

    @property
    def week_max(self) -> int:
        return max([w.producer_share for w in self.weeks] + [1])


async def dashboard(session: AsyncSession, ctx: ProducerContext) -> Dashboard:
    tomorrow = local_today(ctx.cooperative) + datetime.timedelta(days=1)
    return Dashboard(
        listings=await own_listings(session, ctx.producer),
        weeks=await weekly_sales(session, ctx.cooperative, ctx.producer.id),
        owed=await owed_to_producers(session, ctx.cooperative, tomorrow, producer_id=ctx.producer.id),
        paid=await paid_total(session, ctx.cooperative.id, None, tomorrow, producer_id=ctx.producer.id),
        settlements=await settlements_of(session, ctx.producer.id, limit=12),
    )
