"""An Idempotency-Key belongs to its buyer and its request: replays by others, changed bodies, races."""

from __future__ import annotations

import asyncio
import re
import uuid

import httpx

from tests.conftest import Stack
from tests.integration.orders.test_web_flows import add_to_cart
from tests.support import data

# Not lok-baintan: its order board shows the oldest placed orders only, and other tests look for theirs there.
SLUG = "telaga-bidadari"
ORDERS = f"/api/cooperatives/{SLUG}/orders"


def _key() -> str:
    return f"uji-{uuid.uuid4()}"


def _body(product_id: int, quantity: int = 1, phone: str = "0812-3456-7890", **extra: object) -> dict[str, object]:
    return data.order_body(product_id, quantity, customer={"name": "Ibu Rahmah", "phone": phone}, **extra)


async def test_another_buyer_with_the_same_key_gets_an_order_of_their_own(stack: Stack) -> None:
    product = await data.make_product(stack.db, SLUG, stock=10)
    key = _key()
    async with stack.client() as first_buyer, stack.client() as other_buyer:
        first = await first_buyer.post(ORDERS, json=_body(product.id), headers={"Idempotency-Key": key})
        # Another phone, and then the very same body sent by a signed-in account: neither is the first buyer.
        other = await other_buyer.post(
            ORDERS, json=_body(product.id, phone=data.new_phone()), headers={"Idempotency-Key": key}
        )
    member = await data.resident(stack.url, stack.db)
    try:
        signed_in = await member.post(ORDERS, json=_body(product.id), headers={"Idempotency-Key": key})
    finally:
        await member.aclose()
    assert first.status_code == other.status_code == signed_in.status_code == 201
    numbers = {first.json()["number"], other.json()["number"], signed_in.json()["number"]}
    assert len(numbers) == 3
    for response in (other, signed_in):
        assert first.json()["token"] not in response.text
        assert first.json()["number"] not in response.text
    assert await data.stock_of(stack.db, product.id) == 7


