"""Probes for operators: /healthz (the process answers), /readyz (it can serve), shared outbox figures."""

from __future__ import annotations

import asyncio
import datetime
import logging
from dataclasses import dataclass
from typing import Any

from advanced_alchemy.types import DateTimeUTC
from litestar import Request, Response, get
from sqlalchemy import Integer, column, func, select, table, text

from app.db import DatabaseConfig

log = logging.getLogger("pasardesa.health")

# The outbox and orders are read by table name: probes look at figures, not at the domain's models.
OUTBOX = table(
    "search_outbox",
    column("processed_at", DateTimeUTC(timezone=True)),
    column("created_at", DateTimeUTC(timezone=True)),
    column("attempts", Integer),
)
ENGINE_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class OutboxFigures:
    pending: int
    retrying: int
    lag_seconds: float


async def outbox_figures(db: DatabaseConfig) -> OutboxFigures:
    """Pending search updates, those that failed at least once, and the age of the oldest pending one."""
    pending = OUTBOX.c.processed_at.is_(None)
    async with db.session() as session:
        row = (
            await session.execute(
                select(
                    func.count(),
                    func.count().filter(OUTBOX.c.attempts > 0),
                    func.min(OUTBOX.c.created_at),
                ).where(pending)
            )
        ).one()
    oldest: datetime.datetime | None = row[2]
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=datetime.UTC)
    lag = (datetime.datetime.now(datetime.UTC) - oldest).total_seconds() if oldest else 0.0
    return OutboxFigures(pending=int(row[0]), retrying=int(row[1]), lag_seconds=round(max(lag, 0.0), 1))


async def _schema_revisions(db: DatabaseConfig) -> set[str]:
    async with db.session() as session:
        return {str(v) for v in (await session.scalars(text("SELECT version_num FROM alembic_version"))).all()}


def expected_revisions(settings: Any) -> set[str]:
    """The migration heads this code was shipped with."""
    from alembic.script import ScriptDirectory

    from app.cli import alembic_config

    return set(ScriptDirectory.from_config(alembic_config(settings)).get_heads())


async def _search_state(search: Any) -> dict[str, Any]:
    engine = getattr(search, "engine", None)
    if engine is None:
        return {"engine": "none", "reachable": False, "index_ready": False}
    try:
        reachable = bool(await asyncio.wait_for(engine.health(), ENGINE_TIMEOUT_SECONDS))
    except Exception:  # a probe reports, it never fails on the engine's behalf
        reachable = False
    return {
        "engine": "meilisearch" if search.settings.meili_url else "embedded",
        "reachable": reachable,
        "index_ready": bool(search.service.ready),
        "relay_here": bool(search.owner),
    }


@get("/healthz", name="health", include_in_schema=False)
async def healthz() -> dict[str, str]:
    """Alive: answers without touching the database, so a slow database does not restart the app."""
    return {"status": "ok"}


@get("/readyz", name="ready", include_in_schema=False)
async def readyz(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    """Ready to serve: database reachable and migrated. Search is reported, not required: the shop
    falls back to the database search when the engine is down or behind."""
    state = request.app.state
    db: DatabaseConfig = state["db"]
    body: dict[str, Any] = {}
    ready = True
    try:
        current = await _schema_revisions(db)
        expected = state.get("expected_revisions") or expected_revisions(db.settings)
        state["expected_revisions"] = expected
        body["database"] = "ok"
        body["migrations"] = "current" if current == expected else "behind"
        ready = current == expected
        figures = await outbox_figures(db)
        body["outbox"] = {"pending": figures.pending, "retrying": figures.retrying, "lag_seconds": figures.lag_seconds}
    except Exception as exc:
        log.warning("readiness: database check failed: %s", exc)
        body["database"] = "unreachable"
        ready = False
    body["search"] = await _search_state(state.get("search"))
    # Reported, not required, like search: orders go on without photos, and every node shares the
    # one store, so taking nodes out of service would not help.
    media = state.get("media")
    body["media"] = "ok" if media is not None and await media.reachable(ENGINE_TIMEOUT_SECONDS) else "unreachable"
    body["status"] = "ready" if ready else "not_ready"
    return Response(body, status_code=200 if ready else 503, headers={"Cache-Control": "no-store"})
