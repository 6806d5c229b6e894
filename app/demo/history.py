"""Demo history: a few months of completed and cancelled orders, restocks and producer payments, so the
members' books and producer statements have real rows to add up. Deterministic (seeded), demo only."""

from __future__ import annotations

import datetime
import random
import secrets
from collections import defaultdict
from collections.abc import Sequence
from typing import TypeAlias

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import CurrentUser
from app.clock import Period, last_months, local_date, local_today, zone_of
from app.models import Cooperative, Membership, Role, User
from catalog.models import LedgerReason, Product, ProductStatus, StockLedgerEntry, StockReceipt
from orders.models import Order, OrderEvent
from orders.services import make_order_number
from orders.services.checkout import order_line
from producers import services as producers
from producers.schemas import PaymentForm

# Invented buyers, like every other person in the demo data.
BUYERS = ("Ibu Rahmah", "Pak Udin", "Ibu Siti", "Pak Hasan", "Ibu Nor", "Pak Rusdi", "Ibu Aminah", "Pak Jamal")
FULL_MONTHS = 3
_CHAIN = {
    "pickup": ("confirmed", "packed", "ready_for_pickup", "completed"),
    "delivery": ("confirmed", "packed", "out_for_delivery", "completed"),
}
# One step of an order's history: status, when, who (as shown), and the acting user if any.
_Event: TypeAlias = tuple[str, datetime.datetime, str, int | None]


def _at(cooperative: Cooperative, day: datetime.date, hour: int, minute: int) -> datetime.datetime:
    zone = zone_of(cooperative)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zone).astimezone(datetime.UTC)


async def load_demo_history(session: AsyncSession, now: datetime.datetime | None = None) -> int:
    """Add past orders (completed and cancelled), weekly restocks and monthly producer payments for every
    demo cooperative. Returns the number of orders made. The caller commits."""
    now = now or datetime.datetime.now(datetime.UTC)
    cooperatives = (await session.scalars(select(Cooperative).where(Cooperative.is_demo.is_(True)))).all()
    made = 0
    for index, cooperative in enumerate(sorted(cooperatives, key=lambda c: c.slug)):
        made += await _cooperative_history(session, cooperative, now, random.Random(6000 + index))
    return made


async def _cooperative_history(
    session: AsyncSession, cooperative: Cooperative, now: datetime.datetime, rng: random.Random
) -> int:
    today = local_today(cooperative, now)
    months = last_months(today, FULL_MONTHS + 1)
    start = months[0].start
    products = await _active_products(session, cooperative)
    staff_user = await _staff_user(session, cooperative)
    if not products or staff_user is None:
        return 0
    await _backdate_opening_stock(session, cooperative, start)
    umkm = [p for p in products if p.producer_id is not None]
    own = [p for p in products if p.producer_id is None]
    numbers: set[str] = set()
    sold_by_week: dict[datetime.date, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    made = 0
    day = start
    last_unpaid: Order | None = None
    while day < today:
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
            order = await _order(session, cooperative, staff_user, day, umkm, own, rng, numbers, sold_by_week)
            made += 1
            if order.status == "completed" and months[-2].start <= day < months[-2].end:
                last_unpaid = order
        day += datetime.timedelta(days=1)
    if last_unpaid is not None:
        # One cash order of the demo month not yet recorded as received: the books show the difference.
        last_unpaid.payment_status = "unpaid"
    await _restock_weekly(session, cooperative, staff_user, sold_by_week, today)
    await session.flush()
    await _pay_producers(session, cooperative, staff_user, months, today)
    return made


async def _active_products(session: AsyncSession, cooperative: Cooperative) -> Sequence[Product]:
    return (
        (
            await session.scalars(
                select(Product).where(Product.cooperative_id == cooperative.id, Product.status == ProductStatus.ACTIVE)
            )
        )
        .unique()
        .all()
    )


async def _staff_user(session: AsyncSession, cooperative: Cooperative) -> User | None:
    return await session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.cooperative_id == cooperative.id, Membership.role == Role.PENGURUS)
    )


