"""A server worker does not load the libraries only rare pages or tools need: each costs every worker memory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
# Imported where they are used: photo uploads (Pillow), QRIS codes (segno, zxing-cpp), member imports
# (openpyxl), sealed NIKs (cryptography), Meilisearch only when configured; test and fuzzing tools never; the
# migration and command-line tools (alembic, click, rich) only in `app.cli` (~15 MB through advanced-alchemy's
# Litestar extension, which app.alchemy replaces).
RARE = (
    "PIL", "segno", "zxingcpp", "openpyxl", "cryptography", "meilisearch_python_sdk", "schemathesis", "hypothesis",
    "pytest", "alembic", "click", "rich", "rich_click",
)

PROGRAM = """
import json, sys
from pathlib import Path
from app.asgi import create_app
from app.settings import Settings
create_app(Settings(database_url="", secret_key="k" * 40, var_dir=Path(sys.argv[1])))
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_creating_the_app_loads_no_rare_heavy_library(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert not loaded & set(RARE), f"the app loads {sorted(loaded & set(RARE))} when it starts"
