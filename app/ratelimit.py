"""Rate limits counted in the database, so every worker and machine shares one count per key."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy import BigInteger, Column, Integer, String, Table, case, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import DatabaseConfig, metadata
from app.errors import DomainError
from app.i18n import N_, _, n_

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
                raise RateLimited(retry_after(window))
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


# -- limits where account abuse starts ------------------------------------------------------------

TOO_MANY = N_("Terlalu banyak percobaan dari sini. Tunggu %(wait)s lalu coba lagi.")


@dataclass(frozen=True)
class Limit:
    """At most `limit` attempts of one kind by one "who" (a client address, a phone, an account) per window."""

    kind: str
    limit: int
    window: int

    def key(self, who: object) -> str:
        return f"{self.kind}:{who}"


class RateLimited(DomainError):
    """429 with Retry-After; the API body carries `retry_after` (seconds) too."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__(_(TOO_MANY, wait=_wait_text(retry_after)), retry_after=retry_after)
        self.retry_after = retry_after


def _wait_text(seconds: int) -> str:
    minutes = -(-seconds // 60)
    if seconds < 60:
        return n_("%(n)s detik", "%(n)s detik", seconds, n=seconds)
    return n_("%(n)s menit", "%(n)s menit", minutes, n=minutes)


def retry_after(window: int, now: float | None = None) -> int:
    """Seconds until the current fixed window ends."""
    moment = int(time.time() if now is None else now)
    return window - moment % window


# Account limits (ACCOUNT_RATE_LIMIT sets the per-address ones; phone and account ones are fixed).
# Per address, generous: many villagers share one mobile carrier's address (CGNAT).
SIGNUP_PER_ADDRESS = "signup"
PASSWORD_LINK_PER_ADDRESS = "password-link"  # noqa: S105 - a limit name
INVITATION_PER_ADDRESS = "invitation"
ACCOUNT_WINDOW_SECONDS = 600
# One number is signed up for once; a few retries (a typo in the name) are fine, a probe is not.
SIGNUP_PER_PHONE = Limit("signup-phone", 5, 3600)
# Typing a NIK wrong a few times is normal; trying many is looking for whose NIK is registered.
NIK_PER_ACCOUNT = Limit("nik", 5, 24 * 3600)
ACCOUNT_PATHS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    (SIGNUP_PER_ADDRESS, lambda path: path == "/daftar"),
    (
        PASSWORD_LINK_PER_ADDRESS,
        lambda path: path.startswith("/atur-sandi/") or path == "/api/auth/password-setup",
    ),
    (INVITATION_PER_ADDRESS, lambda path: path.startswith("/undangan/") or path.startswith("/api/invitations/")),
)


async def check(session: AsyncSession, limit: Limit, who: object) -> None:
    """Count one attempt in the caller's transaction; RateLimited once the window is full."""
    if not await hit(session, limit.key(who), limit.limit, limit.window):
        raise RateLimited(retry_after(limit.window))


def account_throttle(limiter: Limiter, attempts: int) -> Callable[[ASGIApp], ASGIApp]:
    """Sign-up, password-link use and invitation acceptance: `attempts` POSTs per client address per 10 minutes."""

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if str(scope["type"]) == "http" and scope.get("method") == "POST":
                path = str(scope.get("path", ""))
                for kind, applies in ACCOUNT_PATHS:
                    if applies(path):
                        key = Limit(kind, attempts, ACCOUNT_WINDOW_SECONDS).key(_client(scope))
                        if not await limiter.hit(key, attempts, ACCOUNT_WINDOW_SECONDS):
                            raise RateLimited(retry_after(ACCOUNT_WINDOW_SECONDS))
                        break
            await app(scope, receive, send)

        return middleware

    return factory
