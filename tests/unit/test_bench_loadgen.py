"""The HTTP bench's pieces that need no server: wrk output parsing, the wrk script, the report tables."""

from __future__ import annotations

import re

import pytest

from bench import loadgen, report
from bench.reference_app import create_app

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:8000/k/lok-baintan
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   396.12ms   80.20ms   1.20s    70.00%
    Req/Sec    40.12     10.00     60.00     70.00%
  Latency Distribution
     50%  390.50ms
     75%  420.00ms
     90%  480.00ms
     99%    1.10s
  803 requests in 10.02s, 20.00MB read
  Socket errors: connect 0, read 0, write 0, timeout 2
  Non-2xx or 3xx responses: 3
Requests/sec:     80.14
Transfer/sec:      2.00MB
"""


def test_wrk_output_is_read_with_units_and_errors() -> None:
    result = loadgen.parse_wrk(WRK_OUTPUT)
    assert result == loadgen.Result(requests=803, errors=5, rps=80.1, p50_ms=390.5, p99_ms=1100.0, engine="wrk")


def test_wrk_output_in_microseconds_without_errors() -> None:
    fast = WRK_OUTPUT.replace("390.50ms", "850.00us").replace("1.10s", "2.50ms")
    fast = "\n".join(line for line in fast.splitlines() if "errors" not in line and "Non-2xx" not in line)
    result = loadgen.parse_wrk(fast)
    assert (result.p50_ms, result.p99_ms, result.errors) == (0.85, 2.5, 0)


def test_unexpected_wrk_output_is_an_error() -> None:
    with pytest.raises(RuntimeError):
        loadgen.parse_wrk("wrk: connection refused")


def test_script_quotes_the_body_and_numbers_unique_headers() -> None:
    load = loadgen.Load(
        "/api/orders", "POST", '{"a": "b\\\\c"}', {"Content-Type": "application/json"},
        unique_header="Idempotency-Key",
    )
    script = loadgen.lua_script(load)
    assert 'wrk.format("POST", "/api/orders", headers, "{\\"a\\": \\"b\\\\\\\\c\\"}")' in script
    assert 'headers["Idempotency-Key"] = "bench-" .. stamp .. "-" .. tid .. "-" .. counter' in script
    assert '["Content-Type"] = "application/json"' in script
    assert re.search(r'^stamp = "\d+"$', script, re.MULTILINE)  # a number would print as 1.79e+18 in LuaJIT
    plain = loadgen.lua_script(loadgen.Load("/k/x"))
    assert "Idempotency-Key" not in plain and 'wrk.format("GET", "/k/x", headers, nil)' in plain


def test_reference_page_is_about_four_point_seven_kilobytes() -> None:
    from litestar.testing import TestClient

    with TestClient(create_app()) as client:
        response = client.get("/")
    assert response.status_code == 200
    assert 4_500 <= len(response.content) <= 5_000
    assert response.text.count('class="card"') == 24


def test_report_puts_the_share_of_the_reference_first() -> None:
    result = {"requests": 10, "errors": 0, "rps": 50.0, "p50_ms": 20.0, "p99_ms": 90.0, "engine": "wrk"}
    memory = {"rss_mb": 150.0, "peak_mb": 160.0, "index_mapped_mb": 3.0}
    group = {
        "backend": "sqlite",
        "dataset": "demo",
        "server": "uvicorn",
        "reference": {**result, "rps": 2000.0, "bytes": 0, "memory": memory},
        "pages": {
            "shop": {
                **result, "share": 0.025, "bytes": 20_480, "single_ms": 31.5, "reference_rps": 2000.0,
                "cpu_ms": 4.0, "cpu_share": 0.125,
            },
            "dashboard": {**result, "requests": 0, "rps": 0.0, "share": 0.0, "bytes": 9_000, "single_ms": 800.0},
        },
        "checkout": {"16": result},
        "memory": {"after_pages": memory, "after_checkout": memory},
    }
    text = report.markdown({
        "date": "2026-12-01",
        "machine": {"cpus": 2, "python": "3.11"},
        "load": {"engine": "wrk", "seconds": 10, "threads": 2, "connections": 32},
        "groups": [group],
    })
    assert "| shop | **2%** (50 req/s; by CPU 12%) |" in text
    assert "| reference page (req/s) | 2,000 |" in text
    assert "| checkout, 16 buyers | 50.0/s, p99 90 ms |" in text
    assert "| shop | 50.0 | 2,000.0 | 2.5% | 4.0 | 12.5% | 20.0 | 90.0 | 0 | 20.0 | 31.5 |" in text
    assert "| search page | – |" in text
    assert "| dashboard | **0%** (none finished in the run; 1 client: 800.0 ms) |" in text