async def test_the_same_request_again_is_the_same_order_however_it_is_spelled(stack: Stack) -> None:
    product = await data.make_product(stack.db, SLUG, stock=10)
    other = await data.make_product(stack.db, SLUG, stock=10)
    key = _key()
    async with stack.client() as client:
        body = _body(product.id, 2)
        body["lines"] = [{"product_id": product.id, "quantity": 2}, {"product_id": other.id, "quantity": 1}]
        first = await client.post(ORDERS, json=body, headers={"Idempotency-Key": key})
        # The phone typed another way and the lines in another order: the same request.
        body["customer"] = {"name": "Ibu Rahmah", "phone": "+62 812 3456 7890"}
        body["lines"] = [{"product_id": other.id, "quantity": 1}, {"product_id": product.id, "quantity": 2}]
        again = await client.post(ORDERS, json=body, headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert await data.stock_of(stack.db, product.id) == 8


async def test_the_same_key_with_another_body_is_refused_and_changes_nothing(stack: Stack) -> None:
    product = await data.make_product(stack.db, SLUG, stock=10)
    key = _key()
    async with stack.client() as client:
        first = await client.post(ORDERS, json=_body(product.id, 1), headers={"Idempotency-Key": key})
        before = await data.order_count(stack.db)
        changed = await client.post(ORDERS, json=_body(product.id, 3), headers={"Idempotency-Key": key})
        # Checked before the key is looked up: an invalid body with a used key is just invalid.
        invalid = await client.post(ORDERS, json=_body(product.id, 0), headers={"Idempotency-Key": key})
    assert first.status_code == 201
    assert changed.status_code == 409, changed.text
    problem = changed.json()
    assert problem["code"] == "idempotency_key_reused"
    assert problem["status"] == 409 and "idempotency_key" in problem["errors"]
    assert first.json()["number"] not in changed.text and first.json()["token"] not in changed.text
    assert invalid.status_code == 422
    assert await data.order_count(stack.db) == before
    assert await data.stock_of(stack.db, product.id) == 9


async def test_concurrent_requests_with_one_key_make_one_order_per_buyer(stack: Stack) -> None:
    product = await data.make_product(stack.db, SLUG, stock=100)
    before = await data.order_count(stack.db)
    key = _key()
    phones = [data.new_phone() for _ in range(4)]
    async with stack.client() as client:
        responses = await asyncio.gather(
            *[
                client.post(ORDERS, json=_body(product.id, 1, phone=phone), headers={"Idempotency-Key": key})
                for phone in phones
                for _ in range(4)
            ]
        )
    assert {r.status_code for r in responses} == {201}, [r.text for r in responses if r.status_code != 201]
    by_phone: dict[str, set[str]] = {}
    for response in responses:
        by_phone.setdefault(response.json()["customer"]["phone"], set()).add(response.json()["number"])
    assert len(by_phone) == 4 and all(len(numbers) == 1 for numbers in by_phone.values())
    assert await data.order_count(stack.db) == before + 4
    assert await data.stock_of(stack.db, product.id) == 96


def _form(page: httpx.Response, client: httpx.AsyncClient) -> dict[str, str]:
    fields = dict(re.findall(r'name="(idempotency_key|cart_fingerprint)" value="([^"]*)"', page.text))
    assert set(fields) == {"idempotency_key", "cart_fingerprint"}
    return {
        **fields,
        "name": "Ibu Rahmah",
        "phone": "0812 3456 7890",
        "fulfilment": "pickup",
        "payment_method": "cash",
        "_csrf_token": client.cookies["csrftoken"],
    }


async def test_a_checkout_page_reused_after_the_cart_changed_never_returns_the_old_order(stack: Stack) -> None:
    product = await data.make_product(stack.db, SLUG, stock=10, name="Kerupuk uji halaman lama")
    async with stack.client() as client:
        await add_to_cart(client, SLUG, product.id, 1)
        form = _form(await client.get(f"/k/{SLUG}/checkout"), client)
        first = await client.post(f"/k/{SLUG}/checkout", data=form)
        assert first.status_code == 303
        # The buyer fills the cart again with something else and sends the old page once more.
        await add_to_cart(client, SLUG, product.id, 3)
        stale = await client.post(f"/k/{SLUG}/checkout", data=form)
        assert stale.status_code == 409, stale.text[:500]
        assert "Isi keranjang berubah" in stale.text
        assert first.headers["location"].split("?")[0] not in stale.text
        cart = await client.get(f"/k/{SLUG}/keranjang")
        assert "Kerupuk uji halaman lama" in cart.text  # the cart is kept
        # The page it answered with is current: sending it places the order it shows.
        again = await client.post(f"/k/{SLUG}/checkout", data=_form(stale, client))
        assert again.status_code == 303
        assert again.headers["location"].split("?")[0] != first.headers["location"].split("?")[0]
    assert await data.stock_of(stack.db, product.id) == 6


async def test_a_reused_page_key_with_other_details_is_refused_with_a_new_key(stack: Stack) -> None:
    product = await data.make_product(stack.db, SLUG, stock=10)
    async with stack.client() as client:
        await add_to_cart(client, SLUG, product.id, 1)
        form = _form(await client.get(f"/k/{SLUG}/checkout"), client)
        assert (await client.post(f"/k/{SLUG}/checkout", data=form)).status_code == 303
        await add_to_cart(client, SLUG, product.id, 1)  # the same cart again, other details
        refused = await client.post(f"/k/{SLUG}/checkout", data={**form, "name": "Pak Udin"})
        assert refused.status_code == 409
        assert "sudah dipakai untuk pesanan lain dengan isi berbeda" in refused.text
        assert _form(refused, client)["idempotency_key"] != form["idempotency_key"]
    assert await data.stock_of(stack.db, product.id) == 9


async def test_a_second_press_after_the_order_shows_that_order(stack: Stack) -> None:
    product = await data.make_product(stack.db, SLUG, stock=10)
    async with stack.client() as client, stack.client() as stranger:
        await add_to_cart(client, SLUG, product.id, 2)
        form = _form(await client.get(f"/k/{SLUG}/checkout"), client)
        first = await client.post(f"/k/{SLUG}/checkout", data=form)
        second = await client.post(f"/k/{SLUG}/checkout", data=form)  # the cart is empty by now
        assert first.status_code == second.status_code == 303
        assert first.headers["location"] == second.headers["location"]
        # Another browser holding the same page's key (with an empty cart) is sent nowhere near that order.
        await data.csrf_token(stranger, f"/k/{SLUG}")
        theirs = await stranger.post(f"/k/{SLUG}/checkout", data={**form, "_csrf_token": stranger.cookies["csrftoken"]})
        assert theirs.status_code == 422
        assert first.headers["location"].split("?")[0] not in theirs.text
    assert await data.stock_of(stack.db, product.id) == 8
