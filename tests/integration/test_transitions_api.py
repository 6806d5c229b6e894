"""The order state machine over HTTP: every state × every target × every role, with events and stock.

The table is written here from the architecture, not derived from `orders.state`.
"""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Stack
from tests.support import data

STATES = ["placed", "confirmed", "packed", "ready_for_pickup", "out_for_delivery", "completed", "cancelled"]
# How staff bring a fresh order to each state, per fulfilment; None: that state does not exist for it.
PATHS: dict[str, dict[str, list[str] | None]] = {
    "pickup": {
        "placed": [],
        "confirmed": ["confirmed"],
        "packed": ["confirmed", "packed"],
        "ready_for_pickup": ["confirmed", "packed", "ready_for_pickup"],
        "out_for_delivery": None,
        "completed": ["confirmed", "packed", "ready_for_pickup", "completed"],
        "cancelled": ["cancelled"],
    },
    "delivery": {
        "placed": [],
        "confirmed": ["confirmed"],
        "packed": ["confirmed", "packed"],
        "ready_for_pickup": None,
        "out_for_delivery": ["confirmed", "packed", "out_for_delivery"],
        "completed": ["confirmed", "packed", "out_for_delivery", "completed"],
        "cancelled": ["cancelled"],
    },
}
LEGAL = {
    ("placed", "confirmed"),
    ("confirmed", "packed"),
    ("packed", "ready_for_pickup", "pickup"),
    ("packed", "out_for_delivery", "delivery"),
    ("ready_for_pickup", "completed"),
    ("out_for_delivery", "completed"),
    ("placed", "cancelled"),
    ("confirmed", "cancelled"),
    ("packed", "cancelled"),
}


def legal(current: str, target: str, fulfilment: str) -> bool:
    return (current, target) in LEGAL or (current, target, fulfilment) in LEGAL


def expected(role: str, current: str, target: str, fulfilment: str) -> int:
    """The HTTP status each role gets for asking to move an order from `current` to `target`."""
    if role == "staff":
        return 200 if legal(current, target, fulfilment) else 409
    if role == "other_staff":
        return 404  # another cooperative's order does not exist for them
    if role == "anonymous":
        return 401
    # The buyer (secret link) can only cancel, and only while the order is placed.
    if target != "cancelled":
        return 401
    if not legal(current, target, fulfilment):
        return 409  # no one may make this move: a conflict, whoever asks
    return 200 if current == "placed" else 403


async def _order_in(stack: Stack, staff: httpx.AsyncClient, product_id: int, fulfilment: str, state: str) -> dict:
    extra = {"fulfilment": fulfilment}
    if fulfilment == "delivery":
        extra["address"] = {"dusun": "Dusun I", "landmark": "dekat langgar"}
    async with stack.client() as guest:
        created = await guest.post("/api/cooperatives/lok-baintan/orders", json=data.order_body(product_id, 2, **extra))
    assert created.status_code == 201, created.text
    order = created.json()
    for step in PATHS[fulfilment][state] or []:
        moved = await staff.post(f"/api/orders/{order['number']}/transitions", json={"to": step})
        assert moved.status_code == 200, moved.text
    return order


async def _ask(role: str, clients: dict[str, httpx.AsyncClient], order: dict, target: str) -> httpx.Response:
    number = order["number"]
    if role == "buyer" and target == "cancelled":
        return await clients["anonymous"].post(f"/api/orders/{number}/cancel", params={"token": order["token"]})
    client = clients["anonymous"] if role == "buyer" else clients[role]
    return await client.post(f"/api/orders/{number}/transitions", json={"to": target, "note": f"uji {role}"})


