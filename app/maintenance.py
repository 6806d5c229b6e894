"""Housekeeping the app does by itself while it runs: expired sessions and rate-limit counts leave the database."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging

from sqlalchemy import delete

from app.db import DatabaseConfig
from app.models import WebSession
from app.ratelimit import purge_expired as purge_expired_rate_limits

log = logging.getLogger("pasardesa.maintenance")
INTERVAL_SECONDS = 3600


async def purge_expired_sessions(db: DatabaseConfig, now: datetime.datetime | None = None) -> int:
    """Delete session rows (carts, logins) whose time ran out; returns how many went."""
    moment = now or datetime.datetime.now(datetime.UTC)
    async with db.session(write=True) as session:
        result = await session.execute(delete(WebSession).where(WebSession.expires_at < moment))
        await session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def run_forever(db: DatabaseConfig) -> None:
    while True:
        with contextlib.suppress(Exception):
            removed = await purge_expired_sessions(db)
            if removed:
                log.info("removed %d expired sessions", removed)
        with contextlib.suppress(Exception):
            removed = await purge_expired_rate_limits(db)
            if removed:
                log.info("removed %d expired rate-limit counts", removed)
        await asyncio.sleep(INTERVAL_SECONDS)
