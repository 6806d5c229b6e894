"""What SQLite's `synchronous=FULL` costs at checkout, against `NORMAL`: the same server, database and load.

Serves the demo on SQLite with one uvicorn worker, once per setting and round (alternating, so a busy machine
hurts both alike), and sends checkout through the JSON API at 1 and 16 concurrent buyers. Prints a Markdown
table and writes bench/results/synchronous.json.

Usage: python -m bench.sync_bench [--seconds N] [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import platform
import statistics
import sys
from typing import Any

from litestar import Litestar

from bench import loadgen
from bench.http_bench import RESULTS, SECRET, checkout_body, database, find_target, settle, start_server

SETTINGS = ("FULL", "NORMAL")
BUYERS = {1: 1, 16: 2}  # concurrent buyers -> wrk threads
ENV_KEY = "BENCH_SQLITE_SYNCHRONOUS"


def create_app() -> Litestar:
    """The project's app, with SQLite's `synchronous` taken from BENCH_SQLITE_SYNCHRONOUS (bench only)."""
    import app.db
    from app.asgi import create_app as project_app

    mode = os.environ.get(ENV_KEY, "FULL")
    if mode not in SETTINGS:
        raise SystemExit(f"{ENV_KEY} must be one of {SETTINGS}")
    original = app.db._sqlite_pragmas

    def pragmas(dbapi_connection: Any, record: Any) -> None:
        original(dbapi_connection, record)
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA synchronous={mode}")
        cursor.close()

    app.db._sqlite_pragmas = pragmas  # type: ignore[assignment]  # make_engine looks it up when called
    return project_app()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    runs: dict[str, dict[int, list[dict[str, Any]]]] = {s: {b: [] for b in BUYERS} for s in SETTINGS}
    with database("sqlite", "demo", 1.0) as settings:
        target = asyncio.run(find_target(settings, "demo"))
        env = {
            "DATABASE_URL": settings.database_url, "VAR_DIR": str(settings.var_dir), "SECRET_KEY": SECRET,
            "DEMO_PASSWORD": settings.demo_password, "DEMO_MODE": "1", "SEARCH_RELAY": "0",
        }
        load = loadgen.Load(f"/api/cooperatives/{target.slug}/orders", "POST", checkout_body(target),
                            {"Content-Type": "application/json"}, unique_header="Idempotency-Key")
        for round_ in range(args.rounds):
            for mode in SETTINGS:
                server = start_server("uvicorn", "bench.sync_bench:create_app", env | {ENV_KEY: mode},
                                      settings.var_dir)
                try:
                    for buyers, threads in BUYERS.items():
                        settle(server)
                        done = loadgen.run(server.url, load, seconds=args.seconds, threads=threads,
                                           connections=buyers).as_dict()
                        runs[mode][buyers].append(done)
                        print(f"round {round_ + 1} {mode} x{buyers}: {done['rps']} orders/s, "
                              f"p50 {done['p50_ms']} ms, p99 {done['p99_ms']} ms, errors {done['errors']}",
                              flush=True)
                finally:
                    server.stop()
    summary = {
        mode: {
            str(b): {
                "orders_per_s": round(statistics.median(r["rps"] for r in results), 1),
                "p50_ms": round(statistics.median(r["p50_ms"] for r in results), 1),
                "p99_ms": round(statistics.median(r["p99_ms"] for r in results), 1),
            }
            for b, results in by_buyers.items()
        }
        for mode, by_buyers in runs.items()
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "synchronous.json").write_text(json.dumps({
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(), "cpus": os.cpu_count(), "seconds": args.seconds,
        "rounds": args.rounds, "load_generator": loadgen.engine(), "median": summary, "runs": runs,
    }, indent=2) + "\n")
    print("| checkout | FULL | NORMAL |\n|---|---:|---:|")
    for b in BUYERS:
        full, normal = summary["FULL"][str(b)], summary["NORMAL"][str(b)]
        print(f"| {b} buyer(s) | {full['orders_per_s']}/s, p50 {full['p50_ms']} ms | "
              f"{normal['orders_per_s']}/s, p50 {normal['p50_ms']} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
