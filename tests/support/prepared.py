"""Migrated (and demo-seeded) databases made once per test process and copied for every fixture that needs one.

Running the migrations and loading the demo takes 15-60 s a database; a copy takes a fraction of a second:
a file copy on SQLite, `CREATE DATABASE ... TEMPLATE` on PostgreSQL. A copy gets an instance id of its own,
as a database migrated from scratch would (the search index tells databases apart by it).
"""

from __future__ import annotations

import asyncio
import atexit
import dataclasses
import shutil
import sqlite3
import tempfile
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from app.cli import migrate, seed_demo
from app.registry import import_models
from app.settings import Settings
from tests.support.postgres import CLUSTERS, PgCluster

Build = Callable[[Settings], None]
_lock = threading.Lock()
# (kind, backend location, what the build depends on) -> a SQLite file or a PostgreSQL template's name.
_templates: dict[tuple[object, ...], str] = {}
_workdir: Path | None = None


def demo(settings: Settings) -> None:
    """Migrations and the demo data, as `make run` leaves a new installation."""
    import_models()
    migrate(settings)
    asyncio.run(seed_demo(settings))


def empty(settings: Settings) -> None:
    """Migrations only, as a production start leaves a new installation."""
    migrate(settings)


def prepare(settings: Settings, build: Build = demo) -> None:
    """Give `settings`' database what `build` would put there (an empty PostgreSQL database must exist)."""
    url = make_url(settings.database_url)
    cluster = CLUSTERS.get(url.port or 5432) if url.get_backend_name() == "postgresql" else None
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        _copy_sqlite(settings, Path(url.database), build)
    elif cluster is not None and url.database and asyncio.run(_is_empty(cluster, url.database)):
        _copy_postgres(settings, cluster, url.database, build)
    else:
        # A database that holds something already, or a server these fixtures did not start.
        build(settings)


def _key(settings: Settings, build: Build, where: object) -> tuple[object, ...]:
    # The migrations read the secret keys (NIK conversion) and the demo hashes its password.
    return (build.__name__, where, settings.secret_key, settings.secret_key_previous, settings.demo_password)


def _dir() -> Path:
    global _workdir
    if _workdir is None:
        _workdir = Path(tempfile.mkdtemp(prefix="pasardesa-templates-"))
        atexit.register(shutil.rmtree, _workdir, True)
    return _workdir


def _copy_sqlite(settings: Settings, target: Path, build: Build) -> None:
    key = _key(settings, build, "sqlite")
    with _lock:
        if key not in _templates:
            place = _dir() / f"sqlite-{len(_templates)}"
            build(dataclasses.replace(settings, var_dir=place, database_url=""))
            _templates[key] = str(place / "pasardesa.sqlite3")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(_templates[key])
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        copy.execute("UPDATE instance_meta SET value = ? WHERE key = 'instance_id'", (uuid.uuid4().hex,))
        copy.commit()
    finally:
        copy.close()
        source.close()


def _copy_postgres(settings: Settings, cluster: PgCluster, name: str, build: Build) -> None:
    key = _key(settings, build, cluster.port)
    with _lock:
        if key not in _templates:
            template = f"pasardesa_template_{len(_templates)}"
            url = cluster.create_database(template)
            build(dataclasses.replace(settings, database_url=url))
            _templates[key] = template
    asyncio.run(_clone(cluster, _templates[key], name))


async def _is_empty(cluster: PgCluster, name: str) -> bool:
    connection = await asyncpg.connect(host="127.0.0.1", port=cluster.port, user="postgres", database=name)
    try:
        return not await connection.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await connection.close()


async def _clone(cluster: PgCluster, template: str, name: str) -> None:
    admin = await asyncpg.connect(host="127.0.0.1", port=cluster.port, user="postgres", database="postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await admin.close()
    copy = await asyncpg.connect(host="127.0.0.1", port=cluster.port, user="postgres", database=name)
    try:
        await copy.execute("UPDATE instance_meta SET value = $1 WHERE key = 'instance_id'", uuid.uuid4().hex)
    finally:
        await copy.close()
