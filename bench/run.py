"""`make bench`: runs every bench/*_bench.py module in turn, each in its own process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    """Arguments are for the HTTP bench (`--quick`, `--province`, ...); the others take none."""
    if {"-h", "--help"} & set(argv):
        print(__doc__)
        return subprocess.run([sys.executable, "-m", "bench.http_bench", "--help"], cwd=ROOT, check=False).returncode
    failed = 0
    for path in sorted(Path(__file__).parent.glob("*_bench.py")):
        print(f"== {path.stem}", flush=True)
        args = argv if path.stem == "http_bench" else []
        command = [sys.executable, "-m", f"bench.{path.stem}", *args]
        failed += subprocess.run(command, cwd=ROOT, check=False).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
