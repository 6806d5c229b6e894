"""The daily rollups equal a full recomputation from the orders after a seeded random run of orders placed,
completed, cancelled, paid and refunded across local midnights in three time zones, on both databases; and
the readers give what the scans of `orders.sales` give."""

from __future__ import annotations

import datetime
import random
import types

import pytest
from advanced_alchemy.mixins import audit
from sqlalchemy import select

from app import clock
from app.auth import CurrentUser, hash_password
from app.db import DatabaseConfig
from app.models import Cooperative, CooperativeStatus, Role, User
from app.settings import Settings
from catalog.models import Category, Product
from orders import rollups
from orders import services as orders
from orders.models import Order
from orders.sales import Basis, sales_totals
from orders.schemas import CustomerIn, LineIn, OrderCreate
from producers.models import Producer

ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
CHAIN = ["confirmed", "packed", "ready_for_pickup", "completed"]


class _Clock:
    moment = datetime.datetime(2026, 3, 30, 15, 30, tzinfo=datetime.UTC)


class _FrozenDatetime(datetime.datetime):
    @classmethod
    def now(cls, tz: datetime.tzinfo | None = None) -> datetime.datetime:  # type: ignore[override]
        return _Clock.moment


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> type[_Clock]:
    """Rows are stamped by the clock the test moves, so a run crosses midnights (and a month end)."""
    monkeypatch.setattr(audit, "datetime", types.SimpleNamespace(datetime=_FrozenDatetime, timezone=datetime.timezone))
    return _Clock


async def _shop(session: object, n: int, zone: str) -> tuple[Cooperative, list[Product], CurrentUser]:
    from sqlalchemy.ext.asyncio import AsyncSession

    assert isinstance(session, AsyncSession)
    category = Category(slug=f"rekap-{n}", name=f"Rekap {n}", position=99)
    coop = Cooperative(
        slug=f"rekap-{n}", name=f"Koperasi rekap {n}", short_name=f"Rekap {n}", order_prefix=f"RK{n}",
        desa="Lok Baintan", kecamatan="Sungai Tabuk", kabupaten="Kabupaten Banjar", provinsi="Kalimantan Selatan",
        whatsapp="6281200000101", timezone=zone, status=CooperativeStatus.OPEN,
    )
    staff_user = User(phone=f"+6281277{n:06d}", name="Staf rekap", password_hash=hash_password("sandi-rekap-1"))
    session.add_all([category, coop, staff_user])
    await session.flush()
    makers = [Producer(cooperative_id=coop.id, slug=f"rk{n}-{i}", business_name=f"UMKM {n}-{i}") for i in range(2)]
    session.add_all(makers)
    await session.flush()
    products = [
        Product(
            cooperative_id=coop.id, producer_id=makers[i % 2].id if i < 4 else None, category_id=category.id,
            name=f"Barang {n}-{i}", unit="buah", producer_price=1_000 * (i + 1), retail_price=1_250 * (i + 1),
            stock=100_000, search_aliases=[],
        )
        for i in range(5)
    ]
    session.add_all(products)
    await session.flush()
    staff = CurrentUser(id=staff_user.id, name=staff_user.name, phone=staff_user.phone, roles={coop.id: Role.PENGURUS})
    return coop, products, staff


async def _random_activity(session: object, shops: list[tuple[Cooperative, list[Product], CurrentUser]]) -> None:
    from sqlalchemy.ext.asyncio import AsyncSession

    assert isinstance(session, AsyncSession)
    rng = random.Random(20261201)
    open_orders: list[tuple[Order, CurrentUser]] = []
    for step in range(60):
        _Clock.moment += datetime.timedelta(minutes=rng.randint(10, 600))
        action = rng.random()
        if action < 0.45 or not open_orders:
            coop, products, staff = rng.choice(shops)
            lines = [LineIn(rng.choice(products).id, rng.randint(1, 4)) for _ in range(rng.randint(1, 4))]
            request = OrderCreate(customer=CustomerIn(name="Ibu Rekap", phone="081234567890"), fulfilment="pickup",
                                  lines=lines)
            placed, _ = await orders.place_order(session, coop, request, idempotency_key=f"rekap-langkah-{step:03d}")
            open_orders.append((placed, staff))
            continue
        order, staff = open_orders.pop(rng.randrange(len(open_orders)))
        if action < 0.65:
            await orders.transition(session, order, "cancelled", staff, role="staff", note=None)
            continue
        for target in CHAIN:
            await orders.transition(session, order, target, staff, role="staff")
        if rng.random() < 0.6:
            await orders.record_payment(session, order, "paid", staff, method="cash")
            if rng.random() < 0.5:
                await orders.record_payment(session, order, "refunded", staff, method="cash")


