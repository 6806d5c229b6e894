"""The roles migration on a database that already holds staff: they become pengurus, cooperatives stay open."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app.cli import alembic_config
from app.settings import Settings
from tests.support.postgres import PgCluster

BEFORE = [
    "INSERT INTO cooperative (slug, name, short_name, order_prefix, desa, kecamatan, kabupaten, provinsi, whatsapp,"
    " timezone, is_demo, is_active, created_at, updated_at) VALUES ('lama', 'Koperasi Lama', 'KL', 'KLA', 'Desa',"
    " 'Kec', 'Kab', 'Kalimantan Selatan', '6281200000999', 'Asia/Makassar', false, true,"
    " '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    "INSERT INTO user_account (phone, name, password_hash, is_active, created_at, updated_at)"
    " VALUES ('+6281200000900', 'Orang 0', 'x', true, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    "INSERT INTO user_account (phone, name, password_hash, is_active, created_at, updated_at)"
    " VALUES ('+6281200000901', 'Orang 1', 'x', true, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    "INSERT INTO user_account (phone, name, password_hash, is_active, created_at, updated_at)"
    " VALUES ('+6281200000902', 'Orang 2', 'x', true, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    "INSERT INTO membership (user_id, cooperative_id, role, status, created_at, updated_at)"
    " SELECT u.id, c.id, 'staff', 'approved', '2026-01-01 00:00:00', '2026-01-01 00:00:00'"
    " FROM user_account u, cooperative c"
    " WHERE u.phone = '+6281200000900'",
    "INSERT INTO membership (user_id, cooperative_id, role, status, created_at, updated_at)"
    " SELECT u.id, c.id, 'admin', 'approved', '2026-01-01 00:00:00', '2026-01-01 00:00:00'"
    " FROM user_account u, cooperative c"
    " WHERE u.phone = '+6281200000901'",
    "INSERT INTO membership (user_id, cooperative_id, role, status, created_at, updated_at)"
    " SELECT u.id, c.id, 'member', 'approved', '2026-01-01 00:00:00', '2026-01-01 00:00:00'"
    " FROM user_account u, cooperative c"
    " WHERE u.phone = '+6281200000902'",
]


async def _run(url: str, statements: list[str]) -> list[list[tuple[object, ...]]]:
    engine = create_async_engine(url)
    found: list[list[tuple[object, ...]]] = []
    try:
        async with engine.begin() as conn:
            for statement in statements:
                result = await conn.execute(text(statement))
                if statement.startswith("SELECT"):
                    found.append([tuple(r) for r in result])
    finally:
        await engine.dispose()
    return found


def _check(settings: Settings) -> None:
    config = alembic_config(settings)
    command.upgrade(config, "0009_onboarding_base")
    asyncio.run(_run(settings.database_url, BEFORE))
    command.upgrade(config, "heads")
    roles, status = asyncio.run(
        _run(
            settings.database_url,
            [
                "SELECT u.name, m.role FROM membership m JOIN user_account u ON u.id = m.user_id ORDER BY u.name",
                "SELECT status FROM cooperative",
            ],
        )
    )
    assert roles == [("Orang 0", "pengurus"), ("Orang 1", "pengurus"), ("Orang 2", "member")]
    assert status == [("open",)]
    command.downgrade(config, "0009_onboarding_base")
    (back,) = asyncio.run(_run(settings.database_url, ["SELECT role FROM membership ORDER BY user_id"]))
    assert back == [("staff",), ("staff",), ("member",)]


def test_staff_become_pengurus_on_sqlite(tmp_path: Path) -> None:
    _check(Settings(var_dir=tmp_path, secret_key="x"))


@pytest.mark.postgres
def test_staff_become_pengurus_on_postgres(pg_cluster: PgCluster) -> None:
    _check(Settings(database_url=pg_cluster.create_database("pasardesa_migration_0010"), secret_key="x"))
