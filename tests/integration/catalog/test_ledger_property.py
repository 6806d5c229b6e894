"""Property: whatever staff and buyers do, a product's ledger explains its stock, and stock never goes below zero.

Random sequences of sales, cancels, receipts, adjustments and stocktakes run through the real services
against a migrated SQLite database, one transaction each, as requests would.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.auth import load_current_user
from app.db import DatabaseConfig
from app.errors import DomainError
from app.models import Cooperative, User
from app.settings import Settings
from catalog import stock as stockwork
from catalog.models import Category, LedgerReason, Product, StockLedgerEntry
from orders import services
from orders.fulfilment.picking import held_quantities
from orders.models import Order
from orders.schemas import CustomerIn, LineIn, OrderCreate
from tests.conftest import _prepare, make_settings

_names = itertools.count(1)


@pytest.fixture(scope="module")
def ledger_db(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = make_settings(Path(tmp_path_factory.mktemp("ledger")))
    _prepare(settings)
    return settings


Op = tuple[str, int]
ops = st.lists(
    st.one_of(
        st.tuples(st.just("sale"), st.integers(1, 6)),
        st.tuples(st.just("cancel"), st.integers(0, 5)),
        st.tuples(st.just("receipt"), st.integers(1, 10)),
        st.tuples(st.sampled_from(["rusak", "hilang"]), st.integers(1, 6)),
        st.tuples(st.just("salah_hitung"), st.integers(-6, 6).filter(bool)),
        st.tuples(st.just("stocktake"), st.integers(0, 15)),
        st.tuples(st.just("pack"), st.integers(0, 5)),
    ),
    min_size=1,
    max_size=12,
)


@dataclass
class Model:
    """What stock must be, computed without the database."""

    stock: int
    # Open orders: number -> (quantity, status)
    orders: dict[str, tuple[int, str]] = field(default_factory=dict)

    @property
    def held(self) -> int:
        return sum(q for q, status in self.orders.values() if status in {"placed", "confirmed"})


async def _run(settings: Settings, initial: int, steps: list[Op]) -> None:
    db = DatabaseConfig(settings)
    try:
        async with db.session(write=True) as session:
            coop = await session.scalar(select(Cooperative).where(Cooperative.slug == "lok-baintan"))
            staff_id = await session.scalar(select(User.id).where(User.phone == "+6281200000101"))
            category = await session.scalar(select(Category).order_by(Category.id))
            assert coop is not None and staff_id is not None and category is not None
            product = Product(
                cooperative_id=coop.id,
                category_id=category.id,
                name=f"Produk sifat {next(_names)}",
                unit="bungkus",
                producer_price=5_000,
                retail_price=6_000,
                stock=initial,
                search_aliases=[],
            )
            session.add(product)
            await session.flush()
            session.add(
                StockLedgerEntry(
                    product_id=product.id, cooperative_id=coop.id, delta=initial, reason=LedgerReason.INITIAL
                )
            )
            await session.commit()
            product_id, coop_id = product.id, coop.id
        model = Model(stock=initial)
        for kind, amount in steps:
            async with db.session(write=True) as session:
                coop = await session.get(Cooperative, coop_id)
                staff = await load_current_user(session, staff_id)
                assert coop is not None and staff is not None
                try:
                    await _apply(session, coop, staff, product_id, kind, amount, model)
                    await session.commit()
                except DomainError:
                    await session.rollback()
            async with db.session() as session:
                stock = int(await session.scalar(select(Product.stock).where(Product.id == product_id)) or 0)
                ledger = int(
                    await session.scalar(
                        select(func.coalesce(func.sum(StockLedgerEntry.delta), 0)).where(
                            StockLedgerEntry.product_id == product_id
                        )
                    )
                    or 0
                )
            assert stock >= 0, (kind, amount)
            assert stock == ledger, (kind, amount, stock, ledger)
            assert stock == model.stock, (kind, amount, stock, model)
    finally:
        await db.dispose()


async def _apply(session, coop, staff, product_id: int, kind: str, amount: int, model: Model) -> None:  # type: ignore[no-untyped-def]
    if kind == "sale":
        request = OrderCreate(
            customer=CustomerIn(name="Pembeli Sifat", phone="081234567890"),
            fulfilment="pickup",
            lines=[LineIn(product_id, amount)],
        )
        try:
            order, _ = await services.place_order(session, coop, request)
        except DomainError:
            assert amount > model.stock
            raise
        model.stock -= amount
        model.orders[order.number] = (amount, "placed")
    elif kind in {"cancel", "pack"}:
        cancellable = [n for n, (_, s) in model.orders.items() if s in {"placed", "confirmed", "packed"}]
        if not cancellable:
            return
        number = cancellable[amount % len(cancellable)]
        order = await session.scalar(select(Order).where(Order.number == number))
        quantity, status = model.orders[number]
        if kind == "cancel":
            await services.transition(session, order, "cancelled", staff, role="staff")
            model.stock += quantity
            model.orders[number] = (quantity, "cancelled")
        else:
            target = {"placed": "confirmed", "confirmed": "packed"}.get(status)
            if target is None:
                return
            await services.transition(session, order, target, staff, role="staff")
            model.orders[number] = (quantity, target)
    elif kind == "receipt":
        await stockwork.receive(
            session, coop.id, [stockwork.ReceiptLine(product_id, str(amount), "")], user_id=staff.id
        )
        model.stock += amount
    elif kind in stockwork.ADJUSTMENT_KINDS:
        delta = amount if kind == "salah_hitung" else -amount
        try:
            await stockwork.adjust(session, coop.id, product_id, kind=kind, quantity=str(amount), user_id=staff.id)
        except DomainError:
            assert model.stock + delta < 0
            raise
        model.stock += delta
    elif kind == "stocktake":
        try:
            held = await held_quantities(session, coop.id)
            counted = {product_id: str(amount)}
            await stockwork.record_stocktake(session, coop.id, counted, held, user_id=staff.id, note="")
        except DomainError:
            assert amount < model.held
            raise
        model.stock = amount - model.held


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(initial=st.integers(0, 8), steps=ops)
def test_ledger_explains_stock_for_any_sequence(ledger_db: Settings, initial: int, steps: list[Op]) -> None:
    asyncio.run(_run(ledger_db, initial, steps))
