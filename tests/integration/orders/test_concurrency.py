"""No oversell: 2×S concurrent single-unit orders for stock S make exactly S orders."""

from __future__ import annotations

import asyncio

from tests.conftest import Stack
from tests.support import data

STOCK = 10


async def test_concurrent_orders_never_oversell(stack: Stack) -> None:
    product = await data.make_product(stack.db, stock=STOCK)
    coop = await data.cooperative(stack.db, "lok-baintan")
    before = await data.order_count(stack.db, coop.id)
    limits = {"max_connections": 2 * STOCK, "max_keepalive_connections": 2 * STOCK}
    import httpx

    async with stack.client(limits=httpx.Limits(**limits)) as client:
        responses = await asyncio.gather(
            *[
                client.post("/api/cooperatives/lok-baintan/orders", json=data.order_body(product.id, 1))
                for _ in range(2 * STOCK)
            ]
        )
    codes = sorted(r.status_code for r in responses)
    assert codes.count(201) == STOCK, codes
    assert codes.count(409) == STOCK, codes
    assert await data.stock_of(stack.db, product.id) == 0
    assert await data.order_count(stack.db, coop.id) == before + STOCK
    assert await data.ledger_sum(stack.db, product.id) == 0


async def test_two_hundred_buyers_ten_units(stack: Stack) -> None:
    product = await data.make_product(stack.db, stock=10)
    import httpx

    async with stack.client(limits=httpx.Limits(max_connections=50)) as client:
        responses = await asyncio.gather(
            *[
                client.post("/api/cooperatives/lok-baintan/orders", json=data.order_body(product.id, 1))
                for _ in range(200)
            ]
        )
    codes = [r.status_code for r in responses]
    assert codes.count(201) == 10
    assert codes.count(409) == 190
    assert await data.stock_of(stack.db, product.id) == 0


async def test_two_line_orders_in_either_order_never_oversell_or_deadlock(stack: Stack) -> None:
    plenty = await data.make_product(stack.db, stock=10)
    scarce = await data.make_product(stack.db, stock=6)
    both = [{"product_id": plenty.id, "quantity": 1}, {"product_id": scarce.id, "quantity": 1}]
    import httpx

    async with stack.client(limits=httpx.Limits(max_connections=20)) as client:
        responses = await asyncio.gather(
            *[
                client.post(
                    "/api/cooperatives/lok-baintan/orders",
                    json=data.order_body(plenty.id, lines=both if i % 2 else both[::-1]),
                )
                for i in range(20)
            ]
        )
    codes = sorted(r.status_code for r in responses)
    assert codes.count(201) == 6 and codes.count(409) == 14, codes
    # A refused order takes nothing, not even the line that had stock.
    assert await data.stock_of(stack.db, plenty.id) == 4 and await data.stock_of(stack.db, scarce.id) == 0
    assert await data.ledger_sum(stack.db, plenty.id) == 4 and await data.ledger_sum(stack.db, scarce.id) == 0


async def _order(stack: Stack, product_id: int, quantity: int = 1, **extra: object) -> dict:
    async with stack.client() as guest:
        response = await guest.post(
            "/api/cooperatives/lok-baintan/orders", json=data.order_body(product_id, quantity, **extra)
        )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_twenty_payment_confirmations_record_one_payment(stack: Stack) -> None:
    product = await data.make_product(stack.db, stock=5)
    order = await _order(stack, product.id, 2, payment_method="transfer")
    staff = await data.staff(stack.url)
    try:
        responses = await asyncio.gather(
            *[
                staff.post(
                    f"/api/orders/{order['number']}/payment",
                    json={"status": "paid", "reference": f"TRF-{i}"},
                )
                for i in range(20)
            ]
        )
    finally:
        await staff.aclose()
    codes = sorted(r.status_code for r in responses)
    assert codes.count(200) == 1 and codes.count(409) == 19, codes
    payments = await data.payments_of(stack.db, order["number"])
    assert len(payments) == 1 and payments[0].amount == order["total"]
    winner = next(r for r in responses if r.status_code == 200).json()
    assert winner["payments"][0]["reference"] == payments[0].reference


