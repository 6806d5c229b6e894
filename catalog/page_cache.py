"""Storefront pages rendered once per catalog version and served again to anonymous readers.

A shop or product page looks the same to every visitor who is not signed in and has no cart or
message waiting: only the CSRF token differs, and that is put back in on the way out. Such pages are
kept per process, keyed by the cooperative's row, a version read with the cooperative in the same
query (the product outbox, price ceilings, stock thresholds and categories), the hour (ceilings start
at midnight) and the request's path, query and htmx target. Anything that changes a product writes the
outbox in the same transaction, so the next request sees a new version, whichever worker it reaches.
Pages built from search hits also carry what this process's index holds (`view_stamp`): a worker that
reads an index written by another sees a delivered change a moment later, and must not keep the answer
it gave before it did.
"""

from __future__ import annotations

import asyncio
import functools
import html
import logging
import sqlite3
import threading
import time
import weakref
from collections import OrderedDict
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.utils.scope.state import ScopeState
from sqlalchemy import ColumnElement, Select, bindparam, func, make_url, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from app.errors import NotFound
from app.guards import request_engine
from app.i18n import _, get_locale
from app.models import Cooperative
from app.settings import Settings
from catalog.models import Category, PriceCeiling, StockThreshold
from catalog.outbox import ProductOutbox

# Rendered in place of the token and replaced per response; never a token Litestar would make.
TOKEN_MARK = "__pd_csrf_token__"  # noqa: S105 (a placeholder, not a secret)
MAX_ENTRIES = 512
log = logging.getLogger(__name__)


def _count_and_latest(model: Any, *where: ColumnElement[bool]) -> list[Any]:
    """A table's row count and newest change: an insert, an update or a delete all move one of them."""
    return [
        select(func.count()).select_from(model).where(*where).scalar_subquery(),
        select(func.max(model.updated_at)).where(*where).scalar_subquery(),
    ]


def _version_columns() -> list[Any]:
    return [
        select(func.max(ProductOutbox.id)).scalar_subquery(),
        # The search index catches up after the change: a delivered change is a new version too.
        select(func.max(ProductOutbox.processed_at)).scalar_subquery(),
        *_count_and_latest(PriceCeiling),
        *_count_and_latest(StockThreshold, StockThreshold.cooperative_id == Cooperative.id),
        *_count_and_latest(Category),
    ]


@functools.cache
def _version_statement() -> Select[Any]:
    # Built once: building this statement costs more than running it. Plain columns, no ORM object: a
    # page served from the cache needs only the cooperative's id and a fingerprint of its row.
    return select(*Cooperative.__table__.columns, *_version_columns()).where(
        Cooperative.slug == bindparam("slug"), Cooperative.is_active.is_(True)
    )


@functools.cache
def _version_sql() -> str:
    return str(_version_statement().compile(dialect=sqlite.dialect()))


# Per thread: the database file and its reader (a process serves one database; a new one replaces it).
_READERS: dict[int, tuple[str, sqlite3.Connection]] = {}


def _sqlite_version_row(path: str, slug: str) -> tuple[Any, ...] | None:
    """The version row read on this thread's own read-only connection, without leaving the event loop.

    The query takes tens of microseconds; going through the async driver (a pool checkout, a transaction
    and a hop to its thread for each step) took about 1.5 ms, most of a cached page's cost. In WAL mode a
    reader never waits for a writer, and each statement sees everything committed before it began.
    """
    key = threading.get_ident()
    kept = _READERS.get(key)
    if kept is not None and kept[0] == path:
        reader = kept[1]
    else:
        if kept is not None:
            kept[1].close()
        uri = f"file:{quote(path)}?mode=ro"
        reader = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False, timeout=5)
        _READERS[key] = (path, reader)
    try:
        # fetchall steps the statement to its end, so no read snapshot stays open to hold back checkpoints.
        rows = reader.execute(_version_sql(), (slug,)).fetchall()
    except sqlite3.Error:
        # The file was replaced (a restore) or is busy recovering: read it the ordinary way this time.
        _READERS.pop(key, None)
        reader.close()
        raise
    return tuple(rows[0]) if rows else None


_AUTOCOMMIT: weakref.WeakKeyDictionary[AsyncEngine, AsyncEngine] = weakref.WeakKeyDictionary()


