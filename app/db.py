"""Database engine, session configuration and the declarative base every model shares."""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import os
import time
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from advanced_alchemy.base import IdentityAuditBase, orm_registry
from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from app.alchemy import RequestSessions
from app.settings import Settings

__all__ = [
    "Base",
    "DatabaseConfig",
    "WriterQueue",
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


# glibc's mallopt() parameter numbers (malloc.h).
_M_ARENA_MAX = -8
_M_MMAP_THRESHOLD = -3
MALLOC_ARENAS = 2
# Allocations at least this large get their own mapping, returned to the system when freed.
MMAP_THRESHOLD_BYTES = 128 * 1024


def _mallopt(option: int, value: int, env: str) -> bool:
    if os.environ.get(env) or not (name := ctypes.util.find_library("c")):
        return False
    try:
        return bool(ctypes.CDLL(name).mallopt(option, value))
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to tune
        return False


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap glibc's malloc arenas for this process, as MALLOC_ARENA_MAX would, and keep large blocks out of
    them; True when the cap was applied.

    Every aiosqlite connection runs in its own thread and glibc gives each busy thread its own arena
    (up to 8 per core), which stay mapped with freed memory in them: a worker grew by ~40 MB during a
    checkout burst. Python's own objects live in its arenas anyway, so two malloc arenas cost nothing
    measurable in speed. An explicit MALLOC_ARENA_MAX in the environment wins.

    glibc also raises its mmap threshold (up to 32 MB) each time a mapped block is freed, after which large
    blocks come from the arenas and their memory stays with the process. The search index writer allocates
    and frees such blocks on every delivery: 20 small deliveries kept 6-20 MB, 4 MB with the threshold fixed
    at 128 KB as MALLOC_MMAP_THRESHOLD_ would (which wins when set).
    """
    _mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES, "MALLOC_MMAP_THRESHOLD_")
    return _mallopt(_M_ARENA_MAX, arenas, "MALLOC_ARENA_MAX")


# SQLite connections kept open between requests (each is a thread with its own page cache), and how many more a
# burst may open (closed again when returned). Writers queue in the process (WriterQueue) and two cores serve
# the readers, so a few stay open; the same 15 at most as SQLAlchemy's default, so a burst waits no longer.
SQLITE_POOL_SIZE = 2
SQLITE_POOL_OVERFLOW = 13
SQLITE_CACHE_KIB = 1024


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
    # Each pooled connection keeps its own page cache (2 MB by default); the operating system caches the file
    # for all of them anyway.
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
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
            pool_size=SQLITE_POOL_SIZE,
            max_overflow=SQLITE_POOL_OVERFLOW,
        )
        event.listen(
            engine.sync_engine, "connect", _sqlite_pragmas_for_migrations if for_migrations else _sqlite_pragmas
        )
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    engine = create_async_engine(
        settings.database_url,
        echo=settings.sql_echo,
        pool_size=10,
        max_overflow=20,
    )
    event.listen(engine.sync_engine.pool, "checkin", _note_checkin)
    event.listen(engine.sync_engine.pool, "checkout", _ping_if_idle)
    return engine


# A pooled PostgreSQL connection idle longer than this is checked before use (the server may have restarted
# or dropped it). One in steady use is not: a ping on every checkout cost each request a round trip.
IDLE_PING_S = 10.0


def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info["checked_in"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    if time.monotonic() - record.info.get("checked_in", 0.0) < IDLE_PING_S:
        return
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
    except Exception as exc:  # whatever the driver raises for a dead connection: the pool reconnects
        raise DisconnectionError(str(exc)) from exc


# True while this task (and what it awaits) holds its process's place at the head of the writer queue.
_writing: ContextVar[bool] = ContextVar("writing", default=False)


class WriterQueue:
    """SQLite writers of one process wait here in arrival order (asyncio's lock is first come, first served)
    before `BEGIN IMMEDIATE` takes the database's write lock.

    Without it every writer blocked in SQLite's busy handler, which polls with growing sleeps (up to 100 ms
    each): whoever polled at the right moment won, and a checkout could wait seconds behind later ones (16
    buyers: p99 7.4 s). SQLite has one writer at a time anyway, so lining up costs no throughput; only
    writers of other processes still meet the busy handler, one per process. Reentrant within a task, so a
    write session opened inside a queued request does not wait for itself. PostgreSQL needs no queue.
    """

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        # One lock per event loop: an asyncio lock belongs to the loop it was first awaited in.
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        if not self.enabled or _writing.get():
            yield
            return
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        async with lock:
            token = _writing.set(True)
            try:
                yield
            finally:
                _writing.reset(token)


class DatabaseConfig:
    """Owns the engine and a session factory for code that runs outside a request (CLI, relay)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = make_engine(settings)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        self.writers = WriterQueue(enabled=settings.is_sqlite)

    @asynccontextmanager
    async def session(self, write: bool = False) -> AsyncIterator[AsyncSession]:
        token = write_intent.set(write)
        try:
            if write:
                async with self.writers.turn(), self.sessionmaker() as session:
                    yield session
            else:
                async with self.sessionmaker() as session:
                    yield session
        finally:
            write_intent.reset(token)

    async def dispose(self) -> None:
        await self.engine.dispose()


def make_alchemy_config(db: DatabaseConfig) -> RequestSessions:
    """Request sessions on the app's engine: handlers get `db_session`, committed on 2xx/3xx before the response."""
    return RequestSessions(db.engine)


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
