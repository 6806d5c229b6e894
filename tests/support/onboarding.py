"""A fresh production start (DEMO_MODE=0, an empty migrated database, its own app server) and its CLI, for the
onboarding journeys that must work without a single row of demo data."""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from app.db import DatabaseConfig
from app.models import Cooperative, User
from app.settings import Settings
from tests.support import data, prepared
from tests.support.installation import UVICORN_TRUSTS_NOBODY
from tests.support.postgres import PgCluster
from tests.support.server import ROOT, LiveServer, start_server

# DEMO_MODE=0 is a real deployment: it refuses to start without a key of its own.
FRESH_SECRET = "fresh-instance-secret-key-for-tests-only-0123456789"
PRICE_LIST = ROOT / "tests" / "fixtures" / "imports" / "harga_20_baris_2_salah.csv"
# Sungai Sipai, Kecamatan Martapura, Kabupaten Banjar (Kalimantan Selatan): a real desa code.
SUNGAI_SIPAI = "63.03.05.2009"
_databases = itertools.count(1)


@dataclass
class FreshSite:
    """An empty installation served as an operator would run it, and how to run its CLI."""

    backend: str
    settings: Settings
    server: LiveServer
    db: DatabaseConfig
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=60)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`python -m app.cli ARGS` with the server's environment; links it prints point at the server."""
        env = {**os.environ, **self.env, "BASE_URL": self.url}
        return subprocess.run(
            [sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )

    def create_operator(self, name: str, phone: str, region: str = "") -> str:
        """Run `create-operator` and return the path of the one-time link it prints (`/atur-sandi/...`)."""
        args = ["create-operator", "--name", name, "--phone", phone]
        if region:
            args += ["--region", region]
        done = self.cli(*args)
        assert done.returncode == 0, done.stderr
        match = re.search(r"https?://\S+(/atur-sandi/\S+)", done.stdout)
        assert match, done.stdout
        return match.group(1)


def _env(settings: Settings) -> dict[str, str]:
    return {
        "DATABASE_URL": settings.database_url,
        "VAR_DIR": str(settings.var_dir),
        "SECRET_KEY": FRESH_SECRET,
        "SECRET_KEY_PREVIOUS": "",
        "DEMO_MODE": "0",
        # The journey signs in many people from one address; one test elsewhere checks the real limit.
        "LOGIN_RATE_LIMIT": "10000",
        "ORDER_RATE_LIMIT_ADDRESS": "0",
        "ORDER_RATE_LIMIT_PHONE": "0",
        "TRUSTED_PROXIES": "",
        "FORWARDED_ALLOW_IPS": UVICORN_TRUSTS_NOBODY,
    }


@contextmanager
def fresh_site(request: pytest.FixtureRequest, tmp: Path, backend: str, name: str) -> Iterator[FreshSite]:
    """Migrate an empty database (no demo), start the app on it with DEMO_MODE=0, stop it afterwards."""
    tmp.mkdir(parents=True, exist_ok=True)
    if backend == "postgres":
        cluster: PgCluster = request.getfixturevalue("pg_cluster")
        database = cluster.create_database(f"{name}_{next(_databases)}")
        settings = Settings(database_url=database, secret_key=FRESH_SECRET, var_dir=tmp, demo_mode=False)
    else:
        settings = Settings(secret_key=FRESH_SECRET, var_dir=tmp, demo_mode=False)
    prepared.prepare(settings, prepared.empty)
    env = _env(settings)
    server = start_server(env, log_dir=tmp)
    db = DatabaseConfig(settings)
    data.DATABASES[server.url] = db
    try:
        yield FreshSite(backend=backend, settings=settings, server=server, db=db, env=env)
    finally:
        server.stop()


async def assert_empty(db: DatabaseConfig) -> None:
    """A production start holds no cooperative and no account until someone creates them."""
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Cooperative)) == 0
        assert await session.scalar(select(func.count()).select_from(User)) == 0


def fixed_price_list() -> bytes:
    """The 20-row price list with its two bad rows corrected, as the pengurus would fix it in Excel."""
    text = PRICE_LIST.read_text(encoding="utf-8")
    assert "loyang,45.000,five" in text and "Sapu Lidi,Perkakas Dapur" in text
    text = text.replace("loyang,45.000,five", "loyang,45.000,5")
    text = text.replace("Sapu Lidi,Perkakas Dapur", "Sapu Lidi,Kebutuhan Rumah Tangga")
    return text.encode("utf-8")
