"""`make bench`: runs every bench/*_bench.py module in turn, each in its own process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    failed = 0
    for path in sorted(Path(__file__).parent.glob("*_bench.py")):
        print(f"== {path.stem}", flush=True)
        failed += subprocess.run([sys.executable, "-m", f"bench.{path.stem}"], cwd=ROOT, check=False).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
