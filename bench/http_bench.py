"""Pages and checkout under load, against a bare Litestar page served the same way: the headline is the ratio.

For each backend (SQLite, a throwaway PostgreSQL) and dataset (the demo; with --province the synthetic
province) it serves the project and bench/reference_app.py with one worker of each installed server (uvicorn;
granian if installed) on loopback, loads every page with wrk (or the httpx fallback), then checkout through
the JSON API at 1, 16 and 64 concurrent buyers, and reads each worker's memory. Writes
bench/results/pages.json and bench/results/README.md.

Usage: python -m bench.http_bench [--quick] [--province [--scale S]] [--backends sqlite,postgres] [--seconds N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, select, update

from app.cli import migrate, reindex, seed_demo
from app.db import DatabaseConfig, metadata
from app.demo.province import MARKER, generate_province
from app.registry import import_models
from app.settings import DEFAULT_DEMO_PASSWORD, ROOT, Settings
from bench import loadgen
from bench.report import markdown
from tests.support.postgres import PgCluster, find_bindir, free_port, start_cluster

RESULTS = Path(__file__).resolve().parent / "results"
SECRET = "bench-secret-key-not-for-production"  # noqa: S105 (a throwaway database)
BUYERS = {1: 1, 16: 2, 64: 2}  # concurrent buyers -> wrk threads
QUERY = "minyak goreng"


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def worker_pids(self) -> list[int]:
        """The processes that serve requests: uvicorn's one worker is itself; granian forks its workers."""
        children: list[int] = []
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{self.process.pid}/task").iterdir():
                children += [int(p) for p in (task / "children").read_text().split()]
        return children or [self.process.pid]


@dataclass(frozen=True)
class Target:
    """What the pages of one dataset point at, found in its database."""

    slug: str
    product_id: int
    checkout_ids: tuple[int, int]
    staff_phone: str
    member_phone: str


def servers_available() -> list[str]:
    return ["uvicorn"] + (["granian"] if importlib.util.find_spec("granian") else [])


def start_server(kind: str, app: str, env: dict[str, str], log_dir: Path, workers: int = 1) -> Server:
    """One worker on a free loopback port, logging as `app.cli serve` does: info level, no access log (ACCESS_LOG=1
    turns it on for both the reference and the project, so they stay served alike)."""
    port = free_port()
    if kind == "granian":
        args = ["-m", "granian", "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port),
                "--workers", str(workers), "--factory", app]
    else:
        args = ["-m", "uvicorn", app, "--factory", "--host", "127.0.0.1", "--port", str(port),
                "--workers", str(workers), "--log-level", "info", "--proxy-headers"]
        if env.get("ACCESS_LOG", os.environ.get("ACCESS_LOG", "")) not in ("1", "true", "yes"):
            args.append("--no-access-log")
    log = log_dir / f"{kind}-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{kind} exited early:\n{log.read_text(errors='replace')[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return Server(process, url, log)
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{kind} did not start:\n{log.read_text(errors='replace')[-3000:]}")


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def cpu_run(server: Server, load: loadgen.Load, **run: Any) -> tuple[loadgen.Result, float]:
    """A load run and the server's own CPU time per answered request, in ms: unlike req/s, that hardly moves
    when other work on the machine takes CPU away from the server."""
    pids = server.worker_pids()
    before = cpu_seconds(pids)
    result = loadgen.run(server.url, load, **run)
    spent = cpu_seconds(pids) - before
    return result, round(spent * 1000 / result.requests, 3) if result.requests else 0.0


def settle(server: Server, timeout: float = 180) -> None:
    """Wait until the server has worked off what the last run left queued (a slow page can leave dozens of
    requests behind when the load generator stops): idle is under 10% of a core for half a second. Judged by
    the workers' own CPU time, because the machine may be busy with other work."""
    deadline = time.monotonic() + timeout
    pids = server.worker_pids()
    while time.monotonic() < deadline:
        before = cpu_seconds(pids)
        time.sleep(0.5)
        if cpu_seconds(pids) - before < 0.05:
            return


