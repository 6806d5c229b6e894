"""Load generators for the HTTP bench: wrk when it is installed, else a small httpx-based one (slower: it
shares the CPU with the server). Both answer with the same `Result`."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass(frozen=True)
class Load:
    """What to request: a GET, or a POST with a body; `unique_header` gets a fresh value on every request."""

    path: str
    method: str = "GET"
    body: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    unique_header: str | None = None


@dataclass(frozen=True)
class Result:
    requests: int
    errors: int  # non-2xx/3xx answers plus socket errors and timeouts
    rps: float
    p50_ms: float
    p99_ms: float
    engine: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def engine() -> str:
    return "wrk" if shutil.which("wrk") else "httpx"


def run(base_url: str, load: Load, *, seconds: float, threads: int, connections: int) -> Result:
    if engine() == "wrk":
        return run_wrk(base_url, load, seconds=seconds, threads=threads, connections=connections)
    return asyncio.run(run_httpx(base_url, load, seconds=seconds, connections=connections))


def lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def lua_script(load: Load) -> str:
    """A wrk script that sends `load`; each thread numbers its requests so a unique header never repeats."""
    headers = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in load.headers.items())
    unique = (
        f'  headers[{lua_string(load.unique_header)}] = "bench-" .. stamp .. "-" .. tid .. "-" .. counter\n'
        if load.unique_header
        else ""
    )
    body = lua_string(load.body) if load.body is not None else "nil"
    return (
        "local threads_made = 0\n"
        "function setup(thread)\n  threads_made = threads_made + 1\n  thread:set(\"tid\", threads_made)\nend\n"
        # A string: LuaJIT's numbers are doubles and would print as 1.79e+18, which no key format accepts.
        f"stamp = {lua_string(str(time.time_ns()))}\ncounter = 0\n"
        "request = function()\n  counter = counter + 1\n"
        f"  local headers = {{{headers}}}\n{unique}"
        f"  return wrk.format({lua_string(load.method)}, {lua_string(load.path)}, headers, {body})\nend\n"
    )


def _ms(value: str, unit: str) -> float:
    return float(value) * UNITS_MS[unit]


def parse_wrk(output: str) -> Result:
    def find(pattern: str) -> re.Match[str] | None:
        return re.search(pattern, output, re.MULTILINE)

    total = find(r"^\s*(\d+) requests in")
    rps = find(r"^Requests/sec:\s*([\d.]+)")
    p50 = find(r"^\s*50%\s+([\d.]+)(us|ms|s|m)\s*$")
    p99 = find(r"^\s*99%\s+([\d.]+)(us|ms|s|m)\s*$")
    if not (total and rps):
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    errors = 0
    if bad := find(r"Non-2xx or 3xx responses: (\d+)"):
        errors += int(bad.group(1))
    if sockets := find(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)"):
        errors += sum(int(n) for n in sockets.groups())
    return Result(
        requests=int(total.group(1)),
        errors=errors,
        rps=round(float(rps.group(1)), 1),
        p50_ms=round(_ms(*p50.groups()), 2) if p50 else 0.0,
        p99_ms=round(_ms(*p99.groups()), 2) if p99 else 0.0,
        engine="wrk",
    )


def run_wrk(base_url: str, load: Load, *, seconds: float, threads: int, connections: int) -> Result:
    threads = max(1, min(threads, connections))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua_script(load))
    try:
        completed = subprocess.run(
            [
                "wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
                "--timeout", "30s", "-s", script.name, base_url,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        Path(script.name).unlink(missing_ok=True)
    return parse_wrk(completed.stdout)


async def run_httpx(base_url: str, load: Load, *, seconds: float, connections: int) -> Result:
    """`connections` clients sending back to back for `seconds`; latencies measured at the client."""
    latencies: list[float] = []
    errors = 0
    counter = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits) as client:
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal errors, counter
            while time.perf_counter() < deadline:
                counter += 1
                headers = dict(load.headers)
                if load.unique_header:
                    headers[load.unique_header] = f"bench-{time.time_ns()}-{counter}"
                started = time.perf_counter()
                try:
                    response = await client.request(load.method, load.path, headers=headers, content=load.body)
                    if response.status_code >= 400:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                latencies.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    ordered = sorted(latencies) or [0.0]
    return Result(
        requests=len(latencies),
        errors=errors,
        rps=round(len(latencies) / elapsed, 1),
        p50_ms=round(ordered[len(ordered) // 2], 2),
        p99_ms=round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2),
        engine="httpx",
    )
