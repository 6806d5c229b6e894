"""The synthetic province (scale 0.002) on top of the demo: its rows agree with each other and the app serves them."""

# ruff: noqa: S608  (the SQL is this file's own text; nothing comes from input)
from __future__ import annotations

import asyncio
import datetime
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import func, select, text

from app.db import DatabaseConfig
from app.demo.province import MARKER, generate_province, make_plan, read_villages
from app.models import Cooperative, Membership, User
from catalog.models import Category, Product
from tests.conftest import DEMO_PASSWORD, _prepare, make_settings, server_env
from tests.support import data
from tests.support.postgres import PgCluster
from tests.support.server import start_server

SCALE = 0.002
WITA = ZoneInfo("Asia/Makassar")


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def province(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseConfig]:
    tmp: Path = tmp_path_factory.mktemp(f"province-{request.param}")
    if request.param == "postgres":
        cluster: PgCluster = request.getfixturevalue("pg_cluster")
        settings = make_settings(tmp, cluster.create_database("pasardesa_province"))
    else:
        settings = make_settings(tmp)
    _prepare(settings)
    lines: list[str] = []
    summary = asyncio.run(generate_province(settings, scale=SCALE, seed=3, progress=lines.append))
    assert "Provinsi sintetis dimuat" in summary, summary
    assert any("baris/dtk" in line for line in lines), lines
    again = asyncio.run(generate_province(settings, scale=SCALE, seed=3, progress=lines.append))
    assert "sudah ada" in again
    db = DatabaseConfig(settings)
    yield db
    asyncio.run(db.dispose())


async def rows(db: DatabaseConfig, sql: str) -> list[tuple[object, ...]]:
    async with db.session() as session:
        return [tuple(r) for r in (await session.execute(text(sql))).all()]


def synthetic(column: str = "o.cooperative_id") -> str:
    return f"{column} IN (SELECT id FROM cooperative WHERE description LIKE '{MARKER}%')"


async def test_one_cooperative_per_desa_and_kelurahan(province: DatabaseConfig) -> None:
    villages = read_villages()
    assert len(villages) == 2016
    kodes = await rows(province, "SELECT kode_wilayah FROM cooperative")
    assert len(kodes) == 2016
    assert {k for (k,) in kodes} == {v.kode for v in villages}


async def test_active_cooperatives_have_producers_products_members_and_orders(province: DatabaseConfig) -> None:
    active = await rows(
        province,
        "SELECT c.id, (SELECT count(*) FROM product p WHERE p.cooperative_id = c.id),"
        " (SELECT count(*) FROM producer p WHERE p.cooperative_id = c.id),"
        " (SELECT count(*) FROM membership m WHERE m.cooperative_id = c.id AND m.role = 'member'),"
        " (SELECT count(*) FROM customer_order o WHERE o.cooperative_id = c.id)"
        f" FROM cooperative c WHERE {synthetic('c.id')} AND c.bank_name IS NOT NULL",
    )
    assert len(active) == make_plan(SCALE, 2016).active
    for _, products, producers, members, orders in active:
        assert products >= 100 and producers > 0 and members > 0 and orders > 100  # type: ignore[operator]
    assert not await rows(
        province,
        "SELECT c.id FROM cooperative c WHERE EXISTS (SELECT 1 FROM customer_order o WHERE o.cooperative_id = c.id)"
        " AND NOT EXISTS (SELECT 1 FROM product p WHERE p.cooperative_id = c.id)",
    )


async def test_stock_is_the_sum_of_the_ledger_for_every_product(province: DatabaseConfig) -> None:
    mismatched = await rows(
        province,
        "SELECT p.id, p.stock, l.total FROM product p LEFT JOIN"
        " (SELECT product_id, sum(delta) AS total FROM stock_ledger GROUP BY product_id) l ON l.product_id = p.id"
        " WHERE p.stock <> coalesce(l.total, 0) OR p.stock < 0",
    )
    assert mismatched == []
    assert (await rows(province, "SELECT count(*) FROM product"))[0][0] >= 600  # type: ignore[operator]


async def test_order_totals_lines_and_payments_agree(province: DatabaseConfig) -> None:
    assert not await rows(
        province,
        "SELECT o.id FROM customer_order o JOIN"
        " (SELECT order_id, sum(line_total) AS lines, sum(unit_price * quantity) AS priced FROM order_line"
        " GROUP BY order_id) l ON l.order_id = o.id"
        " WHERE o.subtotal <> l.lines OR l.lines <> l.priced OR o.total <> l.lines + o.delivery_fee",
    )
    assert not await rows(
        province,
        "SELECT o.id FROM customer_order o WHERE NOT EXISTS (SELECT 1 FROM order_line l WHERE l.order_id = o.id)",
    )
    # Payments only for paid orders; in the synthetic province every paid order has its payment.
    assert not await rows(
        province,
        "SELECT p.id FROM payment p JOIN customer_order o ON o.id = p.order_id"
        " WHERE p.kind = 'paid' AND (o.payment_status <> 'paid' OR p.amount <> o.total)",
    )
    assert not await rows(
        province,
        f"SELECT o.id FROM customer_order o WHERE {synthetic()} AND o.payment_status = 'paid'"
        " AND NOT EXISTS (SELECT 1 FROM payment p WHERE p.order_id = o.id AND p.kind = 'paid')",
    )
    by_status = f"SELECT o.status, count(*) FROM customer_order o WHERE {synthetic()} GROUP BY o.status"
    counts = {str(status): int(str(n)) for status, n in await rows(province, by_status)}
    assert counts["completed"] > counts["cancelled"] > 0
    assert {"placed", "confirmed", "packed"} <= set(counts)