def memory(pids: list[int], index_dir: Path) -> dict[str, float]:
    """Resident memory of the workers, and how much of it is the search index's memory-mapped files."""
    rss = peak = mapped = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            status = dict(
                line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
            )
            rss += int(status["VmRSS"].split()[0])
            peak += int(status["VmHWM"].split()[0])
            in_index = False
            for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
                first = line.split(maxsplit=1)[0]
                if "-" in first and not first.endswith(":"):
                    in_index = str(index_dir) in line
                elif in_index and first == "Rss:":
                    mapped += int(line.split()[1])
    return {
        "rss_mb": round(rss / 1024, 1), "peak_mb": round(peak / 1024, 1), "index_mapped_mb": round(mapped / 1024, 1)
    }


@contextlib.contextmanager
def database(backend: str, dataset: str, scale: float) -> Iterator[Settings]:
    """A fresh migrated database with the demo, and the synthetic province on top when asked."""
    tmp = Path(tempfile.mkdtemp(prefix=f"http-bench-{backend}-{dataset}-"))
    cluster: PgCluster | None = start_cluster() if backend == "postgres" else None
    try:
        settings = Settings(
            database_url=cluster.create_database("bench") if cluster else "",
            secret_key=SECRET,
            var_dir=tmp,
            demo_password=os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD,
            demo_mode=True,
        )
        import_models()
        migrate(settings)
        print(asyncio.run(seed_demo(settings)), flush=True)
        if dataset == "province":
            print(asyncio.run(generate_province(settings, scale=scale)), flush=True)
        else:
            print(asyncio.run(reindex(settings)), flush=True)
        yield settings
    finally:
        if cluster:
            cluster.stop()
        shutil.rmtree(tmp, ignore_errors=True)


async def find_target(settings: Settings, dataset: str) -> Target:
    """The demo's Lok Baintan, or the province's first active synthetic cooperative; checkout goods get stock."""
    tables = ("cooperative", "product", "membership", "user_account")
    coop, product, membership, user = (metadata.tables[name] for name in tables)
    db = DatabaseConfig(settings)
    try:
        async with db.session(write=True) as session:
            where = (
                coop.c.slug == "lok-baintan"
                if dataset == "demo"
                else coop.c.description.startswith(MARKER) & coop.c.bank_name.is_not(None)
            )
            found = await session.execute(select(coop.c.id, coop.c.slug).where(where).order_by(coop.c.id))
            first = found.first()
            if first is None:
                raise RuntimeError(f"no cooperative to bench in the {dataset} dataset")
            coop_id, slug = first
            people = {}
            # Staff are the board (pengurus) since roles were split; older databases said "staff".
            for role, names in (("staff", ("pengurus", "staff")), ("member", ("member",))):
                people[role] = await session.scalar(
                    select(user.c.phone).join(membership, membership.c.user_id == user.c.id)
                    .where(membership.c.cooperative_id == coop_id, membership.c.role.in_(names))
                    .order_by(membership.c.id).limit(1)
                )
            plain = (
                (product.c.cooperative_id == coop_id) & (product.c.status == "active") & ~product.c.members_only
                & ~product.c.requires_nik & product.c.quota_qty.is_(None) & product.c.max_qty_per_order.is_(None)
            )
            ids = list((await session.scalars(select(product.c.id).where(plain).order_by(product.c.id).limit(2))).all())
            # Checkout must not run out of stock during the runs; the ledger keeps explaining the stock.
            await session.execute(
                update(product).where(product.c.id.in_(ids)).values(stock=product.c.stock + 1_000_000)
            )
            now = datetime.datetime.now(datetime.UTC)
            await session.execute(insert(metadata.tables["stock_ledger"]), [
                {"product_id": i, "cooperative_id": coop_id, "delta": 1_000_000, "reason": "adjustment",
                 "note": "Stok untuk uji beban", "created_at": now, "updated_at": now} for i in ids
            ])
            await session.commit()
    finally:
        await db.dispose()
    return Target(slug, ids[0], (ids[0], ids[1]), str(people["staff"]), str(people["member"]))


def cookie_header(client: httpx.AsyncClient) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in client.cookies.jar)


