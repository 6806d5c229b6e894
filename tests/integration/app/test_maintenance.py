"""Expired sessions leave the database; live ones stay."""

from __future__ import annotations

import datetime

from sqlalchemy import select

from app.db import DatabaseConfig
from app.maintenance import purge_expired_sessions
from app.models import WebSession
from app.settings import Settings


async def test_expired_sessions_are_purged(quiet_settings: Settings) -> None:
    db = DatabaseConfig(quiet_settings)
    now = datetime.datetime.now(datetime.UTC)
    try:
        async with db.session(write=True) as session:
            session.add(
                WebSession(key="lama", namespace="sessions", value=b"{}", expires_at=now - datetime.timedelta(days=1))
            )
            session.add(
                WebSession(key="baru", namespace="sessions", value=b"{}", expires_at=now + datetime.timedelta(days=1))
            )
            await session.commit()
        assert await purge_expired_sessions(db, now) >= 1
        async with db.session() as session:
            keys = set((await session.scalars(select(WebSession.key))).all())
        assert "lama" not in keys
        assert "baru" in keys
    finally:
        await db.dispose()