async def _readers_agree(session: object, coop: Cooperative) -> None:
    from sqlalchemy.ext.asyncio import AsyncSession

    assert isinstance(session, AsyncSession)
    first = datetime.date(2026, 3, 29)
    for after in (datetime.date(2026, 4, 1), datetime.date(2026, 4, 3), datetime.date(2026, 5, 1)):
        for basis in Basis:
            start, end = clock.bounds(coop, first, after)
            assert await rollups.totals(session, coop.id, first, after, basis=basis) == await sales_totals(
                session, coop.id, start, end, basis=basis
            )
    maker = await session.scalar(select(Producer.id).where(Producer.cooperative_id == coop.id))
    start, end = clock.bounds(coop, first, datetime.date(2026, 5, 1))
    by_rollup = await rollups.totals(session, coop.id, None, datetime.date(2026, 5, 1), basis=Basis.COMPLETED,
                                     producer_id=maker)
    by_scan = await sales_totals(session, coop.id, None, end, basis=Basis.COMPLETED, producer_id=maker)
    assert by_rollup == by_scan


@pytest.mark.usefixtures("frozen_clock")
async def test_rollups_equal_a_recomputation_after_random_activity(quiet_settings: Settings) -> None:
    db = DatabaseConfig(quiet_settings)
    try:
        async with db.session(write=True) as session:
            # The demo loader rebuilt them: they already match.
            for coop in (await session.scalars(select(Cooperative))).all():
                stored = rollups.comparable(await rollups.stored(session, coop.id))
                assert stored == rollups.comparable(await rollups.compute(session, coop))
            shops = [await _shop(session, n, zone) for n, zone in enumerate(ZONES, start=1)]
            await _random_activity(session, shops)
            await session.flush()
            for coop, _products, _staff in shops:
                stored = rollups.comparable(await rollups.stored(session, coop.id))
                assert stored == rollups.comparable(await rollups.compute(session, coop))
                assert len(stored["rollup_cooperative_day"]) > 3  # the run crossed several local days
                await _readers_agree(session, coop)
            # A rebuild gives the same rows.
            await rollups.rebuild(session, [shops[0][0].id])
            stored = rollups.comparable(await rollups.stored(session, shops[0][0].id))
            assert stored == rollups.comparable(await rollups.compute(session, shops[0][0]))
            await session.rollback()
    finally:
        await db.dispose()


async def test_the_province_overview_is_kept_a_minute_unless_a_cooperative_changes(
    quiet_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reports import province

    computed: list[datetime.datetime] = []
    compute = province._compute

    async def counting(session: object, now: datetime.datetime) -> province.ProvinceOverview:
        computed.append(now)
        return await compute(session, now)  # type: ignore[arg-type]

    monkeypatch.setattr(province, "_compute", counting)
    monkeypatch.setattr(province, "_cache", {})
    db = DatabaseConfig(quiet_settings)
    try:
        async with db.session(write=True) as session:
            first = await province.province_overview(session)
            assert await province.province_overview(session) is first and len(computed) == 1
            coop = await session.scalar(select(Cooperative).where(Cooperative.slug == "tabanio"))
            assert coop is not None
            coop.opening_hours = "Setiap hari 07.00-12.00"
            await session.flush()
            assert await province.province_overview(session) is not first and len(computed) == 2
            monkeypatch.setattr(province, "CACHE_SECONDS", 0.0)
            await province.province_overview(session)
            assert len(computed) == 3
            await session.rollback()
    finally:
        await db.dispose()
