"""How many orders one client address and one phone may place an hour, counted in the shared database."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import DomainError
from app.i18n import _
from app.ratelimit import hit

WINDOW_SECONDS = 3600


class TooManyOrders(DomainError):
    status_code = 429
    code = "too_many_orders"


@dataclass(frozen=True)
class OrderLimits:
    """Orders an hour per client address and per buyer's phone (settings ORDER_RATE_LIMIT_*); 0 is no limit."""

    per_address: int
    per_phone: int


async def count_order(session: AsyncSession, limits: OrderLimits, address: str | None, phone: str) -> None:
    """Count one order about to be placed; TooManyOrders when it would be one too many.

    Counted in the order's own transaction: an order that is refused or fails later is not counted,
    and a refused one rolls back the counts it added, so only placed orders use up the allowance.
    """
    moment = time.time()
    checks = [(f"order-phone:{phone}", limits.per_phone)]
    if address:
        checks.append((f"order-address:{address}", limits.per_address))
    for key, limit in checks:
        if limit > 0 and not await hit(session, key, limit, WINDOW_SECONDS, now=moment):
            wait = WINDOW_SECONDS - int(moment) % WINDOW_SECONDS
            minutes = max(1, round(wait / 60))
            raise TooManyOrders(
                _(
                    "Terlalu banyak pesanan dalam satu jam dari nomor HP atau perangkat ini. "
                    "Coba lagi dalam %(minutes)s menit, atau hubungi koperasi lewat WhatsApp.",
                    minutes=minutes,
                ),
                retry_after=wait,
            )
