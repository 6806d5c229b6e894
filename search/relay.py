"""The outbox relay and the search engine's life in one app process: start, deliver, rebuild, stop."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import os
import socket
import time
import uuid
from collections.abc import Sequence

from app.db import DatabaseConfig
from app.meta import instance_id
from app.settings import Settings
from catalog.outbox import REINDEX, ProductOutbox
from search import create_engine, delivery
from search.documents import SearchDocument
from search.engine import EngineError, EngineUnavailable, SearchEngine
from search.services import SearchService, all_documents, documents_for
from search.synonyms import SYNONYMS_FILE, Synonyms, load_synonyms

log = logging.getLogger("pasardesa.search.relay")

BATCH = 500
IDLE_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0
RETENTION_EVERY_SECONDS = 3600.0
# Relays on other machines stamp rows with their own clocks: a rebuild looks this far back.
CLOCK_MARGIN = datetime.timedelta(minutes=1)
# How often a delivery is sent again because the product changed while it was on its way.
MAX_RESENDS = 3


class DeliveryFailed(Exception):
    """The engine could not be reached; the claimed rows go back to the outbox and will be retried."""


def relay_name() -> str:
    """Who holds a lease, for people reading the table: host, process and a random suffix."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class SearchRuntime:
    """One per app process. Every process whose engine can write runs a relay; leases share the work."""

    def __init__(self, settings: Settings, db: DatabaseConfig) -> None:
        self.settings = settings
        self.db = db
        self.engine: SearchEngine | None = None
        self.service = SearchService(None)
        self.owner = False
        self.name = relay_name()
        self.failures = 0
        self.rebuilds = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._purged_at = 0.0

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
        # The embedded index has one writer process; a shared engine (Meilisearch) takes every relay.
        holds_writer = getattr(engine, "holds_writer", None)
        self.owner = bool(holds_writer) if holds_writer is not None else True
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

    # -- delivery ---------------------------------------------------------------------------

    async def drain_once(self, limit: int = BATCH) -> int:
        """Claim one batch and deliver it; returns how many rows were handled (delivered or refused)."""
        if self.engine is None:
            return 0
        now = delivery.utcnow()
        async with self.db.session() as session:
            if not await delivery.has_work(session, now):
                return 0
        async with self.db.session(write=True) as session:
            rows = await delivery.claim(session, self.name, now, limit)
            await session.commit()
        if not rows:
            return 0
        try:
            if any(row.op == REINDEX for row in rows):
                # The rebuild covers every row pending when it starts, this batch included.
                await self.reindex()
            else:
                await self._deliver(rows)
        except EngineUnavailable as exc:
            async with self.db.session(write=True) as session:
                await delivery.release(session, [row.id for row in rows], str(exc))
                await session.commit()
            raise DeliveryFailed(str(exc)) from exc
        except EngineError as exc:
            # Only a rebuild gets here (_deliver deals with refusals itself): the request backs off.
            log.warning("search index rebuild refused: %s", exc)
            async with self.db.session(write=True) as session:
                await delivery.refuse(session, [row.id for row in rows if row.op == REINDEX], str(exc), now)
                await delivery.release(session, [row.id for row in rows if row.op != REINDEX], str(exc))
                await session.commit()
        return len(rows)

    async def _deliver(self, rows: Sequence[delivery.Claimed]) -> None:
        rows_of: dict[int, list[int]] = {}
        for row in rows:
            rows_of.setdefault(row.product_id, []).append(row.id)
        read_at = delivery.utcnow()
        async with self.db.session() as session:
            docs = await documents_for(session, list(rows_of))
        refused = await self._send_split(list(rows_of), docs)
        delivered = [pid for pid in rows_of if pid not in refused]
        await self._resend_changed(delivered, docs)
        now = delivery.utcnow()
        async with self.db.session(write=True) as session:
            await delivery.complete(session, [i for pid in delivered for i in rows_of[pid]], self.name, now)
            await delivery.settle_parked(session, delivered, read_at, now)
            parked = 0
            for pid, error in refused.items():
                parked += await delivery.refuse(session, rows_of[pid], error, now)
            await session.commit()
        if refused:
            log.warning(
                "search engine refused %d product(s) (%d parked), e.g. %s",
                len(refused),
                parked,
                next(iter(refused.values())),
            )

    async def _send_split(self, product_ids: list[int], docs: dict[int, SearchDocument]) -> dict[int, str]:
        """Send these products; a refused batch is halved until the refused products are alone.

        Returns the refused products with the engine's message. EngineUnavailable propagates.
        """
        try:
            await self._send(product_ids, docs)
            return {}
        except EngineError as exc:
            if len(product_ids) == 1:
                return {product_ids[0]: str(exc)}
        half = len(product_ids) // 2
        refused = await self._send_split(product_ids[:half], docs)
        refused.update(await self._send_split(product_ids[half:], docs))
        return refused

    async def _send(self, product_ids: Sequence[int], docs: dict[int, SearchDocument]) -> None:
        assert self.engine is not None
        upserts = [docs[pid] for pid in product_ids if pid in docs]
        gone = [pid for pid in product_ids if pid not in docs]
        if upserts:
            await self.engine.upsert(upserts)
        if gone:
            await self.engine.delete(gone)

    async def _resend_changed(self, product_ids: list[int], sent: dict[int, SearchDocument]) -> None:
        """Read the products again after delivery and send what changed meanwhile.

        Two relays may deliver the same product from different outbox rows; the one that read the
        database first could confirm last and leave an old document in the index. Checking after
        one's own confirmation means the last writer always leaves what the database holds.
        """
        for _ in range(MAX_RESENDS):
            if not product_ids:
                return
            async with self.db.session() as session:
                current = await documents_for(session, product_ids)
            changed = [pid for pid in product_ids if current.get(pid) != sent.get(pid)]
            if not changed:
                return
            refused = await self._send_split(changed, current)
            product_ids = [pid for pid in changed if pid not in refused]
            sent = current

    async def drain(self) -> int:
        """Deliver until nothing is claimable (tests and the CLI)."""
        total = 0
        while delivered := await self.drain_once():
            total += delivered
        return total

    async def pending(self) -> int:
        """Changes not yet in the index, parked ones excluded."""
        async with self.db.session() as session:
            return await delivery.undelivered_count(session)

    async def reindex(self) -> None:
        """Rebuild the whole index from the database with zero downtime, then catch up."""
        assert self.engine is not None
        started = delivery.utcnow() - CLOCK_MARGIN
        async with self.db.session() as session:
            seen = await delivery.pending_ids(session)
        async with self.db.session() as session:
            await self.engine.rebuild(all_documents(session))
        async with self.db.session(write=True) as session:
            await delivery.finish_rebuild(session, seen, started, delivery.utcnow())
            await session.commit()
        self.rebuilds += 1
        self.service.ready = True
        log.info("search index rebuilt from the database")

    async def purge(self) -> int:
        """Delete processed rows older than the retention, in short transactions."""
        total = 0
        while True:
            async with self.db.session(write=True) as session:
                deleted = await delivery.purge_processed(session, delivery.utcnow())
                await session.commit()
            total += deleted
            if deleted < delivery.DELETE_CHUNK:
                return total

    async def _relay_loop(self) -> None:
        while True:
            try:
                delivered = await self.drain_once()
                self.failures = 0
                await self._purge_now_and_then()
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
            await asyncio.sleep(IDLE_SECONDS)

    async def _purge_now_and_then(self) -> None:
        if time.monotonic() - self._purged_at < RETENTION_EVERY_SECONDS and self._purged_at:
            return
        self._purged_at = time.monotonic()
        deleted = await self.purge()
        if deleted:
            log.info("deleted %d search outbox rows older than %s", deleted, delivery.RETENTION)

    async def _wait_for_index(self) -> None:
        said: str | None = None
        while True:
            try:
                reason = self._rebuild_reason()
            except Exception as exc:  # keep waiting: the shop answers from the database meanwhile
                reason = f"unreadable: {exc}"
            if reason is None:
                break
            if reason != said:
                log.info("waiting for the writer process to build the search index (%s)", reason)
                said = reason
            await asyncio.sleep(2)  # the writer is another process: nothing to await
        reload = getattr(self.engine, "reload", None)
        if callable(reload):
            await asyncio.to_thread(reload)
        self.service.ready = True

    # -- helpers ----------------------------------------------------------------------------

    def _make_engine(self, synonyms: Synonyms, *, writer: bool, source: str) -> SearchEngine:
        return create_engine(
            meili_url=self.settings.meili_url,
            meili_api_key=self.settings.meili_api_key,
            index_dir=self.settings.search_index_dir,
            synonyms=synonyms,
            writer=writer,
            source_id=source,
        )

    def _needs_rebuild(self) -> bool:
        return self._rebuild_reason() is not None

    def _rebuild_reason(self) -> str | None:
        check = getattr(self.engine, "rebuild_reason", None)
        return check() if callable(check) else None


