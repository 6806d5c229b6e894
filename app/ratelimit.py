"""Rate limits counted in the database, so every worker and machine shares one count per key."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from litestar.exceptions import TooManyRequestsException
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy import BigInteger, Column, Integer, String, Table, case, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import DatabaseConfig, metadata

rate_limit = Table(
    "rate_limit",
    metadata,
    # "<what>:<who>", e.g. "login:203.0.113.9" or "signup-phone:+628123...".
    Column("key", String(200), primary_key=True),
    # Unix seconds: the fixed window this count belongs to, and when the row may be purged.
    Column("window_start", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False, index=True),
    Column("hits", Integer, nullable=False),
)

LOGIN_PATHS = frozenset({"/masuk", "/api/auth/login"})
LOGIN_WINDOW_SECONDS = 60


async def hit(session: AsyncSession, key: str, limit: int, window_seconds: int, *, now: float | None = None) -> bool:
    """Count one attempt for `key`; True while the window holds at most `limit` attempts.

    One conditional upsert: the first attempt in a window starts the count at 1, later ones add 1,
    atomically on both databases. The caller commits (and may count in its own transaction).
    """
    moment = int(time.time() if now is None else now)
    start = moment - moment % window_seconds
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(rate_limit).values(
        key=key[:200], window_start=start, expires_at=start + window_seconds, hits=1
    )
    same_window = rate_limit.c.window_start == insert.excluded.window_start
    statement = insert.on_conflict_do_update(
        index_elements=[rate_limit.c.key],
        set_={
            "hits": case((same_window, rate_limit.c.hits + 1), else_=1),
            "window_start": insert.excluded.window_start,
            "expires_at": insert.excluded.expires_at,
        },
    ).returning(rate_limit.c.hits)
    hits = int((await session.execute(statement)).scalar_one())
    return hits <= limit


async def purge_expired(db: DatabaseConfig, now: float | None = None) -> int:
    """Delete counts whose window is over; returns how many went."""
    moment = int(time.time() if now is None else now)
    async with db.session(write=True) as session:
        result = await session.execute(delete(rate_limit).where(rate_limit.c.expires_at < moment))
        await session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


class Limiter:
    """Counts attempts in their own short transaction, committed at once: a request that fails
    afterwards (a wrong password) still counts."""

    def __init__(self, db: DatabaseConfig) -> None:
        self.db = db

    async def hit(self, key: str, limit: int, window_seconds: int) -> bool:
        async with self.db.session(write=True) as session:
            allowed = await hit(session, key, limit, window_seconds)
            await session.commit()
        return allowed


def throttle_middleware(
    limiter: Limiter, limit: int, *, applies: Callable[[Scope], bool], key: Callable[[Scope], str], window: int
) -> Callable[[ASGIApp], ASGIApp]:
    """An ASGI middleware that answers 429 once `key(scope)` made more than `limit` requests in `window` s."""

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if str(scope["type"]) == "http" and applies(scope) and not await limiter.hit(key(scope), limit, window):
                raise TooManyRequestsException("Terlalu banyak percobaan. Tunggu sebentar lalu coba lagi.")
            await app(scope, receive, send)

        return middleware

    return factory


def _client(scope: Scope) -> str:
    client: Any = scope.get("client")
    return str(client[0]) if client else "unknown"


def login_throttle(limiter: Limiter, attempts_per_minute: int) -> Callable[[ASGIApp], ASGIApp]:
    """Guessing passwords: LOGIN_RATE_LIMIT attempts a minute from one client address, then 429."""
    return throttle_middleware(
        limiter,
        attempts_per_minute,
        applies=lambda scope: scope.get("method") == "POST" and scope.get("path") in LOGIN_PATHS,
        key=lambda scope: f"login:{_client(scope)}",
        window=LOGIN_WINDOW_SECONDS,
    )
