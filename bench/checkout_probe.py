"""What one checkout costs in-process: SQL statements by kind and CPU per order, on SQLite or PostgreSQL.

Usage: python -m bench.checkout_probe [--backend sqlite|postgres] [--orders N] [--show]
Prints the statements of the last order with --show. Deterministic where it matters (the statement count),
so a change to the checkout path can be judged without a quiet machine.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import dataclasses
import logging
import sys
import time
import uuid
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine

from bench import http_bench


def _listen(log: list[str]) -> None:
    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        log.append(" ".join(statement.split()))

    event.listen(Engine, "before_cursor_execute", before)


def _kind(statement: str) -> str:
    words = statement.split()
    verb = words[0].upper() if words else "?"
    table = ""
    for marker in ("INTO", "UPDATE", "FROM"):
        if marker in (w.upper() for w in words):
            index = [w.upper() for w in words].index(marker)
            table = words[index + 1] if index + 1 < len(words) else ""
            break
    return f"{verb} {table}".strip()


async def _run(settings: Any, orders: int, show: bool) -> dict[str, Any]:
    from app.asgi import create_app

    target = await http_bench.find_target(settings, "demo")
    # One client places every order: no per-phone or per-address limit in the way.
    app = create_app(dataclasses.replace(settings, order_rate_limit_address=0, order_rate_limit_phone=0))
    log: list[str] = []
    _listen(log)
    body = http_bench.checkout_body(target)
    headers = {"Content-Type": "application/json"}
    async with AsyncTestClient(app=app) as client:
        for _ in range(3):  # warm caches and the pool
            made = await client.post(
                f"/api/cooperatives/{target.slug}/orders", content=body,
                headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
            )
            assert made.status_code == 201, made.text
        counts: list[int] = []
        started_cpu, started = time.process_time(), time.perf_counter()
        last: list[str] = []
        for _ in range(orders):
            log.clear()
            made = await client.post(
                f"/api/cooperatives/{target.slug}/orders", content=body,
                headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
            )
            assert made.status_code == 201, made.text
            counts.append(len(log))
            last = list(log)
        cpu = (time.process_time() - started_cpu) * 1000 / orders
        wall = (time.perf_counter() - started) * 1000 / orders
    kinds = collections.Counter(_kind(s) for s in last)
    if show:
        for number, statement in enumerate(last, 1):
            print(f"{number:3d} {statement[:220]}")
    return {"statements": counts[-1], "cpu_ms": round(cpu, 2), "wall_ms": round(wall, 2), "kinds": dict(kinds)}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--backend", default="sqlite")
    parser.add_argument("--orders", type=int, default=50)
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args(argv)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    with http_bench.database(args.backend, "demo", 1.0) as settings:
        result = asyncio.run(_run(settings, args.orders, args.show))
    print(f"{args.backend}: {result['statements']} statements per order, "
          f"{result['cpu_ms']} ms CPU, {result['wall_ms']} ms wall (in-process, one client)")
    for kind, count in sorted(result["kinds"].items(), key=lambda kv: -kv[1]):
        print(f"  {count:3d}  {kind}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
