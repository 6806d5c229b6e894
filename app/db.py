"""Database engine, session configuration and the declarative base every model shares."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from advanced_alchemy.base import IdentityAuditBase, orm_registry
from advanced_alchemy.extensions.litestar import (
    AsyncSessionConfig,
    EngineConfig,
    SQLAlchemyAsyncConfig,
)
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from app.settings import Settings

__all__ = [
    "Base",
    "DatabaseConfig",
    "flush_or_raise",
    "limit_malloc_arenas",
    "make_alchemy_config",
    "make_engine",
    "metadata",
    "roll_back",
    "write_intent",
]

Base = IdentityAuditBase
metadata = orm_registry.metadata


# glibc's mallopt() parameter number for the arena cap (malloc.h).
_M_ARENA_MAX = -8
MALLOC_ARENAS = 2


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap glibc's malloc arenas for this process, as MALLOC_ARENA_MAX would; True when applied.

    Every aiosqlite connection runs in its own thread and glibc gives each busy thread its own arena
    (up to 8 per core), which stay mapped with freed memory in them: a worker grew by ~40 MB during a
    checkout burst. Python's own objects live in its arenas anyway, so two malloc arenas cost nothing
    measurable in speed. An explicit MALLOC_ARENA_MAX in the environment wins.
    """
    if os.environ.get("MALLOC_ARENA_MAX") or not (name := ctypes.util.find_library("c")):
        return False
    try:
        return bool(ctypes.CDLL(name).mallopt(_M_ARENA_MAX, arenas))
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to cap
        return False


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL + a long busy timeout: concurrent checkouts wait for the writer instead of failing
    # with "database is locked" (GOTCHAS: 53-59 of 64 failed without it).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    # FULL: an order acknowledged to the buyer survives a power cut, common in villages. NORMAL in
    # WAL mode keeps the database intact but can lose the last commits.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_pragmas_for_migrations(dbapi_connection: Any, record: Any) -> None:
    # Alembic's batch mode rebuilds a SQLite table by copying it and dropping the original. With
    # foreign keys enforced, that DROP cascades: rebuilding `cooperative` deleted every product.
    # Migrations therefore run with enforcement off and check the keys afterwards (migrations/env.py).
    _sqlite_pragmas(dbapi_connection, record)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=OFF")
    cursor.close()


# Set for the duration of an unsafe HTTP request (see app.asgi) or a CLI/relay write.
write_intent: ContextVar[bool] = ContextVar("write_intent", default=False)


def _sqlite_begin(conn: Any) -> None:
    # A deferred transaction that reads and then writes fails at once with SQLITE_BUSY when another
    # writer committed in between (the busy timeout does not cover lock upgrades). Writers therefore
    # take the write lock when they begin and queue behind each other; page views stay deferred so
    # readers never wait for writers (WAL).
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")


def make_engine(settings: Settings, *, for_migrations: bool = False) -> AsyncEngine:
    if settings.is_sqlite:
        settings.var_dir.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            settings.database_url,
            echo=settings.sql_echo,
            connect_args={"timeout": 30, "isolation_level": None},
        )
        event.listen(
            engine.sync_engine, "connect", _sqlite_pragmas_for_migrations if for_migrations else _sqlite_pragmas
        )
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    return create_async_engine(
        settings.database_url,
        echo=settings.sql_echo,
        pool_size=10,
        max_overflow=20,
        pool_pre_ping=True,
    )


class DatabaseConfig:
    """Owns the engine and a session factory for code that runs outside a request (CLI, relay)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = make_engine(settings)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def session(self, write: bool = False) -> AsyncIterator[AsyncSession]:
        token = write_intent.set(write)
        try:
            async with self.sessionmaker() as session:
                yield session
        finally:
            write_intent.reset(token)

    async def dispose(self) -> None:
        await self.engine.dispose()


def make_alchemy_config(db: DatabaseConfig) -> SQLAlchemyAsyncConfig:
    return SQLAlchemyAsyncConfig(
        engine_instance=db.engine,
        session_config=AsyncSessionConfig(expire_on_commit=False),
        engine_config=EngineConfig(),
        before_send_handler="autocommit_include_redirects",
        session_dependency_key="db_session",
        create_all=False,
        metadata=metadata,
    )


async def roll_back(session: AsyncSession, *keep: object) -> None:
    """Undo the request's changes so far, and reload `keep` so an error page can still show them.

    A rollback expires every loaded object; with an async session, touching one afterwards would
    try to load it lazily and fail, so the page re-renders from freshly loaded rows instead.
    """
    await session.rollback()
    for obj in keep:
        await session.refresh(obj)


async def flush_or_raise(session: AsyncSession, error: Exception, *new: object) -> None:
    """Add `new` and flush in a savepoint; a unique-key clash (a twin written at the same moment) raises `error`.

    The savepoint keeps the request's transaction usable after the clash.
    """
    try:
        async with session.begin_nested():
            session.add_all(new)
            await session.flush()
    except IntegrityError:
        raise error from None
