"""Shared fixtures: a migrated database with the demo data and the real app served over HTTP,
on a SQLite file and on a throwaway PostgreSQL cluster."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app import nik_vault
from app.db import DatabaseConfig
from app.registry import import_models
from app.settings import Settings
from tests.support import data, prepared
from tests.support.postgres import PgCluster, find_bindir, start_cluster
from tests.support.server import LiveServer, start_server

# Every model and the HET flush check, as the app and the CLI wire them, for tests that build rows directly.
import_models()

DEMO_PASSWORD = "uji-demo-sandi"
SECRET = "test-secret-key-not-for-production"
# Tests read and write NIKs with the key the served app uses.
nik_vault.configure((SECRET,))


@dataclass
class Stack:
    """One database backend with the app served against it."""

    backend: str
    settings: Settings
    server: LiveServer
    db: DatabaseConfig

    @property
    def url(self) -> str:
        return self.server.url

    def client(self, **kwargs: object) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=60, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    if find_bindir() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL binaries are missing in CI: .ci/run must install Debian's postgresql")
        pytest.skip("PostgreSQL binaries (initdb) not found: install Debian's postgresql package")
    cluster = start_cluster()
    yield cluster
    cluster.stop()


def make_settings(tmp: Path, database_url: str = "") -> Settings:
    return Settings(
        database_url=database_url, secret_key=SECRET, var_dir=tmp, demo_password=DEMO_PASSWORD, demo_mode=True
    )


def server_env(settings: Settings) -> dict[str, str]:
    return {
        "DATABASE_URL": settings.database_url,
        "VAR_DIR": str(settings.var_dir),
        "SECRET_KEY": SECRET,
        "DEMO_PASSWORD": DEMO_PASSWORD,
        "DEMO_MODE": "1",
        # The suite logs in far more often than a person could; one test checks the real limit.
        "LOGIN_RATE_LIMIT": "10000",
        "ACCOUNT_RATE_LIMIT": "10000",
        "ORDER_RATE_LIMIT_ADDRESS": "0",
        "ORDER_RATE_LIMIT_PHONE": "0",
    }


def _prepare(settings: Settings) -> None:
    """Migrations and the demo data in `settings`' (new, empty) database: a copy of the first one made."""
    prepared.prepare(settings, prepared.demo)


@pytest.fixture(scope="session")
def _made() -> Iterator[dict[str, object]]:
    """Session fixtures' values by backend, kept for the whole session.

    pytest keeps one parameter of a parametrized session fixture at a time and tears it down to set up
    the next; when the tests of one backend do not run in one block (pytest-xdist hands each worker
    whole files), each switch would make the database and the server again.
    """
    made: dict[str, object] = {}
    yield made
    for value in made.values():
        if isinstance(value, Stack):
            value.server.stop()


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, _made: dict[str, object]) -> Stack:
    backend = request.param
    made = _made.get(f"stack-{backend}")
    if isinstance(made, Stack):
        return made
    tmp = tmp_path_factory.mktemp(f"stack-{backend}")
    cluster: PgCluster | None = request.getfixturevalue("pg_cluster") if backend == "postgres" else None
    settings = make_settings(tmp, cluster.create_database("pasardesa_stack") if cluster else "")
    _prepare(settings)
    server = start_server(server_env(settings), log_dir=tmp)
    if cluster:
        cluster.on_stop.append(server.stop)
    db = DatabaseConfig(settings)
    data.DATABASES[server.url] = db
    _made[f"stack-{backend}"] = made = Stack(backend=backend, settings=settings, server=server, db=db)
    return made


@pytest.fixture
async def http(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with stack.client() as client:
        yield client


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def quiet_settings(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, _made: dict[str, object]
) -> Settings:
    """A migrated demo database that no app server touches, for driving services in-process."""
    backend = request.param
    made = _made.get(f"quiet-{backend}")
    if isinstance(made, Settings):
        return made
    tmp = tmp_path_factory.mktemp(f"quiet-{backend}")
    if backend == "postgres":
        cluster: PgCluster = request.getfixturevalue("pg_cluster")
        settings = make_settings(tmp, cluster.create_database("pasardesa_quiet"))
    else:
        settings = make_settings(tmp)
    _prepare(settings)
    _made[f"quiet-{backend}"] = settings
    return settings