async def log_in(url: str, phone: str, password: str) -> str:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        await client.get("/masuk")
        token = client.cookies.get("csrftoken") or ""
        response = await client.post("/masuk", data={"phone": phone, "password": password, "_csrf_token": token})
        if response.status_code != 303:
            raise RuntimeError(f"login as {phone} failed: {response.status_code}")
        return cookie_header(client)


def checkout_body(target: Target) -> str:
    return json.dumps({
        "customer": {"name": "Pembeli Uji Beban", "phone": "0812-3456-7890"},
        "fulfilment": "pickup",
        "payment_method": "cash",
        "lines": [{"product_id": pid, "quantity": 1} for pid in target.checkout_ids],
    })


async def page_loads(url: str, target: Target, password: str) -> dict[str, loadgen.Load]:
    """Every page of the table, with the cookies it needs: staff, a member, or an anonymous CSRF cookie."""
    staff = {"Cookie": await log_in(url, target.staff_phone, password)}
    member = {"Cookie": await log_in(url, target.member_phone, password)}
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        await client.get(f"/k/{target.slug}")
        token = client.cookies.get("csrftoken") or ""
        made = await client.post(
            f"/api/cooperatives/{target.slug}/orders", content=checkout_body(target),
            headers={"Content-Type": "application/json"},
        )
        if made.status_code != 201:
            raise RuntimeError(f"order for the order page failed: {made.status_code} {made.text[:300]}")
        order = made.json()
    slug = target.slug
    form = {"Cookie": f"csrftoken={token}", "X-CSRFToken": token, "HX-Request": "true",
            "Content-Type": "application/x-www-form-urlencoded"}
    return {
        "shop": loadgen.Load(f"/k/{slug}"),
        "search page": loadgen.Load(f"/k/{slug}?q={QUERY.replace(' ', '+')}"),
        "product page": loadgen.Load(f"/k/{slug}/produk/{target.product_id}"),
        "search API": loadgen.Load(f"/api/cooperatives/{slug}/search?q={QUERY.replace(' ', '+')}"),
        "cart add": loadgen.Load(f"/k/{slug}/keranjang", "POST", f"product_id={target.product_id}&quantity=1", form),
        "order page": loadgen.Load(f"/pesanan/{order['number']}?token={order['token']}"),
        "staff board": loadgen.Load(f"/staf/{slug}/pesanan", headers=staff),
        "dashboard": loadgen.Load(f"/staf/{slug}", headers=staff),
        "members' books": loadgen.Load(f"/k/{slug}/laporan", headers=member),
        "province overview": loadgen.Load("/provinsi"),
    }


