"""Migration 0015: plain NIKs become a keyed hash and an encrypted copy, on SQLite and PostgreSQL, and back."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app.cli import alembic_config
from app.nik_vault import NikVault
from app.settings import Settings
from tests.support.postgres import PgCluster

NIK = "6303041506900042"


async def _run(url: str, statement: str, params: dict[str, object] | None = None) -> list[tuple[object, ...]]:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(text(statement), params or {})
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        await engine.dispose()


def _convert_and_back(make: type[Settings], **options: object) -> None:
    old_key, new_key = secrets.token_hex(32), secrets.token_hex(32)
    settings = make(secret_key=old_key, **options)  # type: ignore[arg-type]
    config = alembic_config(settings)
    command.upgrade(config, "0013_member_numbers")
    asyncio.run(
        _run(
            settings.database_url,
            "INSERT INTO user_account (phone, name, password_hash, is_active, nik, created_at, updated_at) VALUES"
            " ('+6281200000997', 'Warga Lama', 'x', true, '6303041506900042', '2026-01-01 00:00:00',"
            " '2026-01-01 00:00:00')",
        )
    )
    command.upgrade(config, "0015_nik_protected")
    [(nik_hash, sealed, epoch)] = asyncio.run(
        _run(settings.database_url, "SELECT nik_hash, nik_sealed, session_epoch FROM user_account")
    )
    assert isinstance(nik_hash, str) and isinstance(sealed, str) and epoch == 0
    assert NIK not in nik_hash + sealed
    # After rotating (SECRET_KEY new, SECRET_KEY_PREVIOUS old) the row still opens and is still found.
    rotated = NikVault.from_secrets((new_key, old_key))
    assert rotated.open(sealed) == NIK and nik_hash in rotated.digests(NIK)
    assert NikVault.from_secrets((new_key,)).open(sealed) is None  # the key is what protects it
    with pytest.raises(Exception, match="nik"):  # the plain column is gone
        asyncio.run(_run(settings.database_url, "SELECT nik FROM user_account"))
    command.downgrade(config, "0013_member_numbers")
    assert asyncio.run(_run(settings.database_url, "SELECT nik FROM user_account")) == [(NIK,)]


def test_plain_niks_are_converted_on_sqlite(tmp_path: Path) -> None:
    _convert_and_back(Settings, var_dir=tmp_path)


@pytest.mark.postgres
def test_plain_niks_are_converted_on_postgres(pg_cluster: PgCluster) -> None:
    _convert_and_back(Settings, database_url=pg_cluster.create_database("pasardesa_nik_migration"))


def test_rekey_rewrites_niks_under_the_new_key(tmp_path: Path) -> None:
    from app.cli import migrate, rekey_nik

    old_key, new_key = secrets.token_hex(32), secrets.token_hex(32)
    settings = Settings(var_dir=tmp_path, secret_key=old_key)
    migrate(settings)
    nik_hash, sealed = NikVault.from_secrets((old_key,)).seal(NIK)
    asyncio.run(
        _run(
            settings.database_url,
            "INSERT INTO user_account (phone, name, password_hash, is_active, session_epoch, nik_hash, nik_sealed,"
            " created_at, updated_at) VALUES ('+6281200000996', 'W', 'x', true, 0, :nik_hash, :sealed,"
            " '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
            {"nik_hash": nik_hash, "sealed": sealed},
        )
    )
    rotated = Settings(var_dir=tmp_path, secret_key=new_key, secret_key_previous=(old_key,))
    assert asyncio.run(rekey_nik(rotated)).startswith("1 NIK")
    [(new_hash, new_sealed)] = asyncio.run(_run(settings.database_url, "SELECT nik_hash, nik_sealed FROM user_account"))
    alone = NikVault.from_secrets((new_key,))
    assert new_hash == alone.digest(NIK) and alone.open(str(new_sealed)) == NIK
    assert asyncio.run(rekey_nik(rotated)).startswith("0 NIK")
