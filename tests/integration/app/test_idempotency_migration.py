"""Migration 0014 on a database holding keyed orders: each key gets its buyer, nothing is lost, and back."""

from __future__ import annotations

import asyncio
import datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app.cli import alembic_config
from app.settings import Settings
from tests.support.postgres import PgCluster

_ORDER = (
    "INSERT INTO customer_order (cooperative_id, number, token, user_id, idempotency_key, status, payment_status,"
    " payment_method, fulfilment, customer_name, customer_phone, subtotal, delivery_fee, total, created_at,"
    " updated_at) SELECT c.id, :number, 't', {user}, :key, 'placed', 'unpaid', 'cash', 'pickup', 'Ibu',"
    " '+6281234567890', 1000, 0, 1000, :stamp, :stamp FROM cooperative c, user_account u"
)
BEFORE: list[tuple[str, dict[str, object]]] = [
    (
        "INSERT INTO cooperative (slug, name, short_name, order_prefix, desa, kecamatan, kabupaten, provinsi,"
        " whatsapp, timezone, is_demo, is_active, created_at, updated_at) VALUES ('lama', 'Koperasi Lama', 'KL',"
        " 'KLA', 'Desa', 'Kec', 'Kab', 'Kalimantan Selatan', '6281200000999', 'Asia/Makassar', false, true,"
        " :stamp, :stamp)",
        {},
    ),
    (
        "INSERT INTO user_account (phone, name, password_hash, is_active, created_at, updated_at)"
        " VALUES ('+6281200000998', 'Warga Lama', 'x', true, :stamp, :stamp)",
        {},
    ),
    (_ORDER.replace("{user}", "NULL"), {"number": "KLA-1", "key": "kunci-tamu-1"}),
    (_ORDER.replace("{user}", "u.id"), {"number": "KLA-2", "key": "kunci-akun-1"}),
    (_ORDER.replace("{user}", "NULL"), {"number": "KLA-3", "key": None}),
    (
        "INSERT INTO order_line (order_id, name, unit, unit_price, producer_price, quantity, line_total, created_at,"
        " updated_at) SELECT o.id, 'Gula', 'kg', 1000, 900, 1, 1000, :stamp, :stamp FROM customer_order o",
        {},
    ),
]
SCOPES = "SELECT number, idempotency_scope FROM customer_order ORDER BY number"


async def _run(url: str, statements: list[str] | list[tuple[str, dict[str, object]]]) -> list[list[tuple[object, ...]]]:
    engine = create_async_engine(url)
    found: list[list[tuple[object, ...]]] = []
    stamp = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    try:
        async with engine.begin() as conn:
            for item in statements:
                statement, params = (item, {}) if isinstance(item, str) else item
                result = await conn.execute(
                    text(statement), {"stamp": stamp, **params} if ":stamp" in statement else params
                )
                if statement.startswith("SELECT"):
                    found.append([tuple(row) for row in result.all()])
    finally:
        await engine.dispose()
    return found


def _check(settings: Settings) -> None:
    config = alembic_config(settings)
    command.upgrade(config, "0013_member_numbers")
    asyncio.run(_run(settings.database_url, BEFORE))
    command.upgrade(config, "0014_idempotency_scope")
    scopes, lines = asyncio.run(_run(settings.database_url, [SCOPES, "SELECT count(*) FROM order_line"]))
    user_id = asyncio.run(_run(settings.database_url, ["SELECT id FROM user_account"]))[0][0][0]
    assert scopes == [("KLA-1", "p:+6281234567890"), ("KLA-2", f"u:{user_id}"), ("KLA-3", None)]
    assert lines == [(3,)]  # the rebuilt order table lost none of the lines pointing at it
    command.downgrade(config, "0013_member_numbers")
    keys = asyncio.run(_run(settings.database_url, ["SELECT count(idempotency_key) FROM customer_order"]))
    assert keys == [[(2,)]]
    command.upgrade(config, "heads")


def test_keyed_orders_get_their_buyer_on_sqlite(tmp_path: Path) -> None:
    _check(Settings(var_dir=tmp_path, secret_key="x"))


@pytest.mark.postgres
def test_keyed_orders_get_their_buyer_on_postgres(pg_cluster: PgCluster) -> None:
    _check(Settings(database_url=pg_cluster.create_database("pasardesa_migration_0014"), secret_key="x"))
