"""Settlement arithmetic, property-based, through the real services on a real (SQLite) database: for any mix
of completed, cancelled and still-open orders, what producers are owed plus the cooperative's margin (plus
the purchase cost of its own goods) equals completed sales without delivery fees, to the rupiah."""

from __future__ import annotations

import asyncio
import datetime
import itertools
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app import clock
from app.auth import CurrentUser, hash_password
from app.cli import migrate
from app.db import DatabaseConfig
from app.models import Cooperative, Role, User
from app.settings import Settings
from catalog.models import Category, Product
from orders import services as orders
from orders.models import Order
from orders.sales import Basis, sales_totals
from orders.schemas import CustomerIn, LineIn, OrderCreate
from producers import services
from producers.models import Producer

_serial = itertools.count(1)
EVERYTHING = clock.Period("month", datetime.date(2000, 1, 1), datetime.date(2100, 1, 1))
CHAIN = {"pickup": ["confirmed", "packed", "ready_for_pickup", "completed"]}


@dataclass(frozen=True)
class Scenario:
    prices: list[tuple[int, int]]  # (producer price, margin) for 5 products: 2 + 2 of two producers, 1 own
    orders: list[tuple[list[tuple[int, int]], str, int]]  # (lines, outcome, delivery fee)


prices = st.tuples(st.integers(1, 250_000), st.integers(0, 50_000))
lines = st.lists(st.tuples(st.integers(0, 4), st.integers(1, 7)), min_size=1, max_size=4)
order = st.tuples(lines, st.sampled_from(["completed", "completed", "cancelled", "open"]), st.integers(0, 25_000))
scenarios = st.builds(Scenario, st.lists(prices, min_size=5, max_size=5), st.lists(order, min_size=1, max_size=8))
OWNERS = [0, 0, 1, 1, None]  # product index -> producer index (None: the cooperative's own goods)


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    tmp: Path = tmp_path_factory.mktemp("settlement-property")
    config = Settings(var_dir=tmp, secret_key="x", demo_mode=False)
    migrate(config)
    return config


async def _run(config: Settings, scenario: Scenario) -> None:
    db = DatabaseConfig(config)
    n = next(_serial)
    try:
        async with db.session(write=True) as session:
            category = await session.scalar(select(Category).where(Category.slug == "uji"))
            if category is None:
                category = Category(slug="uji", name="Uji", position=0)
                session.add(category)
            coop = Cooperative(
                slug=f"uji-{n}",
                name=f"Koperasi uji {n}",
                short_name=f"Uji {n}",
                order_prefix="UJI",
                desa="Lok Baintan",
                kecamatan="Sungai Tabuk",
                kabupaten="Kabupaten Banjar",
                provinsi="Kalimantan Selatan",
                whatsapp="6281200000101",
            )
            staff_user = User(phone=f"+62812{n:08d}", name="Staf uji", password_hash=hash_password("sandi-uji-123"))
            session.add_all([coop, staff_user])
            await session.flush()
            producers = [Producer(cooperative_id=coop.id, slug=f"p{i}", business_name=f"UMKM {i}") for i in range(2)]
            session.add_all(producers)
            await session.flush()
            products = []
            for index, (producer_price, margin) in enumerate(scenario.prices):
                owner = OWNERS[index]
                product = Product(
                    cooperative_id=coop.id,
                    producer_id=producers[owner].id if owner is not None else None,
                    category_id=category.id,
                    name=f"Barang {index}",
                    unit="buah",
                    producer_price=producer_price,
                    retail_price=producer_price + margin,
                    stock=10_000,
                    search_aliases=[],
                )
                session.add(product)
                products.append(product)
            await session.flush()
            staff = CurrentUser(
                id=staff_user.id, name=staff_user.name, phone=staff_user.phone, roles={coop.id: Role.PENGURUS}
            )

            expected_sales = 0
            expected_owed = [0, 0]
            expected_cancelled = [0, 0]
            for index, (order_lines, outcome, fee) in enumerate(scenario.orders):
                request = OrderCreate(
                    customer=CustomerIn(name="Ibu Uji", phone="081234567890"),
                    fulfilment="pickup",
                    lines=[LineIn(products[i].id, q) for i, q in order_lines],
                )
                placed, _ = await orders.place_order(session, coop, request, idempotency_key=f"prop-{n}-{index}")
                # A delivery fee is charged on top of the goods; it is not a sale of anyone's goods.
                placed.delivery_fee = fee
                placed.total = placed.subtotal + fee
                targets = CHAIN["pickup"] if outcome == "completed" else ["cancelled"] if outcome == "cancelled" else []
                for target in targets:
                    await orders.transition(session, placed, target, staff, role="staff")
                quantities: dict[int, int] = {}
                for i, q in order_lines:
                    quantities[i] = quantities.get(i, 0) + q
                for i, q in quantities.items():
                    owner = OWNERS[i]
                    producer_price, margin = scenario.prices[i]
                    if outcome == "completed":
                        expected_sales += (producer_price + margin) * q
                        if owner is not None:
                            expected_owed[owner] += producer_price * q
                    elif outcome == "cancelled" and owner is not None:
                        expected_cancelled[owner] += producer_price * q
            await session.flush()

            statements = [await services.statement(session, coop, p, EVERYTHING) for p in producers]
            start, end = clock.bounds(coop, EVERYTHING.start, EVERYTHING.end)
            totals = await sales_totals(session, coop.id, start, end, basis=Basis.COMPLETED)
            completed_subtotals = sum(
                o.subtotal
                for o in (await session.scalars(select(Order).where(Order.cooperative_id == coop.id))).all()
                if o.status == "completed"
            )

            payables = [s.amount_payable for s in statements]
            assert payables == expected_owed
            assert [s.cancelled_value for s in statements] == expected_cancelled
            assert totals.sales == expected_sales == completed_subtotals
            assert sum(payables) + totals.margin + totals.supplier_cost == expected_sales
            assert totals.producer_share == sum(payables)
            await session.rollback()
    finally:
        await db.dispose()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(scenario=scenarios)
def test_producer_payables_plus_margin_equal_completed_sales(database: Settings, scenario: Scenario) -> None:
    asyncio.run(_run(database, scenario))