async def _backdate_opening_stock(session: AsyncSession, cooperative: Cooperative, start: datetime.date) -> None:
    """The opening stock was there before the history starts."""
    await session.execute(
        update(StockLedgerEntry)
        .where(StockLedgerEntry.cooperative_id == cooperative.id, StockLedgerEntry.reason == LedgerReason.INITIAL)
        .values(created_at=_at(cooperative, start - datetime.timedelta(days=1), 8, 0))
        .execution_options(synchronize_session=False)
    )


async def _restock_weekly(
    session: AsyncSession,
    cooperative: Cooperative,
    staff_user: User,
    sold_by_week: dict[datetime.date, dict[int, int]],
    today: datetime.date,
) -> None:
    """Producers bring in, each week, what sold that week (consignment keeps the shelf full)."""
    for week_start, quantities in sorted(sold_by_week.items()):
        received = min(week_start + datetime.timedelta(days=6), today - datetime.timedelta(days=1))
        for product_id, quantity in sorted(quantities.items()):
            # As staff record it on the receive page: a receipt at the agreed producer price and the
            # ledger row. The past sales above were booked in the ledger only, so the receipts that
            # refill them leave today's stock as loaded and the ledger still adds up to it.
            product = await session.get(Product, product_id)
            assert product is not None
            at = _at(cooperative, received, 16, 0)
            session.add(
                StockReceipt(
                    cooperative_id=cooperative.id,
                    product_id=product_id,
                    producer_id=product.producer_id,
                    quantity=quantity,
                    producer_price=product.producer_price,
                    total=quantity * product.producer_price,
                    received_by=staff_user.id,
                    note="Barang titipan produsen diterima",
                    created_at=at,
                )
            )
            session.add(
                StockLedgerEntry(
                    product_id=product_id,
                    cooperative_id=cooperative.id,
                    delta=quantity,
                    reason=LedgerReason.RECEIPT,
                    user_id=staff_user.id,
                    note="Barang titipan produsen diterima",
                    created_at=at,
                )
            )


async def _order(
    session: AsyncSession,
    cooperative: Cooperative,
    staff_user: User,
    day: datetime.date,
    umkm: Sequence[Product],
    own: Sequence[Product],
    rng: random.Random,
    numbers: set[str],
    sold_by_week: dict[datetime.date, dict[int, int]],
) -> Order:
    # The order of the rng calls here and in the helpers fixes the demo data: keep it.
    placed = _at(cooperative, day, rng.randint(7, 15), rng.randint(0, 59))
    pool = list(umkm) * 3 + list(own)
    chosen = {p.id: p for p in rng.sample(pool, k=min(len(pool), rng.randint(1, 3)))}
    quantities = {pid: min(rng.randint(1, 3), p.max_qty_per_order or 3) for pid, p in sorted(chosen.items())}
    cancelled = rng.random() < 0.1
    fulfilment = rng.choice(("pickup", "pickup", "delivery"))
    number = _unique_number(cooperative, placed, numbers)
    subtotal = sum(chosen[pid].retail_price * q for pid, q in quantities.items())
    order = Order(
        cooperative_id=cooperative.id,
        number=number,
        token=secrets.token_urlsafe(24),
        status="cancelled" if cancelled else "completed",
        payment_status="unpaid" if cancelled else "paid",
        payment_method="cash",
        fulfilment=fulfilment,
        customer_name=rng.choice(BUYERS),
        customer_phone=f"+6281200009{rng.randint(100, 999)}",
        dusun="Dusun Sungai" if fulfilment == "delivery" else None,
        landmark="dekat langgar" if fulfilment == "delivery" else None,
        subtotal=subtotal,
        delivery_fee=0,
        total=subtotal,
        created_at=placed,
        updated_at=placed,
    )
    session.add(order)
    await session.flush()
    _add_lines(session, cooperative, order, chosen, quantities, placed)
    events: list[_Event] = [("placed", placed, "Pembeli", None)]
    if cancelled:
        events.append(_cancel(session, cooperative, staff_user, order, quantities, placed))
    else:
        events += _completion_steps(staff_user, fulfilment, placed, rng)
        week = day - datetime.timedelta(days=day.weekday())
        for pid, quantity in quantities.items():
            sold_by_week[week][pid] += quantity
    _add_events(session, order, events)
    return order


