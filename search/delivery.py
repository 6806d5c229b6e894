"""The relays' side of catalog's outbox: claiming rows, recording outcomes, retention, lag and parked rows."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.outbox import REINDEX, ProductOutbox

Row = ProductOutbox

# A lease outlives any batch (engine calls time out after seconds); a crashed relay's rows wait this long.
LEASE = datetime.timedelta(minutes=2)
REBUILD_LEASE = datetime.timedelta(hours=1)
# Refusals before a change is parked for an operator. The back-off adds up to about a minute, well
# under LAG_LIMIT, so one bad product never sends the whole shop to the database search.
MAX_ATTEMPTS = 5
BACKOFF_BASE = datetime.timedelta(seconds=5)
BACKOFF_CAP = datetime.timedelta(minutes=5)
RETENTION = datetime.timedelta(days=7)
DELETE_CHUNK = 5_000
# Parameter lists stay well under SQLite's and asyncpg's limits.
ID_CHUNK = 1_000
ERROR_LENGTH = 500


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    product_id: int
    op: str


@dataclass(frozen=True, slots=True)
class ParkedChange:
    product_id: int
    failed_at: datetime.datetime
    attempts: int
    last_error: str


@dataclass(frozen=True, slots=True)
class Parked:
    """Changes the engine kept refusing, for operators: how many, and the latest few."""

    count: int
    latest: list[ParkedChange]


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _chunks(ids: Sequence[int]) -> list[Sequence[int]]:
    return [ids[i : i + ID_CHUNK] for i in range(0, len(ids), ID_CHUNK)]


def _undelivered() -> ColumnElement[bool]:
    return and_(Row.processed_at.is_(None), Row.failed_at.is_(None))


def _claimable(now: datetime.datetime) -> ColumnElement[bool]:
    return and_(
        _undelivered(),
        or_(Row.next_attempt_at.is_(None), Row.next_attempt_at <= now),
        or_(Row.claimed_until.is_(None), Row.claimed_until < now),
    )


async def has_work(session: AsyncSession, now: datetime.datetime) -> bool:
    """A read-only look first, so an idle relay never takes SQLite's write lock."""
    return await session.scalar(select(Row.id).where(_claimable(now)).limit(1)) is not None


