"""Prometheus figures at /metrics: requests by route template, and business figures read from the database."""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path
from typing import Any

from litestar import Request, Response, get
from litestar.exceptions import HTTPException
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from sqlalchemy import column, func, select, table

from app.db import DatabaseConfig
from app.health import outbox_figures

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
ORDERS = table("customer_order", column("status"))
_PID_FILE = re.compile(r"_(\d+)\.db$")


def _use_shared_directory(var_dir: Path) -> None:
    """Workers write their counts to files in one directory, summed at each scrape.

    Without it a scrape sees only the worker that answered it. prometheus-client picks the mode when
    first imported, so this runs before that import; files of processes that are gone are removed.
    """
    if "prometheus_client" in sys.modules or os.environ.get(MULTIPROC_ENV):
        return
    directory = var_dir / "metrics"
    directory.mkdir(parents=True, exist_ok=True)
    for path in directory.glob("*.db"):
        match = _PID_FILE.search(path.name)
        if match and not _alive(int(match.group(1))):
            path.unlink(missing_ok=True)
    os.environ[MULTIPROC_ENV] = str(directory)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Metrics:
    """Request counters for one app; with several workers the counts are summed across them."""

    def __init__(self, var_dir: Path) -> None:
        _use_shared_directory(var_dir)
        from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess, values

        self.registry = CollectorRegistry()
        shared = values.ValueClass is not values.MutexValue
        if shared:
            multiprocess.MultiProcessCollector(self.registry)  # type: ignore[no-untyped-call]
        own = None if shared else self.registry
        self.requests = Counter(
            "pasardesa_http_requests_total", "HTTP requests answered", ["method", "route", "status"], registry=own
        )
        self.latency = Histogram(
            "pasardesa_http_request_duration_seconds",
            "Time to answer an HTTP request",
            ["method", "route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=own,
        )

    def middleware(self, app: ASGIApp) -> ASGIApp:
        """Counts routed requests by their route template (`/k/{slug:str}`), never by raw path."""

        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if str(scope["type"]) != "http":
                await app(scope, receive, send)
                return
            started = time.perf_counter()
            status = 500

            async def send_wrapper(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                await send(message)

            try:
                await app(scope, receive, send_wrapper)
            except HTTPException as exc:  # answered further out (a 429 from the login throttle)
                status = exc.status_code
                raise
            finally:
                route = str(scope.get("path_template") or "unmatched")
                method = str(scope.get("method", ""))
                self.requests.labels(method, route, str(status)).inc()
                self.latency.labels(method, route).observe(time.perf_counter() - started)

        return middleware

    async def exposition(self, db: DatabaseConfig) -> bytes:
        from prometheus_client import CollectorRegistry, generate_latest
        from prometheus_client.core import GaugeMetricFamily

        business = CollectorRegistry()
        families = await _business_figures(db, GaugeMetricFamily)
        business.register(_Static(families))
        return generate_latest(self.registry) + generate_latest(business)


class _Static:
    def __init__(self, families: list[Any]) -> None:
        self.families = families

    def collect(self) -> list[Any]:
        return self.families


async def _business_figures(db: DatabaseConfig, gauge: Any) -> list[Any]:
    """Read at scrape time from the database: the same answer whichever worker is asked."""
    orders = gauge("pasardesa_orders", "Orders in the database by status", labels=["status"])
    by_status = select(ORDERS.c.status, func.count()).group_by(ORDERS.c.status)
    async with db.session() as session:
        for status, count in (await session.execute(by_status)).all():
            orders.add_metric([str(status)], float(count))
    figures = await outbox_figures(db)
    pending = gauge("pasardesa_search_outbox_pending", "Search updates not yet delivered to the engine")
    pending.add_metric([], float(figures.pending))
    retrying = gauge("pasardesa_search_outbox_retrying", "Pending search updates that failed at least once")
    retrying.add_metric([], float(figures.retrying))
    lag = gauge("pasardesa_search_outbox_lag_seconds", "Age of the oldest pending search update")
    lag.add_metric([], figures.lag_seconds)
    return [orders, pending, retrying, lag]


@get("/metrics", name="metrics", include_in_schema=False)
async def metrics(request: Request[Any, Any, Any]) -> Response[bytes]:
    state = request.app.state
    body = await state["metrics"].exposition(state["db"])
    return Response(
        body,
        media_type="text/plain; version=0.0.4; charset=utf-8",
        headers={"Cache-Control": "no-store"},
    )