@pytest.mark.parametrize("fulfilment", ["pickup", "delivery"])
async def test_every_state_target_and_role(stack: Stack, fulfilment: str) -> None:
    product = await data.make_product(stack.db, stock=500)
    staff = await data.staff(stack.url, "lok-baintan")
    other = await data.staff(stack.url, "tabanio")
    anonymous = stack.client()
    clients = {"staff": staff, "other_staff": other, "anonymous": anonymous}
    reserved = 0  # units held by orders that are not cancelled
    try:
        for current in STATES:
            if PATHS[fulfilment][current] is None:
                continue
            probe = await _order_in(stack, staff, product.id, fulfilment, current)
            reserved += 0 if current == "cancelled" else 2
            probe_events = len(await data.events_of(stack.db, probe["number"]))
            for target in STATES:
                for role in ("staff", "other_staff", "anonymous", "buyer"):
                    want = expected(role, current, target, fulfilment)
                    if want == 200:
                        # A move that succeeds gets an order of its own, so the probe stays in `current`.
                        fresh = await _order_in(stack, staff, product.id, fulfilment, current)
                        before = len(await data.events_of(stack.db, fresh["number"]))
                        response = await _ask(role, clients, fresh, target)
                        assert response.status_code == 200, (current, target, role, response.text)
                        assert response.json()["status"] == target
                        events = await data.events_of(stack.db, fresh["number"])
                        assert len(events) == before + 1
                        last = events[-1]
                        assert (last.from_status, last.to_status) == (current, target)
                        if role == "staff":
                            assert last.actor_label.startswith("Staf: ") and last.note == "uji staff"
                        else:
                            assert last.actor_label == "Pembeli"
                        reserved += 0 if target == "cancelled" or current == "cancelled" else 2
                        continue
                    response = await _ask(role, clients, probe, target)
                    assert response.status_code == want, (current, target, role, response.text)
                    problem = response.json()
                    assert problem["detail"].endswith("."), problem
                    assert "_" not in problem["detail"], problem
            row = await data.order_row(stack.db, probe["number"])
            assert row.status == current, "a refused move changed nothing"
            assert len(await data.events_of(stack.db, probe["number"])) == probe_events
        # Every cancel went back through the ledger, exactly once.
        assert await data.stock_of(stack.db, product.id) == 500 - reserved
        assert await data.ledger_sum(stack.db, product.id) == 500 - reserved
    finally:
        for client in (staff, other, anonymous):
            await client.aclose()


async def test_illegal_move_is_explained(stack: Stack) -> None:
    product = await data.make_product(stack.db, stock=5)
    staff = await data.staff(stack.url)
    async with stack.client() as guest:
        order = (await guest.post("/api/cooperatives/lok-baintan/orders", json=data.order_body(product.id))).json()
        response = await staff.post(f"/api/orders/{order['number']}/transitions", json={"to": "completed"})
        assert response.status_code == 409
        assert response.json()["detail"] == (
            "Pesanan yang masih berstatus dipesan tidak bisa langsung menjadi selesai. "
            "Langkah berikutnya: dikonfirmasi."
        )
        unknown = await staff.post(f"/api/orders/{order['number']}/transitions", json={"to": "shipped"})
        assert unknown.status_code == 422
        missing = await staff.post("/api/orders/LBA-000000-XXXX/transitions", json={"to": "confirmed"})
        assert missing.status_code == 404
    await staff.aclose()


async def test_buyer_cancel_returns_stock_and_needs_the_token(stack: Stack) -> None:
    product = await data.make_product(stack.db, stock=5)
    async with stack.client() as guest:
        order = (await guest.post("/api/cooperatives/lok-baintan/orders", json=data.order_body(product.id, 3))).json()
        assert await data.stock_of(stack.db, product.id) == 2
        wrong = await guest.post(f"/api/orders/{order['number']}/cancel", params={"token": "salah"})
        assert wrong.status_code == 404
        done = await guest.post(f"/api/orders/{order['number']}/cancel", params={"token": order["token"]})
        assert done.status_code == 200 and done.json()["status"] == "cancelled"
        again = await guest.post(f"/api/orders/{order['number']}/cancel", params={"token": order["token"]})
        assert again.status_code == 409
    assert await data.stock_of(stack.db, product.id) == 5
    assert await data.ledger_sum(stack.db, product.id) == 5
