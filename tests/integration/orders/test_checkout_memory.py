"""The checkout form remembers a guest's name and phone in their own session, and ignores the address for pickup."""

from __future__ import annotations

import re

from tests.conftest import Stack
from tests.integration.orders.test_web_flows import add_to_cart, checkout
from tests.support import data


def _value(page: str, field: str) -> str:
    found = re.search(rf'<input id="{field}" name="{field}" value="([^"]*)"', page)
    assert found, field
    return found.group(1)


async def test_a_guest_is_remembered_for_the_next_order_in_their_browser_only(stack: Stack) -> None:
    product = await data.make_product(stack.db, stock=9, price=5_000)
    async with stack.client() as client:
        await add_to_cart(client, "lok-baintan", product.id)
        first = await checkout(client, "lok-baintan", name="Ibu Salmah", phone="0812 3456 7890")
        assert first.status_code == 303, first.text
        assert "pd_session" in client.cookies  # the session (an httponly cookie holding only its id)
        assert not any("Salmah" in (cookie.value or "") for cookie in client.cookies.jar)
        await add_to_cart(client, "lok-baintan", product.id)
        again = (await client.get("/k/lok-baintan/checkout")).text
        assert _value(again, "name") == "Ibu Salmah"
        assert _value(again, "phone") == "0812-3456-7890"
        second = await checkout(client, "lok-baintan", name="Ibu Salmah", phone="0812 3456 7890")
        assert second.status_code == 303, second.text
    async with stack.client() as other:
        await add_to_cart(other, "lok-baintan", product.id)
        stranger = (await other.get("/k/lok-baintan/checkout")).text
        assert _value(stranger, "name") == ""
        assert _value(stranger, "phone") == ""


async def test_a_signed_in_buyer_starts_from_their_profile(stack: Stack) -> None:
    product = await data.make_product(stack.db, stock=9, price=5_000)
    client = await data.resident(stack.url, stack.db)
    try:
        await add_to_cart(client, "lok-baintan", product.id)
        page = (await client.get("/k/lok-baintan/checkout")).text
    finally:
        await client.aclose()
    assert _value(page, "name") == "Warga Uji"
    assert _value(page, "phone").startswith("0857-")


async def test_pickup_ignores_what_was_left_in_the_address_block(stack: Stack) -> None:
    product = await data.make_product(stack.db, stock=9, price=5_000)
    async with stack.client() as client:
        await add_to_cart(client, "lok-baintan", product.id)
        done = await checkout(client, "lok-baintan", fulfilment="pickup", dusun="Entah", rt="abc", landmark="x")
        assert done.status_code == 303, done.text
        number = re.search(r"/pesanan/([A-Z0-9-]+)\?", done.headers["location"])
        assert number
    order = await data.order_row(stack.db, number.group(1))
    assert (order.fulfilment, order.dusun, order.rt, order.landmark) == ("pickup", None, None, None)