def _unique_number(cooperative: Cooperative, placed: datetime.datetime, numbers: set[str]) -> str:
    day = local_date(cooperative, placed)
    number = make_order_number(cooperative.order_prefix, day)
    while number in numbers:
        number = make_order_number(cooperative.order_prefix, day)
    numbers.add(number)
    return number


def _add_lines(
    session: AsyncSession,
    cooperative: Cooperative,
    order: Order,
    chosen: dict[int, Product],
    quantities: dict[int, int],
    placed: datetime.datetime,
) -> None:
    """The order's lines and the sale rows they take out of the stock ledger."""
    for pid, quantity in quantities.items():
        product = chosen[pid]
        line = order_line(order.id, product, quantity)
        line.created_at = line.updated_at = placed
        session.add(line)
        session.add(
            StockLedgerEntry(
                product_id=product.id,
                cooperative_id=cooperative.id,
                delta=-quantity,
                reason=LedgerReason.SALE,
                order_id=order.id,
                created_at=placed,
            )
        )


def _cancel(
    session: AsyncSession,
    cooperative: Cooperative,
    staff_user: User,
    order: Order,
    quantities: dict[int, int],
    placed: datetime.datetime,
) -> _Event:
    """Staff cancel the order soon after it was placed; its stock goes back. Returns the cancel step."""
    at = placed + datetime.timedelta(minutes=40)
    for pid, quantity in quantities.items():
        session.add(
            StockLedgerEntry(
                product_id=pid,
                cooperative_id=cooperative.id,
                delta=quantity,
                reason=LedgerReason.CANCEL,
                order_id=order.id,
                created_at=at,
            )
        )
    return ("cancelled", at, f"Staf: {staff_user.name}", staff_user.id)


def _completion_steps(
    staff_user: User, fulfilment: str, placed: datetime.datetime, rng: random.Random
) -> list[_Event]:
    """The steps staff take from placed to completed, each some minutes after the one before."""
    steps: list[_Event] = []
    at = placed
    for step in _CHAIN[fulfilment]:
        at += datetime.timedelta(minutes=rng.randint(20, 90))
        steps.append((step, at, f"Staf: {staff_user.name}", staff_user.id))
    return steps


def _add_events(session: AsyncSession, order: Order, events: Sequence[_Event]) -> None:
    previous: str | None = None
    for status, at, label, actor in events:
        session.add(
            OrderEvent(
                order_id=order.id,
                from_status=previous,
                to_status=status,
                actor_user_id=actor,
                actor_label=label,
                created_at=at,
                updated_at=at,
            )
        )
        previous = status


async def _pay_producers(
    session: AsyncSession,
    cooperative: Cooperative,
    staff_user: User,
    months: Sequence[Period],
    today: datetime.date,
) -> None:
    """Older months fully paid; the demo month (the last full one) paid to every other producer, so the
    books show both money paid and money still owed."""
    staff = CurrentUser(
        id=staff_user.id, name=staff_user.name, phone=staff_user.phone, roles={cooperative.id: Role.PENGURUS}
    )
    demo_month = months[-2]
    for period in months[:-1]:
        for position, producer in enumerate(await producers.producers_of(session, cooperative.id)):
            if period == demo_month and position % 2 == 1:
                continue
            statement = await producers.statement(session, cooperative, producer, period)
            if statement.producer_total <= 0:
                continue
            paid_on = min(period.end + datetime.timedelta(days=4), today)
            form = PaymentForm(
                producer_id=str(producer.id),
                jenis="bulan",
                periode=period.key,
                method="transfer" if position % 3 else "cash",
                reference=f"TRF-{period.key}-{producer.id:03d}" if position % 3 else "",
                paid_on=paid_on.isoformat(),
            )
            await producers.mark_paid(session, cooperative, form, staff)
