"""Every operation of the OpenAPI document, fuzzed by schemathesis against the live app: never a 5xx.

Two bounded passes per backend: a visitor with nothing pinned (odd slugs, order numbers, tokens, ids),
then the pengurus of a cooperative made for this test, with its slug and one of its orders pinned so the
staff operations get past "not found". Everything the signed-in pass may change belongs to that
cooperative, so the other tests sharing the stack see nothing of it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from app.models import CooperativeStatus
from tests.conftest import Stack
from tests.support import data, roles

# Seconds of fuzzing per pass; two passes per backend (FUZZ_SECONDS=120 for a longer hunt).
BUDGET = int(os.environ.get("FUZZ_SECONDS", "12"))
SCHEMATHESIS = Path(sys.executable).with_name("st")


def _run(stack: Stack, tmp: Path, name: str, *, cookie: str | None, pinned: dict[str, str]) -> None:
    config = tmp / f"{name}.toml"
    config.write_text(
        "[parameters]\n" + "".join(f'"{key}" = "{value}"\n' for key, value in pinned.items()), encoding="utf-8"
    )
    args = [
        str(SCHEMATHESIS),
        "--config-file",
        str(config),
        "run",
        f"{stack.url}/schema/openapi.json",
        "--checks",
        "not_a_server_error",
        "--phases",
        "coverage,fuzzing",
        "--max-time",
        str(BUDGET),
        "--max-examples",
        "40",
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--seed",
        "20261201",
        "--no-color",
        "--warnings",
        "off",
    ]
    if cookie:
        # Signing out would end the pass's own session.
        args += ["-H", f"Cookie: {cookie}", "--exclude-path", "/api/auth/logout"]
    result = subprocess.run(args, capture_output=True, text=True, timeout=BUDGET * 4 + 120, cwd=tmp, check=False)
    assert result.returncode == 0, f"schemathesis ({name}) found server errors:\n{result.stdout}"


async def test_no_operation_answers_5xx(stack: Stack, tmp_path: Path) -> None:
    cast = await roles.make_cast(stack.db, CooperativeStatus.OPEN)
    product = await data.make_product(stack.db, cast.slug, stock=1000)
    async with stack.client() as client:
        placed = await client.post(f"/api/cooperatives/{cast.slug}/orders", json=data.order_body(product.id, 1))
        assert placed.status_code == 201, placed.text
        signed_in = await client.post(
            "/api/auth/login", json={"phone": cast.phones["pengurus"], "password": roles.PASSWORD}
        )
        assert signed_in.status_code == 200, signed_in.text
        cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    _run(stack, tmp_path, "visitor", cookie=None, pinned={})
    _run(
        stack,
        tmp_path,
        "pengurus",
        cookie=cookie,
        pinned={"slug": cast.slug, "number": placed.json()["number"]},
    )
    # The pass's session still works: nothing it sent signed it out or broke it.
    async with httpx.AsyncClient(base_url=stack.url, headers={"Cookie": cookie}) as client:
        readiness = await client.get(f"/api/cooperatives/{cast.slug}/readiness")
        assert readiness.status_code == 200, readiness.text