async def warm_up(url: str, loads: dict[str, loadgen.Load], rounds: int = 5) -> dict[str, tuple[int, float]]:
    """A few requests of each page (caches, index, pool), checking that it works; returns each page's size in
    bytes and its median time with a single client, in ms."""
    measured = {}
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        for label, load in loads.items():
            times = []
            for _ in range(rounds):
                started = time.perf_counter()
                response = await client.request(load.method, load.path, headers=load.headers, content=load.body)
                times.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"{label} {load.path}: {response.status_code} {response.text[:300]}")
            measured[label] = (len(response.content), round(sorted(times)[rounds // 2], 1))
    return measured


def measure_group(kind: str, settings: Settings, dataset: str, args: argparse.Namespace) -> dict[str, Any]:
    """Reference page, every project page, then checkout at each level of concurrency, on one server kind."""
    env = {
        "DATABASE_URL": settings.database_url, "VAR_DIR": str(settings.var_dir), "SECRET_KEY": SECRET,
        "DEMO_PASSWORD": settings.demo_password, "DEMO_MODE": "1", "LOGIN_RATE_LIMIT": "10000",
        "ORDER_RATE_LIMIT_ADDRESS": "0", "ORDER_RATE_LIMIT_PHONE": "0",
    }
    run = {"seconds": args.seconds, "threads": args.threads, "connections": args.connections}
    # The reference keeps running: it is measured again just before each page, so a page's share compares
    # two runs seconds apart (on a shared machine the load changes within a minute).
    reference = start_server(kind, "bench.reference_app:create_app", env, settings.var_dir)
    asyncio.run(warm_up(reference.url, {"reference": loadgen.Load("/")}))
    ref, ref_cpu_ms = cpu_run(reference, loadgen.Load("/"), **run)
    ref_memory = memory(reference.worker_pids(), settings.search_index_dir)
    print(f"  reference: {ref.rps} req/s", flush=True)
    target = asyncio.run(find_target(settings, dataset))
    server = start_server(kind, "app.asgi:create_app", env, settings.var_dir)
    try:
        loads = asyncio.run(page_loads(server.url, target, settings.demo_password))
        sizes = asyncio.run(warm_up(server.url, loads))
        pages = {}
        for label, load in loads.items():
            settle(server)
            beside, beside_cpu_ms = cpu_run(reference, loadgen.Load("/"), **run)
            measured, cpu_ms = cpu_run(server, load, **run)
            result = measured.as_dict()
            size, single_ms = sizes[label]
            share = round(result["rps"] / beside.rps, 4) if beside.rps else 0.0
            pages[label] = {
                **result, "share": share, "reference_rps": beside.rps, "bytes": size, "single_ms": single_ms,
                "cpu_ms": cpu_ms, "cpu_share": round(beside_cpu_ms / cpu_ms, 4) if cpu_ms else 0.0,
            }
            print(f"  {label}: {result['rps']} req/s ({share:.1%} of {beside.rps}; by CPU time "
                  f"{pages[label]['cpu_share']:.1%}), p99 {result['p99_ms']} ms"
                  + (f", {result['errors']} ERRORS" if result["errors"] else ""), flush=True)
        after_pages = memory(server.worker_pids(), settings.search_index_dir)
        checkout = {}
        body = checkout_body(target)
        for buyers, threads in BUYERS.items():
            load = loadgen.Load(f"/api/cooperatives/{target.slug}/orders", "POST", body,
                                {"Content-Type": "application/json"}, unique_header="Idempotency-Key")
            settle(server)
            checkout[str(buyers)] = loadgen.run(
                server.url, load, seconds=args.seconds, threads=threads, connections=buyers
            ).as_dict()
            done = checkout[str(buyers)]
            print(f"  checkout x{buyers}: {done['rps']} orders/s, p99 {done['p99_ms']} ms"
                  + (f", {done['errors']} ERRORS" if done["errors"] else ""), flush=True)
        after_checkout = memory(server.worker_pids(), settings.search_index_dir)
    finally:
        server.stop()
        reference.stop()
    return {
        "server": kind,
        "reference": {**ref.as_dict(), "bytes": 0, "memory": ref_memory, "cpu_ms": ref_cpu_ms},
        "pages": pages,
        "checkout": checkout,
        "memory": {"after_pages": after_pages, "after_checkout": after_checkout},
    }


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 s per run instead of 10 (a smoke run)")
    parser.add_argument("--seconds", type=float, help="seconds per run (default 10, or 2 with --quick)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--province", action="store_true", help="also bench the synthetic province")
    parser.add_argument("--scale", type=float, default=1.0, help="province scale (default 1: the whole province)")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    args.seconds = args.seconds or (2.0 if args.quick else 10.0)
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    backends = [b for b in args.backends.split(",") if b and (b != "postgres" or find_bindir())]
    datasets = ["demo", *(["province"] if args.province else [])]
    report: dict[str, Any] = {
        "what": "req/s and latency of each page under load, one server worker, loopback; share = req/s of the "
        "page / req/s of bench/reference_app.py measured just before it (reference_rps) on the same server",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "load": {"engine": loadgen.engine(), "seconds": args.seconds, "threads": args.threads,
                 "connections": args.connections, "province_scale": args.scale if args.province else None},
        "groups": [],
    }
    for backend in backends:
        for dataset in datasets:
            with database(backend, dataset, args.scale) as settings:
                for kind in servers_available():
                    print(f"== {backend} / {dataset} / {kind}", flush=True)
                    group = measure_group(kind, settings, dataset, args)
                    report["groups"].append({"backend": backend, "dataset": dataset, **group})
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "pages.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (args.output / "README.md").write_text(markdown(report), encoding="utf-8")
    print(f"written {args.output / 'pages.json'} and {args.output / 'README.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
