"""A backup taken while the app runs restores into a fresh installation with every order and file."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from app.db import DatabaseConfig
from app.settings import Settings
from tests.support import data
from tests.support.installation import env_for, installation
from tests.support.postgres import PgCluster
from tests.support.server import ROOT, start_server


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **env_for(settings, SECRET_KEY=secrets.token_hex(32))}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(params=["sqlite", "postgres"])
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return installation(request, tmp_path / "site", request.param, "pasardesa_backup_source")


async def test_backup_while_running_then_restore_finds_every_order(
    site: Settings, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    photo = site.var_dir / "media" / "produk" / "contoh-thumb.webp"
    photo.parent.mkdir(parents=True, exist_ok=True)
    photo.write_bytes(b"RIFF....WEBP")
    server = start_server(env_for(site, SECRET_KEY=secrets.token_hex(32)), log_dir=tmp_path)
    db = DatabaseConfig(site)
    orders: list[dict[str, str]] = []
    try:
        product = await data.make_product(db, stock=50)
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
            for _ in range(5):
                created = await client.post("/api/cooperatives/lok-baintan/orders", json=data.order_body(product.id))
                assert created.status_code == 201, created.text
                orders.append(created.json())
        made = _cli(site, "backup", str(tmp_path / "cadangan"))  # the app keeps running meanwhile
        assert made.returncode == 0, made.stderr
        refused = _cli(site, "restore", str(tmp_path / "cadangan"))
        assert refused.returncode == 2 and "--force" in refused.stderr
    finally:
        server.stop()
        await db.dispose()

    if not site.is_sqlite:
        cluster: PgCluster = request.getfixturevalue("pg_cluster")
        fresh = Settings(database_url=cluster.create_database("pasardesa_backup_target"), var_dir=tmp_path / "fresh")
    else:
        fresh = Settings(var_dir=tmp_path / "fresh")
    restored = _cli(fresh, "restore", str(tmp_path / "cadangan"))
    assert restored.returncode == 0, restored.stderr
    assert (fresh.var_dir / "media" / "produk" / "contoh-thumb.webp").read_bytes() == photo.read_bytes()
    server = start_server(env_for(fresh, SECRET_KEY=secrets.token_hex(32)), log_dir=tmp_path)
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
            for order in orders:
                found = await client.get(f"/api/orders/{order['number']}", params={"token": order["token"]})
                assert found.status_code == 200, found.text
                assert found.json()["number"] == order["number"]
    finally:
        server.stop()
