"""`make bench`: runs every benchmark and writes its numbers to bench/results/."""

from __future__ import annotations

import asyncio
import importlib
import sys

BENCHMARKS = ("bench.search_bench",)


def main() -> int:
    for name in BENCHMARKS:
        module = importlib.import_module(name)
        print(f"== {name}", flush=True)
        result = module.main([])
        code = asyncio.run(result) if asyncio.iscoroutine(result) else result
        if code:
            return int(code)
    return 0


if __name__ == "__main__":
    sys.exit(main())
