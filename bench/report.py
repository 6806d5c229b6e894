"""Turns bench/results/pages.json into the markdown tables of bench/results/README.md."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

PAGES = (
    "shop", "search page", "product page", "search API", "cart add", "order page", "staff board", "dashboard",
    "members' books", "province overview",
)


def _name(group: dict[str, Any]) -> str:
    return f"{group['backend']}, {group['dataset']}, {group['server']}"


def headline(groups: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| page | " + " | ".join(_name(g) for g in groups) + " |",
        "|---|" + "---:|" * len(groups),
        "| reference page (req/s) | " + " | ".join(f"{g['reference']['rps']:,.0f}" for g in groups) + " |",
    ]
    for page in PAGES:
        cells = []
        for group in groups:
            row = group["pages"].get(page)
            if not row:
                cells.append("–")
            elif row["requests"] == 0:
                cells.append(f"**0%** (none finished in the run; 1 client: {row.get('single_ms', '?')} ms)")
            else:
                by_cpu = f"; by CPU {row['cpu_share']:.0%}" if "cpu_share" in row else ""
                cells.append(f"**{row['share']:.0%}** ({row['rps']:,.0f} req/s{by_cpu})")
        lines.append(f"| {page} | " + " | ".join(cells) + " |")
    for buyers in ("1", "16", "64"):
        cells = [
            f"{g['checkout'][buyers]['rps']:,.1f}/s, p99 {g['checkout'][buyers]['p99_ms']:,.0f} ms"
            if buyers in g["checkout"] else "–"
            for g in groups
        ]
        lines.append(f"| checkout, {buyers} buyer{'s' if buyers != '1' else ''} | " + " | ".join(cells) + " |")
    cells = [f"{g['memory']['after_checkout']['rss_mb']:,.0f} MB" for g in groups]
    lines.append("| worker RSS after the runs | " + " | ".join(cells) + " |")
    return lines


def _pct(value: float | None) -> str:
    return f"{value:.1%}" if value is not None else ""


def details(group: dict[str, Any]) -> list[str]:
    ref = group["reference"]
    lines = [
        f"### {_name(group)}",
        "",
        "| page | req/s | reference just before (req/s) | share | server CPU (ms/req) | share by CPU | p50 (ms) "
        "| p99 (ms) | errors | size (KB) | 1 client (ms) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| reference page | {ref['rps']:,.1f} | | 100% | {ref.get('cpu_ms', '')} | 100% | {ref['p50_ms']} "
        f"| {ref['p99_ms']} | {ref['errors']} | 4.7 | |",
    ]
    for page in PAGES:
        if row := group["pages"].get(page):
            lines.append(
                f"| {page} | {row['rps']:,.1f} | {row.get('reference_rps', ref['rps']):,.1f} | {row['share']:.1%} "
                f"| {row.get('cpu_ms', '')} | {_pct(row.get('cpu_share'))} | {row['p50_ms']} | {row['p99_ms']} "
                f"| {row['errors']} | {row['bytes'] / 1024:,.1f} | {row.get('single_ms', '')} |"
            )
    lines += ["", "| checkout (JSON API, 2 lines) | orders/s | p50 (ms) | p99 (ms) | errors |"]
    lines.append("|---|---:|---:|---:|---:|")
    for buyers, row in group["checkout"].items():
        lines.append(
            f"| {buyers} concurrent | {row['rps']:,.1f} | {row['p50_ms']} | {row['p99_ms']} | {row['errors']} |"
        )
    pages, done = group["memory"]["after_pages"], group["memory"]["after_checkout"]
    lines += [
        "",
        f"Worker memory: {pages['rss_mb']} MB RSS after the pages, {done['rss_mb']} MB after checkout "
        f"(peak {done['peak_mb']} MB), of which the search index's memory-mapped files {done['index_mapped_mb']} MB; "
        f"the reference app's worker: {ref['memory']['rss_mb']} MB.",
        "",
    ]
    return lines


def markdown(report: dict[str, Any]) -> str:
    load = report["load"]
    groups = report["groups"]
    lines = [
        "# HTTP bench: pages and checkout",
        "",
        f"Written by `make bench` (`bench/http_bench.py`) on {report['date']}: {load['engine']}, "
        f"{load['threads']} threads, {load['connections']} connections, {load['seconds']:g} s per page, one server "
        f"worker, loopback, {report['machine']['cpus']} CPUs, Python {report['machine']['python']}."
        + (f" Province scale {load['province_scale']}." if load.get("province_scale") else ""),
        "",
        "The headline is the **share of the reference page**: req/s of a page divided by req/s of a bare Litestar "
        "app rendering a 4.7 KB Jinja page of 24 items (`bench/reference_app.py`), measured again just "
        "before each page on the same server (the first reference run is the row below). Absolute numbers vary "
        "between machines; the shares much less. On a machine shared with other work, req/s swing with the "
        "neighbours' load; *by CPU* is the reference's server CPU time per request divided by the page's, "
        "which hardly depends on it.",
        "",
        *headline(groups),
        "",
        "Checkout: new guest orders through `POST /api/cooperatives/{slug}/orders`, each with its own "
        "Idempotency-Key; errors are answers other than 2xx/3xx (a 409 for stock would count).",
        "",
        "## Details",
        "",
    ]
    for group in groups:
        lines += details(group)
    return "\n".join(lines)


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "results" / "pages.json"
    print(markdown(json.loads(source.read_text(encoding="utf-8"))))