async def test_events_and_deliveries_follow_the_orders(province: DatabaseConfig) -> None:
    assert not await rows(
        province,
        "SELECT o.id FROM customer_order o WHERE o.status <> (SELECT e.to_status FROM order_event e"
        " WHERE e.order_id = o.id ORDER BY e.created_at DESC, e.id DESC LIMIT 1)",
    )
    assert not await rows(
        province,
        "SELECT s.id FROM delivery_stop s JOIN customer_order o ON o.id = s.order_id"
        " WHERE o.fulfilment <> 'delivery' OR o.status NOT IN ('out_for_delivery', 'completed')"
        " OR (s.delivered_at IS NULL) <> (o.status <> 'completed')",
    )
    assert not await rows(
        province,
        "SELECT r.id FROM cash_reconciliation r WHERE r.expected <> (SELECT coalesce(sum(s.cash_collected), 0)"
        " FROM delivery_stop s WHERE s.reconciliation_id = r.id) OR r.difference <> r.received - r.expected",
    )
    assert (await rows(province, f"SELECT count(*) FROM cash_reconciliation o WHERE {synthetic()}"))[0][0]


async def test_settlements_cover_only_completed_sales(province: DatabaseConfig) -> None:
    sold: dict[tuple[int, datetime.date], int] = defaultdict(int)
    completed = await rows(
        province,
        "SELECT l.producer_id, l.producer_price * l.quantity, e.created_at FROM order_line l"
        " JOIN customer_order o ON o.id = l.order_id JOIN order_event e ON e.order_id = o.id"
        f" WHERE o.status = 'completed' AND e.to_status = 'completed' AND l.producer_id IS NOT NULL AND {synthetic()}",
    )
    for producer_id, owed, at in completed:
        moment = at if isinstance(at, datetime.datetime) else datetime.datetime.fromisoformat(str(at))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.UTC)
        sold[(int(producer_id), moment.astimezone(WITA).date().replace(day=1))] += int(owed)  # type: ignore[call-overload]
    settlements = await rows(
        province,
        f"SELECT producer_id, period_start, producer_total, amount_paid FROM settlement o WHERE {synthetic()}",
    )
    assert len(settlements) > 5
    for producer_id, start, owed, paid in settlements:
        month = start if isinstance(start, datetime.date) else datetime.date.fromisoformat(str(start))
        assert sold[(int(producer_id), month)] == owed == paid, (producer_id, month)  # type: ignore[call-overload]


async def test_new_rows_get_fresh_ids_and_the_app_serves_the_province(province: DatabaseConfig) -> None:
    async with province.session(write=True) as session:
        session.add(Category(slug="uji-urutan-id", name="Uji urutan id", position=99))
        await session.commit()
        slug, product_id = (
            await session.execute(
                select(Cooperative.slug, func.min(Product.id))
                .join(Product, Product.cooperative_id == Cooperative.id)
                .where(Cooperative.description.startswith(MARKER), Cooperative.bank_name.is_not(None))
                .group_by(Cooperative.slug)
                .limit(1)
            )
        ).one()
        phone = await session.scalar(
            select(User.phone)
            .join(Membership, Membership.user_id == User.id)
            .join(Cooperative, Cooperative.id == Membership.cooperative_id)
            .where(Cooperative.slug == slug, Membership.role == "member")
            .limit(1)
        )
    assert phone is not None
    settings = province.settings
    server = start_server(server_env(settings), log_dir=settings.var_dir)
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
            for path in (f"/k/{slug}", f"/k/{slug}/produk/{product_id}", "/provinsi"):
                response = await client.get(path)
                assert response.status_code == 200, (path, response.text[:300])
            found = await client.get(f"/api/cooperatives/{slug}/search", params={"q": "beras"})
            assert found.status_code == 200 and found.json()["total"] > 0, found.text[:300]
            assert (await data.login(client, phone, DEMO_PASSWORD)).status_code == 303
            books = await client.get(f"/k/{slug}/laporan")
            assert books.status_code == 200 and "/masuk" not in str(books.url)
    finally:
        server.stop()