async def _server_version_row(engine: AsyncEngine, slug: str) -> tuple[Any, ...] | None:
    """The version row on a pooled connection in autocommit: one round trip, no BEGIN and ROLLBACK around
    it and no ORM session (a database server such as PostgreSQL)."""
    reader = _AUTOCOMMIT.get(engine)
    if reader is None:
        reader = _AUTOCOMMIT[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")
    async with reader.connect() as conn:
        found = (await conn.execute(_version_statement(), {"slug": slug})).first()
    return tuple(found) if found is not None else None


@functools.cache
def _asyncpg_dsn(database_url: str) -> str | None:
    """The driver's own address for a plain PostgreSQL URL; None when the URL carries connection options
    (TLS and the like), which only the engine knows how to pass on."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql" or url.get_driver_name() != "asyncpg" or url.query:
        return None
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@functools.cache
def _asyncpg_sql() -> str:
    # Imported here: only PostgreSQL deployments need it.
    from sqlalchemy.dialects.postgresql import asyncpg as dialect

    return str(_version_statement().compile(dialect=dialect.dialect()))  # type: ignore[no-untyped-call]


# Per event loop and database: a few of the driver's own connections for the version read.
_PG_POOLS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, Any]] = weakref.WeakKeyDictionary()
_PG_LOCKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


async def _asyncpg_version_row(dsn: str, slug: str) -> tuple[Any, ...] | None:
    """The version row straight through asyncpg: a prepared statement on a small pool of its own.

    Through the engine the same read cost about 1.5 ms of the worker's CPU (the pool, the greenlet bridge,
    result processing), most of a kept page's cost; the driver alone needs a fraction of it.
    """
    import asyncpg

    loop = asyncio.get_running_loop()
    pools = _PG_POOLS.setdefault(loop, {})
    pool = pools.get(dsn)
    if pool is None:
        async with _PG_LOCKS.setdefault(loop, asyncio.Lock()):
            pool = pools.get(dsn)
            if pool is None:
                pool = pools[dsn] = await asyncpg.create_pool(dsn, min_size=1, max_size=4)
    try:
        row = await pool.fetchrow(_asyncpg_sql(), slug)
    except Exception:
        pools.pop(dsn, None)
        pool.terminate()
        raise
    return tuple(row.values()) if row is not None else None


async def cooperative_and_version(request: Request[Any, Any, Any], slug: str) -> tuple[int, tuple[Any, ...]]:
    """The id of the active cooperative with this slug (or 404) and the version of what its shop shows.

    One query, and no database session: a page served from the cache costs no transaction. A page that is
    rendered reads the cooperative itself (`app.cooperatives.get_cooperative`).
    """
    settings: Settings | None = request.app.state.get("settings")
    database_url = settings.database_url if settings is not None else ""
    path = settings.sqlite_file if settings is not None else None
    try:
        row = _sqlite_version_row(str(path), slug) if path else await _read_from_server(request, database_url, slug)
    except sqlite3.Error:  # SQLite's own reader failed (a replaced file, a recovery): the engine's way this time
        row = await _server_version_row(request_engine(request), slug)
    if row is None:
        raise NotFound(_("Koperasi tidak ditemukan. Periksa kembali alamatnya."))
    width = len(Cooperative.__table__.columns)
    return int(row[0]), (row[:width], *row[width:], int(time.time() // 3600))


async def _read_from_server(request: Request[Any, Any, Any], database_url: str, slug: str) -> tuple[Any, ...] | None:
    dsn = _asyncpg_dsn(database_url) if database_url else None
    if dsn is not None:
        try:
            return await _asyncpg_version_row(dsn, slug)
        except Exception:  # whatever the driver raises (a restarted server, a refused login): the engine's way
            log.warning("catalog version read through asyncpg failed; reading through the engine", exc_info=True)
    return await _server_version_row(request_engine(request), slug)


def anonymous(request: Request[Any, Any, Any]) -> bool:
    """No session at all: not signed in, no cart, no flash message; the page is the same for all of them."""
    return not request.scope.get("session")


def request_key(request: Request[Any, Any, Any]) -> tuple[str, ...]:
    headers = request.headers
    return (
        get_locale(),
        request.scope["path"],
        request.scope.get("query_string", b"").decode("latin-1"),
        headers.get("hx-request", ""),
        headers.get("hx-target", ""),
        headers.get("hx-boosted", ""),
        headers.get("hx-history-restore-request", ""),
    )


class PageCache:
    """A small least-recently-used map of rendered pages (or API answers), one per process."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._pages: OrderedDict[tuple[Any, ...], Any] = OrderedDict()

    def get(self, key: tuple[Any, ...]) -> Any:
        page = self._pages.get(key)
        if page is not None:
            self._pages.move_to_end(key)
        return page

    def put(self, key: tuple[Any, ...], page: Any) -> None:
        self._pages[key] = page
        self._pages.move_to_end(key)
        while len(self._pages) > self.max_entries:
            self._pages.popitem(last=False)

    def clear(self) -> None:
        self._pages.clear()


PAGES = PageCache()


def token_context() -> dict[str, Any]:
    """Template context that renders the mark where the request's CSRF token goes."""
    return {
        "csrf_input": f'<input type="hidden" name="_csrf_token" value="{TOKEN_MARK}" />',
        "csrf_token": lambda: TOKEN_MARK,
    }


def prepare(page: str) -> tuple[bytes, ...]:
    """A rendered page kept as encoded pieces around the token's places, joined per response."""
    return tuple(part.encode() for part in page.split(TOKEN_MARK))


def respond(request: Request[Any, Any, Any], page: tuple[bytes, ...]) -> Response[bytes]:
    token = ScopeState.from_scope(request.scope).csrf_token
    token = html.escape(token if isinstance(token, str) else "")
    return Response(
        content=token.encode().join(page),
        media_type="text/html",
        headers={"Vary": "HX-Request, Accept-Language, Cookie"},
    )