async def request_reindex(db: DatabaseConfig) -> None:
    """Ask the running app's relay to rebuild the index (used when another process owns it)."""
    async with db.session(write=True) as session:
        session.add(ProductOutbox(product_id=0, op=REINDEX, attempts=0))
        await session.commit()


async def retry_parked(db: DatabaseConfig) -> int:
    """Give every parked change new attempts; `app.cli reindex` calls this before it rebuilds."""
    async with db.session(write=True) as session:
        count = await delivery.retry_parked(session)
        await session.commit()
    return count


async def rebuild_index(settings: Settings) -> str:
    """Rebuild the search index here if no running app owns it; otherwise ask the app to do it."""
    db = DatabaseConfig(settings)
    runtime = SearchRuntime(settings, db)
    retried = await retry_parked(db)
    retried_note = f" {retried} perubahan yang gagal dicoba lagi." if retried else ""  # i18n: not shown (CLI)
    try:
        await runtime.start(background=False)
        if not runtime.owner:
            await request_reindex(db)
            owned = "Aplikasi yang sedang berjalan memegang indeks; bangun ulang sudah diminta."  # i18n: not shown
            return owned + retried_note
        if not runtime.rebuilds:  # start() rebuilds by itself when the index was missing or stale
            await runtime.reindex()
        delivered = await runtime.drain()
        return f"Indeks pencarian dibangun ulang ({delivered} perubahan susulan dikirim).{retried_note}"
    finally:
        await runtime.stop()
        await db.dispose()
