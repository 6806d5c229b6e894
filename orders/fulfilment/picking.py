"""Picking and packing: what to collect from each producer, packing slips, goods sold but still on the shelf."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import noload, selectinload

from app.clock import day_bounds
from app.i18n import N_, _
from app.models import Cooperative
from catalog.models import Product
from orders import state
from orders.fulfilment.common import orders_by_number
from orders.models import Order, OrderLine

if TYPE_CHECKING:
    from producers.models import Producer

# Orders whose goods are sold (stock reserved) but still on the shelf.
UNPACKED_STATUSES = (state.OrderStatus.PLACED, state.OrderStatus.CONFIRMED)
PICK_CSV_HEADERS = [
    N_("Produsen"),
    N_("No HP produsen"),
    N_("Produk"),
    N_("Satuan"),
    N_("Jumlah"),
    N_("Jumlah pesanan"),
]


async def held_quantities(session: AsyncSession, cooperative_id: int) -> dict[int, int]:
    """Units sold to orders nobody has packed yet: still on the shelf, already out of `stock`."""
    rows = await session.execute(
        select(OrderLine.product_id, func.sum(OrderLine.quantity))
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            Order.cooperative_id == cooperative_id,
            Order.status.in_(UNPACKED_STATUSES),
            OrderLine.product_id.is_not(None),
        )
        .group_by(OrderLine.product_id)
    )
    return {int(pid): int(qty) for pid, qty in rows.all() if pid is not None}


@dataclass(frozen=True)
class PickItem:
    product_id: int | None
    name: str
    unit: str
    quantity: int
    orders: int


@dataclass(frozen=True)
class PickGroup:
    producer_id: int | None
    name: str
    phone: str | None
    items: Sequence[PickItem]

    @property
    def units(self) -> int:
        return sum(i.quantity for i in self.items)


@dataclass(frozen=True)
class PickList:
    groups: Sequence[PickGroup]
    orders: Sequence[str]
    day: datetime.date | None
    skipped: Sequence[str]

    @property
    def units(self) -> int:
        return sum(g.units for g in self.groups)


def _scope(cooperative: Cooperative, day: datetime.date | None, numbers: Sequence[str]) -> list[ColumnElement[bool]]:
    """A selection of order numbers wins; otherwise the orders placed on one local day; otherwise all."""
    if numbers:
        return [Order.number.in_(numbers)]
    if day:
        start, end = day_bounds(cooperative, day)
        return [Order.created_at >= start, Order.created_at < end]
    return []


async def _items_by_producer(
    session: AsyncSession, cooperative: Cooperative, numbers: Sequence[str]
) -> dict[int | None, list[PickItem]]:
    rows = await session.execute(
        select(
            OrderLine.producer_id,
            OrderLine.product_id,
            func.max(OrderLine.name),
            OrderLine.unit,
            func.sum(OrderLine.quantity),
            func.count(distinct(OrderLine.order_id)),
        )
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.cooperative_id == cooperative.id, Order.number.in_(numbers))
        .group_by(OrderLine.producer_id, OrderLine.product_id, OrderLine.unit)
    )
    by_producer: dict[int | None, list[PickItem]] = {}
    for producer_id, product_id, name, unit, quantity, order_count in rows.all():
        by_producer.setdefault(producer_id, []).append(
            PickItem(product_id=product_id, name=name, unit=unit, quantity=int(quantity), orders=int(order_count))
        )
    return by_producer


async def _producers(
    session: AsyncSession, cooperative: Cooperative, by_producer: dict[int | None, list[PickItem]]
) -> dict[int, Producer]:
    """Each producer through one of its products (the catalog's link), so orders need not know producers."""
    product_ids = [items[0].product_id for producer_id, items in by_producer.items() if producer_id is not None]
    if not product_ids:
        return {}
    products = await session.scalars(
        select(Product).where(Product.id.in_(product_ids), Product.cooperative_id == cooperative.id)
    )
    return {p.producer.id: p.producer for p in products.all() if p.producer is not None}


async def pick_list(
    session: AsyncSession, cooperative: Cooperative, *, day: datetime.date | None = None, numbers: Sequence[str] = ()
) -> PickList:
    """What to collect from each producer: confirmed orders' quantities summed per product.

    Only confirmed orders count: placed ones may still be refused, packed ones are already collected,
    cancelled ones are gone. A selection keeps only its confirmed orders and says which it left out.
    """
    await orders_by_number(session, cooperative, numbers)
    base = [Order.cooperative_id == cooperative.id, Order.status == state.OrderStatus.CONFIRMED]
    order_query = select(Order.number).where(*base, *_scope(cooperative, day, numbers)).order_by(Order.id)
    covered = list((await session.scalars(order_query)).all())
    skipped = [n for n in numbers if n not in set(covered)]
    if not covered:
        return PickList(groups=[], orders=[], day=day, skipped=skipped)
    by_producer = await _items_by_producer(session, cooperative, covered)
    producers = await _producers(session, cooperative, by_producer)
    groups = []
    for producer_id, items in by_producer.items():
        producer = producers.get(producer_id) if producer_id is not None else None
        groups.append(
            PickGroup(
                producer_id=producer_id,
                name=producer.business_name if producer else _("Stok %(name)s", name=cooperative.short_name),
                phone=producer.phone if producer else None,
                items=sorted(items, key=lambda i: i.name.lower()),
            )
        )
    # The cooperative's own stock last: producers are the trips to plan.
    groups.sort(key=lambda g: (g.producer_id is None, g.name.lower()))
    return PickList(groups=groups, orders=covered, day=day, skipped=skipped)


def pick_list_rows(pick: PickList) -> list[list[object]]:
    return [
        [group.name, group.phone or "", item.name, item.unit, item.quantity, item.orders]
        for group in pick.groups
        for item in group.items
    ]


async def packing_slips(
    session: AsyncSession, cooperative: Cooperative, *, day: datetime.date | None = None, numbers: Sequence[str] = ()
) -> list[Order]:
    """One slip per order: the selection (anything not cancelled), or every confirmed order of the day."""
    if numbers:
        orders = await orders_by_number(session, cooperative, numbers)
        return [o for o in orders if o.status != state.OrderStatus.CANCELLED]
    query = (
        select(Order)
        .where(
            Order.cooperative_id == cooperative.id,
            Order.status == state.OrderStatus.CONFIRMED,
            *_scope(cooperative, day, ()),
        )
        .options(selectinload(Order.lines), noload(Order.events))
        .order_by(Order.id)
    )
    return list((await session.scalars(query)).all())
