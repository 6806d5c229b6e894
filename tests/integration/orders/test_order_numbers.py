"""An order whose random number part collides with another order of the day draws again and is still placed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from app.models import Cooperative
from orders import services
from orders.schemas import CustomerIn, LineIn, OrderCreate
from orders.services import checkout
from tests.conftest import Stack
from tests.support import data


async def test_a_colliding_number_is_drawn_again(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    product = await data.make_product(stack.db, "telaga-bidadari", stock=5)
    # The first two draws give the same four characters, the third another.
    draws: Iterator[str] = iter(["QQQQ", "QQQQ", "WWWW"])
    monkeypatch.setattr(checkout, "_number_suffix", lambda: next(draws))
    numbers = []
    for buyer in ("0812-7000-0001", "0812-7000-0002"):
        async with stack.db.session(write=True) as session:
            coop = await session.scalar(select(Cooperative).where(Cooperative.slug == "telaga-bidadari"))
            assert coop is not None
            request = OrderCreate(
                customer=CustomerIn(name="Pembeli Tabrakan", phone=buyer),
                fulfilment="pickup",
                lines=[LineIn(product.id, 1)],
            )
            order, created = await services.place_order(session, coop, request)
            await session.commit()
            assert created
            numbers.append(order.number)
    assert numbers[0].endswith("-QQQQ") and numbers[1].endswith("-WWWW")
    assert numbers[0].rsplit("-", 1)[0] == numbers[1].rsplit("-", 1)[0]
