"""A quick single-client probe: each page's server CPU time per request and the worker's memory after each page.

Steadier than req/s on a shared machine: one client, sequential requests, the server's own CPU time.
Usage: python -m bench.probe [--backend sqlite|postgres] [--rounds N] [--pages a,b] [--checkout N] [--workers N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from typing import Any

import httpx

from bench import http_bench, loadgen


async def _probe(server: http_bench.Server, loads: dict[str, loadgen.Load], rounds: int) -> dict[str, Any]:
    pids = server.worker_pids()
    out: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=server.url, timeout=120) as client:
        for label, load in loads.items():
            for _ in range(2):
                await client.request(load.method, load.path, headers=load.headers, content=load.body)
            before = http_bench.cpu_seconds(pids)
            started = time.perf_counter()
            for _ in range(rounds):
                response = await client.request(load.method, load.path, headers=load.headers, content=load.body)
                if response.status_code >= 400:
                    raise RuntimeError(f"{label}: {response.status_code} {response.text[:200]}")
            wall = (time.perf_counter() - started) * 1000 / rounds
            cpu = (http_bench.cpu_seconds(pids) - before) * 1000 / rounds
            rss = http_bench.memory(pids, server.log.parent / "search")["rss_mb"]
            out[label] = {"cpu_ms": round(cpu, 1), "wall_ms": round(wall, 1), "rss_mb": rss}
            print(f"  {label:20s} cpu {cpu:7.1f} ms/req  wall {wall:7.1f} ms  rss {rss} MB", flush=True)
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--backend", default="sqlite")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--pages", default="")
    parser.add_argument("--checkout", type=int, default=16, help="concurrent buyers for a short checkout run")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--workers", type=int, default=1, help="server worker processes (CPU and memory summed)")
    args = parser.parse_args(argv)
    with http_bench.database(args.backend, "demo", 1.0) as settings:
        env = {
            "DATABASE_URL": settings.database_url, "VAR_DIR": str(settings.var_dir), "SECRET_KEY": http_bench.SECRET,
            "DEMO_PASSWORD": settings.demo_password, "DEMO_MODE": "1", "LOGIN_RATE_LIMIT": "10000",
            "ORDER_RATE_LIMIT_ADDRESS": "0", "ORDER_RATE_LIMIT_PHONE": "0",
        }
        target = asyncio.run(http_bench.find_target(settings, "demo"))
        server = http_bench.start_server("uvicorn", "app.asgi:create_app", env, settings.var_dir, args.workers)
        try:
            pids = server.worker_pids()
            print(f"  started: rss {http_bench.memory(pids, settings.search_index_dir)['rss_mb']} MB", flush=True)
            loads = asyncio.run(http_bench.page_loads(server.url, target, settings.demo_password))
            wanted = [p for p in args.pages.split(",") if p]
            loads = {k: v for k, v in loads.items() if not wanted or k in wanted}
            asyncio.run(_probe(server, loads, args.rounds))
            if args.checkout:
                body = http_bench.checkout_body(target)
                load = loadgen.Load(f"/api/cooperatives/{target.slug}/orders", "POST", body,
                                    {"Content-Type": "application/json"}, unique_header="Idempotency-Key")
                before = http_bench.cpu_seconds(pids)
                result = loadgen.run(server.url, load, seconds=args.seconds, threads=2, connections=args.checkout)
                cpu = (http_bench.cpu_seconds(pids) - before) * 1000 / max(result.requests, 1)
                print(f"  checkout x{args.checkout}: {result.rps}/s p50 {result.p50_ms} p99 {result.p99_ms} ms "
                      f"errors {result.errors}, cpu {cpu:.1f} ms/order, "
                      f"rss {http_bench.memory(pids, settings.search_index_dir)}", flush=True)
            if os.environ.get("PROBE_PAUSE"):
                input(f"server pid {server.process.pid}; enter to stop")
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
