"""Benchmark of the embedded search engine: indexing throughput and query latency at 1k-100k products.

Usage: python bench/search_bench.py [OUTPUT_JSON] [--sizes 1000,10000,100000] [--province]
`--province` measures Kalimantan Selatan's scale instead: 300,000 products in 2,016 cooperatives (~150 each).
Writes the results as JSON (default bench/results/search.json) and prints a markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import msgspec

from search.documents import SearchDocument
from search.embedded import EmbeddedEngine
from search.engine import SearchQuery
from search.synthetic import cooperative_slugs, generate_documents

DEFAULT_OUTPUT = Path("bench/results/search.json")
SIZES = (1_000, 10_000, 100_000)
PRODUCTS_PER_VILLAGE = 500  # "spread": a village cooperative carries a few hundred products
BATCH = 1_000
WARMUP_QUERIES = 30
MEASURED_QUERIES = 1000
UPSERT_BATCH = 100
UPSERT_ROUNDS = 5
# Two-word queries as residents type them: plain, mid-word (prefix) and with a typo.
QUERIES = (
    "minyak goreng",
    "gula merah",
    "beras premium",
    "telur ayam",
    "kopi bubuk",
    "ikan asin",
    "mi instan",
    "cabai rawit",
    "sabun cuci",
    "kerupuk haruan",
    "minyak gor",
    "beras premum",
    "gula habang",
    "madu kelulut",
    "tepung terig",
    "bawang merah",
    "ikan haruan",
    "pupuk urea",
    "telor itik",
    "kain sasirangan",
    "deterjen bubk",
    "air mineral",
    "jeruk siam",
    "amplang teng",
)
# Synonyms are part of the work a real query does, so the benchmark loads a representative set.
SYNONYMS = {
    "migor": ["minyak goreng"],
    "minyak goreng": ["migor"],
    "gula habang": ["gula merah", "gula aren"],
    "gula merah": ["gula habang", "gula aren"],
    "telor": ["telur", "hintalu"],
    "telur": ["telor", "hintalu"],
    "hintalu": ["telur", "telor"],
    "gabus": ["haruan", "ikan gabus"],
    "haruan": ["gabus", "ikan gabus"],
    "kupi": ["kopi"],
    "kopi": ["kupi"],
}


PROVINCE_PRODUCTS = 300_000
PROVINCE_COOPERATIVES = 2_016


def _spreads(size: int) -> list[int]:
    """Village-sized cooperatives, and the worst case: everything in one."""
    return sorted({max(1, size // PRODUCTS_PER_VILLAGE), 1}, reverse=True)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def run_case(size: int, cooperatives: int, workdir: Path, seed: int) -> dict[str, object]:
    slugs = cooperative_slugs(cooperatives)
    docs: list[SearchDocument] = list(generate_documents(size, slugs, seed=seed))
    batches = [docs[i : i + BATCH] for i in range(0, len(docs), BATCH)]
    engine = EmbeddedEngine(workdir / f"index-{size}-{cooperatives}", SYNONYMS, source_id="bench")
    try:
        started = time.perf_counter()
        await engine.rebuild(batches)
        indexing_s = time.perf_counter() - started

        rng = random.Random(seed)
        latencies: list[float] = []
        cpu: list[float] = []  # the process's CPU time: steady when other work shares the machine
        totals: list[int] = []
        for number in range(WARMUP_QUERIES + MEASURED_QUERIES):
            query = SearchQuery(cooperative=rng.choice(slugs), q=rng.choice(QUERIES))
            started, cpu_started = time.perf_counter(), time.process_time()
            result = await engine.search(query)
            elapsed, cpu_used = time.perf_counter() - started, time.process_time() - cpu_started
            if number >= WARMUP_QUERIES:
                latencies.append(elapsed * 1000)
                cpu.append(cpu_used * 1000)
                totals.append(result.total)
        # The outbox relay's pattern: small batches, each committed before the next.
        changed = [msgspec.structs.replace(d, price=d.price + 100) for d in docs[:UPSERT_BATCH * UPSERT_ROUNDS]]
        started = time.perf_counter()
        for i in range(0, len(changed), UPSERT_BATCH):
            await engine.upsert(changed[i : i + UPSERT_BATCH])
        upsert_s = time.perf_counter() - started
    finally:
        await engine.close()
    return {
        "products": size,
        "cooperatives": cooperatives,
        "indexing_s": round(indexing_s, 3),
        "indexing_docs_per_s": round(size / indexing_s),
        "upsert_docs_per_s": round(len(changed) / upsert_s),
        "queries": len(latencies),
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "max_ms": round(max(latencies), 2),
        "cpu_p50_ms": round(statistics.median(cpu), 2),
        "cpu_p99_ms": round(percentile(cpu, 0.99), 2),
        "load_average": round(__import__("os").getloadavg()[0], 1),
        "mean_hits_total": round(statistics.mean(totals), 1),
    }


def markdown(rows: list[dict[str, object]]) -> str:
    lines = [
        "| products | cooperatives | rebuild (docs/s) | upsert, 100/commit (docs/s) | p50 (ms) | p99 (ms) "
        "| CPU p50 / p99 (ms) | mean matches | load |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['products']:,} | {row['cooperatives']} | {row['indexing_docs_per_s']:,} "
            f"| {row['upsert_docs_per_s']:,} "
            f"| {row['p50_ms']} | {row['p99_ms']} | {row.get('cpu_p50_ms', '')} / {row.get('cpu_p99_ms', '')} "
            f"| {row['mean_hits_total']} | {row.get('load_average', '')} |"
        )
    return "\n".join(lines)


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("output", nargs="?", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument("--province", action="store_true", help="300,000 products in 2,016 cooperatives")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    cases = [(size, cooperatives) for size in sizes for cooperatives in _spreads(size)]
    if args.province:
        cases = [(PROVINCE_PRODUCTS, PROVINCE_COOPERATIVES)]

    rows = []
    with tempfile.TemporaryDirectory(prefix="search-bench-") as tmp:
        for size, cooperatives in cases:
            row = await run_case(size, cooperatives, Path(tmp), seed=size)
            rows.append(row)
            print(
                f"{size:>7} products / {cooperatives:>4} cooperatives: rebuilt in {row['indexing_s']} s "
                f"({row['indexing_docs_per_s']} docs/s), p50 {row['p50_ms']} ms, p99 {row['p99_ms']} ms",
                file=sys.stderr,
            )
    report = {
        "benchmark": "embedded search engine (tantivy), in-process, two-word query with facets",
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
        "queries": list(QUERIES),
        "results": rows,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(markdown(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(sys.argv[1:])))
