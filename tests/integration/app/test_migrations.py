"""The orders-and-payments migration on a database that already holds data, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app.cli import alembic_config
from app.settings import Settings
from tests.support.postgres import PgCluster

# Rows as a walking-skeleton database would hold them before this migration.
BEFORE = [
    "INSERT INTO cooperative (slug, name, short_name, order_prefix, desa, kecamatan, kabupaten, provinsi, whatsapp,"
    " timezone, is_demo, is_active, created_at, updated_at) VALUES ('lama', 'Koperasi Lama', 'KL', 'KLA', 'Desa',"
    " 'Kec', 'Kab', 'Kalimantan Selatan', '6281200000999', 'Asia/Makassar', false, true,"
    " '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    "INSERT INTO category (slug, name, position, created_at, updated_at)"
    " VALUES ('sembako', 'Sembako', 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    "INSERT INTO product (cooperative_id, category_id, name, unit, producer_price, retail_price, stock, status,"
    " search_aliases, popularity, created_at, updated_at) SELECT c.id, k.id, 'Gula', 'kg', 15000, 17000, 5, 'active',"
    " '[]', 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00' FROM cooperative c, category k",
    "INSERT INTO user_account (phone, name, password_hash, is_active, created_at, updated_at)"
    " VALUES ('+6281200000998', 'Warga Lama', 'x', true, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    "INSERT INTO membership (user_id, cooperative_id, role, status, created_at, updated_at) SELECT u.id, c.id,"
    " 'member', 'approved', '2026-01-01 00:00:00', '2026-01-01 00:00:00' FROM user_account u, cooperative c",
]
AFTER = {
    "SELECT members_only, requires_nik, quota_qty, ceiling_commodity FROM product": (False, False, None, None),
    "SELECT qris_is_demo, qris_payload, bank_name FROM cooperative": (False, None, None),
    "SELECT nik_hash, nik_sealed, dusun FROM user_account": (None, None, None),
    "SELECT count(*) FROM price_ceiling": (0,),
    "SELECT count(*) FROM delivery_zone": (0,),
    "SELECT count(*) FROM payment": (0,),
    # Nothing that pointed at a rebuilt table was lost (a cascading DROP once deleted every product).
    "SELECT count(*) FROM membership": (1,),
}


async def _run(url: str, statements: list[str]) -> list[tuple[object, ...]]:
    engine = create_async_engine(url)
    rows: list[tuple[object, ...]] = []
    try:
        async with engine.begin() as conn:
            for statement in statements:
                result = await conn.execute(text(statement))
                if statement.startswith("SELECT"):
                    rows.append(tuple(result.one()))
    finally:
        await engine.dispose()
    return rows


def _upgrade_with_rows(settings: Settings) -> None:
    config = alembic_config(settings)
    command.upgrade(config, "0001")
    asyncio.run(_run(settings.database_url, BEFORE))
    command.upgrade(config, "heads")
    rows = asyncio.run(_run(settings.database_url, list(AFTER)))
    # SQLite returns booleans as 0/1.
    found = [
        tuple(bool(v) if isinstance(v, int) and "count" not in q else v for v in r)
        for q, r in zip(AFTER, rows, strict=True)
    ]
    assert found == list(AFTER.values())


def test_upgrade_keeps_existing_rows_on_sqlite(tmp_path: Path) -> None:
    _upgrade_with_rows(Settings(var_dir=tmp_path, secret_key="x"))


def test_a_table_rebuild_during_a_migration_loses_no_rows_on_sqlite(tmp_path: Path) -> None:
    """Any later migration may make Alembic rebuild a SQLite table; rows that point at it must survive."""
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    from app.db import make_engine

    settings = Settings(var_dir=tmp_path, secret_key="x")
    _upgrade_with_rows(settings)

    async def rebuild() -> list[tuple[object, ...]]:
        engine = make_engine(settings, for_migrations=True)
        async with engine.begin() as conn:

            def alter(sync_conn: object) -> None:
                operations = Operations(MigrationContext.configure(sync_conn))  # type: ignore[arg-type]
                with operations.batch_alter_table("cooperative", recreate="always") as batch:
                    batch.alter_column("short_name", existing_type=sa.String(80), nullable=False)

            await conn.run_sync(alter)
        await engine.dispose()
        return await _run(settings.database_url, ["SELECT count(*) FROM product", "SELECT count(*) FROM membership"])

    assert asyncio.run(rebuild()) == [(1,), (1,)]


@pytest.mark.postgres
def test_upgrade_keeps_existing_rows_on_postgres(pg_cluster: PgCluster) -> None:
    _upgrade_with_rows(Settings(database_url=pg_cluster.create_database("pasardesa_migration_0003"), secret_key="x"))
