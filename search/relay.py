"""The outbox relay and the search engine's life in one app process: start, deliver, rebuild, stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import filelock
from sqlalchemy import func, select, text, update

from app.db import DatabaseConfig
from app.meta import instance_id
from app.settings import Settings
from search import create_engine
from search.engine import EngineError, EngineUnavailable, SearchEngine
from search.models import SearchOutbox
from search.services import SearchService, all_documents, documents_for, utcnow
from search.synonyms import SYNONYMS_FILE, load_synonyms

log = logging.getLogger("pasardesa.search.relay")

BATCH = 500
IDLE_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0
# Any constant: the PostgreSQL advisory lock that makes one worker the relay.
RELAY_LOCK_KEY = 7_310_221
REINDEX = "reindex"


class DeliveryFailed(Exception):
    """The engine did not confirm a batch; its rows stay pending and will be retried."""


class SearchRuntime:
    """One per app process. The process that owns the relay writes to the engine; others only read."""

    def __init__(self, settings: Settings, db: DatabaseConfig) -> None:
        self.settings = settings
        self.db = db
        self.engine: SearchEngine | None = None
        self.service = SearchService(None)
        self.owner = False
        self.failures = 0
        self.rebuilds = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._wake = asyncio.Event()
        self._relay_conn: Any = None
        self._file_lock: filelock.FileLock | None = None

    # -- life -------------------------------------------------------------------------------

    async def start(self, *, background: bool = True) -> None:
        synonyms = load_synonyms(SYNONYMS_FILE)
        async with self.db.session() as session:
            source = await instance_id(session)
        engine = self._make_engine(synonyms, writer=True, source=source)
        try:
            await engine.ensure_settings()
        except EngineError:
            # Another process holds the embedded index's writer: this one only reads.
            engine = self._make_engine(synonyms, writer=False, source=source)
            with contextlib.suppress(EngineUnavailable):
                await engine.ensure_settings()
        except EngineUnavailable as exc:
            log.warning("search engine not reachable at start-up, shop uses the database: %s", exc)
        self.engine = engine
        self.service = SearchService(engine)
        self.owner = await self._claim_relay()
        rebuild = self._needs_rebuild()
        if rebuild:
            self.service.ready = False
        if self.owner:
            if rebuild:
                await self.reindex()
            if background:
                self._tasks.append(asyncio.create_task(self._relay_loop(), name="search-relay"))
        elif rebuild and background:
            self._tasks.append(asyncio.create_task(self._wait_for_index(), name="search-wait-index"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        if self.engine is not None:
            with contextlib.suppress(Exception):
                await self.engine.close()
        if self._relay_conn is not None:
            with contextlib.suppress(Exception):
                await self._relay_conn.close()
            self._relay_conn = None
        if self._file_lock is not None and self._file_lock.is_locked:
            self._file_lock.release()

    def wake(self) -> None:
        self._wake.set()

    # -- delivery ---------------------------------------------------------------------------

    async def drain_once(self, limit: int = BATCH) -> int:
        """Deliver one batch of pending outbox rows; mark them done only after the engine confirmed."""
        if self.engine is None:
            return 0
        async with self.db.session() as session:
            rows = (
                await session.execute(
                    select(SearchOutbox.id, SearchOutbox.product_id, SearchOutbox.op)
                    .where(SearchOutbox.processed_at.is_(None))
                    .order_by(SearchOutbox.id)
                    .limit(limit)
                )
            ).all()
            if not rows:
                return 0
            wants_reindex = any(op == REINDEX for _, _, op in rows)
            product_ids = list(dict.fromkeys(pid for _, pid, op in rows if op != REINDEX))
            docs = await documents_for(session, product_ids)
        row_ids = [row_id for row_id, _, _ in rows]
        try:
            if wants_reindex:
                await self.reindex()
            if docs:
                await self.engine.upsert(list(docs.values()))
            gone = [pid for pid in product_ids if pid not in docs]
            if gone:
                await self.engine.delete(gone)
        except (EngineUnavailable, EngineError) as exc:
            async with self.db.session(write=True) as session:
                await session.execute(
                    update(SearchOutbox)
                    .where(SearchOutbox.id.in_(row_ids))
                    .values(attempts=SearchOutbox.attempts + 1, last_error=str(exc)[:500])
                )
                await session.commit()
            raise DeliveryFailed(str(exc)) from exc
        async with self.db.session(write=True) as session:
            await session.execute(
                update(SearchOutbox).where(SearchOutbox.id.in_(row_ids)).values(processed_at=utcnow())
            )
            await session.commit()
        return len(rows)

    async def drain(self) -> int:
        """Deliver until nothing is pending (tests and the CLI)."""
        total = 0
        while delivered := await self.drain_once():
            total += delivered
        return total

    async def pending(self) -> int:
        async with self.db.session() as session:
            count = await session.scalar(
                select(func.count()).select_from(SearchOutbox).where(SearchOutbox.processed_at.is_(None))
            )
            return int(count or 0)

    async def reindex(self) -> None:
        """Rebuild the whole index from the database with zero downtime, then catch up."""
        assert self.engine is not None
        async with self.db.session() as session:
            start_id = int(await session.scalar(select(func.coalesce(func.max(SearchOutbox.id), 0))) or 0)
        async with self.db.session() as session:
            await self.engine.rebuild(all_documents(session))
        async with self.db.session(write=True) as session:
            # Everything committed before the rebuild read the database is in the new index.
            await session.execute(
                update(SearchOutbox)
                .where(SearchOutbox.id <= start_id, SearchOutbox.processed_at.is_(None))
                .values(processed_at=utcnow())
            )
            # Changes committed while the new index was built may have reached only the old one:
            # deliver them again to the new index.
            await session.execute(
                update(SearchOutbox)
                .where(SearchOutbox.id > start_id, SearchOutbox.op != REINDEX)
                .values(processed_at=None)
            )
            await session.commit()
        self.rebuilds += 1
        self.service.ready = True
        log.info("search index rebuilt from the database")

    async def _relay_loop(self) -> None:
        while True:
            try:
                delivered = await self.drain_once()
                self.failures = 0
                if delivered:
                    continue
            except DeliveryFailed as exc:
                self.failures += 1
                delay = min(MAX_BACKOFF_SECONDS, 0.5 * 2**self.failures)
                log.warning("search delivery failed (%s); retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                continue
            except Exception:
                log.exception("search relay error")
                await asyncio.sleep(MAX_BACKOFF_SECONDS / 6)
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=IDLE_SECONDS)

    async def _wait_for_index(self) -> None:
        while self._needs_rebuild():  # noqa: ASYNC110 - the writer is another process: nothing to await
            await asyncio.sleep(2)
        reload = getattr(self.engine, "reload", None)
        if callable(reload):
            await asyncio.to_thread(reload)
        self.service.ready = True

    # -- helpers ----------------------------------------------------------------------------

    def _make_engine(self, synonyms: dict[str, list[str]], *, writer: bool, source: str) -> SearchEngine:
        return create_engine(
            meili_url=self.settings.meili_url,
            meili_api_key=self.settings.meili_api_key,
            index_dir=self.settings.search_index_dir,
            synonyms=synonyms,
            writer=writer,
            source_id=source,
        )

    def _needs_rebuild(self) -> bool:
        check = getattr(self.engine, "needs_rebuild", None)
        return bool(check()) if callable(check) else False

    async def _claim_relay(self) -> bool:
        if self.engine is None:
            return False
        holds_writer = getattr(self.engine, "holds_writer", None)
        if holds_writer is not None:
            return bool(holds_writer)
        if not self.settings.is_sqlite:
            conn = await self.db.engine.connect()
            got = await conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": RELAY_LOCK_KEY})
            if got:
                self._relay_conn = conn
                return True
            await conn.close()
            return False
        self.settings.var_dir.mkdir(parents=True, exist_ok=True)
        self._file_lock = filelock.FileLock(str(self.settings.var_dir / "search-relay.lock"), timeout=0)
        try:
            self._file_lock.acquire()
        except filelock.Timeout:
            return False
        return True


async def request_reindex(db: DatabaseConfig) -> None:
    """Ask the running app's relay to rebuild the index (used when another process owns it)."""
    async with db.session(write=True) as session:
        session.add(SearchOutbox(product_id=0, op=REINDEX, attempts=0))
        await session.commit()