async def test_twenty_cancels_return_the_stock_once(stack: Stack) -> None:
    product = await data.make_product(stack.db, stock=10)
    order = await _order(stack, product.id, 4)
    staff = await data.staff(stack.url)
    try:
        async with stack.client() as guest:
            # Staff and the buyer press "Batalkan" at the same moment, ten times each.
            responses = await asyncio.gather(
                *[
                    staff.post(f"/api/orders/{order['number']}/transitions", json={"to": "cancelled"})
                    if i % 2
                    else guest.post(f"/api/orders/{order['number']}/cancel", json={}, params={"token": order["token"]})
                    for i in range(20)
                ]
            )
    finally:
        await staff.aclose()
    codes = sorted(r.status_code for r in responses)
    assert codes.count(200) == 1 and codes.count(409) == 19, codes
    assert await data.stock_of(stack.db, product.id) == 10
    assert await data.ledger_sum(stack.db, product.id) == 10
    cancels = [e for e in await data.events_of(stack.db, order["number"]) if e.to_status == "cancelled"]
    assert len(cancels) == 1


async def test_concurrent_staff_moves_record_each_step_once(stack: Stack) -> None:
    product = await data.make_product(stack.db, stock=10)
    order = await _order(stack, product.id, 1)
    staff = await data.staff(stack.url)
    try:
        # Half confirm, half cancel: exactly one confirm wins; a cancel may still follow it (legal), never twice.
        responses = await asyncio.gather(
            *[
                staff.post(
                    f"/api/orders/{order['number']}/transitions", json={"to": "confirmed" if i % 2 else "cancelled"}
                )
                for i in range(20)
            ]
        )
    finally:
        await staff.aclose()
    assert all(r.status_code in (200, 409) for r in responses), [r.text for r in responses if r.status_code >= 500]
    events = await data.events_of(stack.db, order["number"])
    moves = [(e.from_status, e.to_status) for e in events]
    assert moves.count((None, "placed")) == 1
    assert sum(1 for m in moves if m[1] == "confirmed") <= 1
    assert sum(1 for m in moves if m[1] == "cancelled") <= 1
    assert len(moves) == 1 + sum(1 for r in responses if r.status_code == 200)
    final = await data.order_row(stack.db, order["number"])
    assert final.status == moves[-1][1]
    assert await data.stock_of(stack.db, product.id) == (10 if final.status == "cancelled" else 9)
    assert await data.ledger_sum(stack.db, product.id) == await data.stock_of(stack.db, product.id)


async def test_one_member_cannot_beat_the_quota_with_parallel_orders(stack: Stack) -> None:
    product = await data.make_product(stack.db, stock=100, quota=(5, "month"), name="LPG uji kuota paralel")
    member = await data.resident(stack.url, stack.db)
    try:
        responses = await asyncio.gather(
            *[
                member.post("/api/cooperatives/lok-baintan/orders", json=data.order_body(product.id, 1))
                for _ in range(20)
            ]
        )
    finally:
        await member.aclose()
    codes = sorted(r.status_code for r in responses)
    assert codes.count(201) == 5 and codes.count(422) == 15, codes
    assert await data.stock_of(stack.db, product.id) == 95


async def test_twenty_form_submits_with_one_key_make_one_order(stack: Stack) -> None:
    product = await data.make_product(stack.db, stock=30)
    coop = await data.cooperative(stack.db, "lok-baintan")
    before = await data.order_count(stack.db, coop.id)
    async with stack.client() as buyer:
        token = await data.csrf_token(buyer, "/k/lok-baintan")
        await buyer.post(
            "/k/lok-baintan/keranjang", data={"product_id": str(product.id), "quantity": "3", "_csrf_token": token}
        )
        page = await buyer.get("/k/lok-baintan/checkout")
        key = page.text.split('name="idempotency_key" value="', 1)[1].split('"', 1)[0]
        form = {
            "_csrf_token": token,
            "idempotency_key": key,
            "name": "Ibu Rahmah",
            "phone": "0812 3456 7890",
            "fulfilment": "pickup",
            "payment_method": "cash",
        }
        responses = await asyncio.gather(*[buyer.post("/k/lok-baintan/checkout", data=form) for _ in range(20)])
    assert {r.status_code for r in responses} == {303}, [r.text[:200] for r in responses if r.status_code != 303]
    assert len({r.headers["location"] for r in responses}) == 1
    assert await data.order_count(stack.db, coop.id) == before + 1
    assert await data.stock_of(stack.db, product.id) == 27