async def claim(session: AsyncSession, relay: str, now: datetime.datetime, limit: int) -> list[Claimed]:
    """Lease up to `limit` deliverable rows to `relay`, oldest first. The caller commits.

    PostgreSQL skips rows another relay is claiming at this moment instead of waiting for it; SQLite
    queues writers anyway, and the conditional UPDATE takes only rows that are still free.
    """
    candidates = select(Row.id).where(_claimable(now)).order_by(Row.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list((await session.scalars(candidates)).all())
    if not ids:
        return []
    lease_end = case((Row.op == REINDEX, now + REBUILD_LEASE), else_=now + LEASE)
    result = await session.execute(
        update(Row)
        .where(Row.id.in_(ids), _claimable(now))
        .values(claimed_by=relay, claimed_until=lease_end)
        .returning(Row.id, Row.product_id, Row.op)
    )
    return sorted((Claimed(*row) for row in result.all()), key=lambda c: c.id)


async def complete(session: AsyncSession, ids: Sequence[int], relay: str, now: datetime.datetime) -> None:
    """Mark delivered the rows `relay` still holds; a row whose lease was withdrawn is delivered again later."""
    for chunk in _chunks(ids):
        await session.execute(
            update(Row)
            .where(Row.id.in_(chunk), Row.processed_at.is_(None), Row.claimed_by == relay)
            .values(processed_at=now, claimed_until=None)
        )


async def settle_parked(
    session: AsyncSession, product_ids: Sequence[int], read_at: datetime.datetime, now: datetime.datetime
) -> None:
    """The index now holds what these products were at `read_at`: older parked changes are moot."""
    for chunk in _chunks(product_ids):
        await session.execute(
            update(Row)
            .where(Row.product_id.in_(chunk), Row.processed_at.is_(None), Row.failed_at <= read_at)
            .values(processed_at=now)
        )


async def release(session: AsyncSession, ids: Sequence[int], error: str) -> None:
    """The engine could not be reached: hand the rows back without counting it against them."""
    for chunk in _chunks(ids):
        await session.execute(
            update(Row)
            .where(Row.id.in_(chunk), Row.processed_at.is_(None))
            .values(claimed_until=None, last_error=error[:ERROR_LENGTH])
        )


def backoff(attempts: int) -> datetime.timedelta:
    delay: datetime.timedelta = BACKOFF_BASE * 2 ** max(0, attempts - 1)
    return min(BACKOFF_CAP, delay)


async def refuse(session: AsyncSession, ids: Sequence[int], error: str, now: datetime.datetime) -> int:
    """The engine refused these rows: retry later with back-off, or park them. Returns how many were parked."""
    parked = 0
    for chunk in _chunks(ids):
        rows = (await session.execute(select(Row.id, Row.attempts).where(Row.id.in_(chunk)))).all()
        for row_id, attempts in rows:
            tries = attempts + 1
            values: dict[str, object] = {"attempts": tries, "last_error": error[:ERROR_LENGTH], "claimed_until": None}
            if tries >= MAX_ATTEMPTS:
                values["failed_at"] = now
                parked += 1
            else:
                values["next_attempt_at"] = now + backoff(tries)
            await session.execute(update(Row).where(Row.id == row_id).values(**values))
    return parked


async def pending_ids(session: AsyncSession) -> list[int]:
    """Every row not yet processed (parked ones too), as committed now: what a rebuild starting now covers."""
    return list((await session.scalars(select(Row.id).where(Row.processed_at.is_(None)))).all())


async def finish_rebuild(
    session: AsyncSession, seen: Sequence[int], started: datetime.datetime, now: datetime.datetime
) -> None:
    """Mark done exactly the rows the rebuild covered; send again what reached only the old index.

    Ids do not say what a rebuild saw: PostgreSQL commits land out of id order, so a row with a
    lower id may commit after the rebuild read the database and must still be delivered.
    """
    # Another relay may have delivered rows to the old index while the new one was built: send them
    # again, and withdraw the leases of deliveries still under way so they do not count either.
    await session.execute(
        update(Row)
        .where(Row.processed_at >= started, Row.op != REINDEX)
        .values(processed_at=None, claimed_by=None, claimed_until=None)
    )
    await session.execute(
        update(Row)
        .where(Row.processed_at.is_(None), Row.claimed_by.is_not(None))
        .values(claimed_by=None, claimed_until=None)
    )
    for chunk in _chunks(seen):
        await session.execute(
            update(Row)
            .where(Row.id.in_(chunk))
            .values(processed_at=now, failed_at=None, next_attempt_at=None, claimed_until=None)
        )


async def purge_processed(session: AsyncSession, now: datetime.datetime) -> int:
    """Delete one chunk of rows processed more than RETENTION ago; call until it returns 0."""
    old = select(Row.id).where(Row.processed_at < now - RETENTION).limit(DELETE_CHUNK)
    ids = list((await session.scalars(old)).all())
    if ids:
        for chunk in _chunks(ids):
            await session.execute(delete(Row).where(Row.id.in_(chunk)))
    return len(ids)


async def undelivered_count(session: AsyncSession) -> int:
    count = await session.scalar(select(func.count()).select_from(Row).where(_undelivered()))
    return int(count or 0)


async def lag(session: AsyncSession, now: datetime.datetime | None = None) -> datetime.timedelta:
    """Age of the oldest change not yet in the index (parked ones excluded); zero when there is none."""
    oldest = await session.scalar(select(func.min(Row.created_at)).where(_undelivered(), Row.op != REINDEX))
    if oldest is None:
        return datetime.timedelta(0)
    return max(datetime.timedelta(0), (now or utcnow()) - oldest)


async def parked(session: AsyncSession, latest: int = 5) -> Parked:
    """Changes parked after MAX_ATTEMPTS refusals: their count and the most recent errors."""
    waiting = and_(Row.failed_at.is_not(None), Row.processed_at.is_(None))
    count = await session.scalar(select(func.count()).select_from(Row).where(waiting))
    rows = await session.execute(
        select(Row.product_id, Row.failed_at, Row.attempts, Row.last_error)
        .where(waiting)
        .order_by(Row.failed_at.desc(), Row.id.desc())
        .limit(latest)
    )
    return Parked(
        count=int(count or 0),
        latest=[
            ParkedChange(pid, failed_at, attempts, error or "")
            for pid, failed_at, attempts, error in rows.all()
            if failed_at is not None
        ],
    )


async def retry_parked(session: AsyncSession) -> int:
    """Give every parked change a fresh set of attempts (`app.cli reindex` calls this). The caller commits."""
    result = await session.execute(
        update(Row)
        .where(Row.failed_at.is_not(None), Row.processed_at.is_(None))
        .values(failed_at=None, attempts=0, next_attempt_at=None, claimed_until=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)
