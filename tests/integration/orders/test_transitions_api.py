"""The order state machine over HTTP: every state × every target × every role, with events and stock.

The table is written here from the architecture, not derived from `orders.state`.
"""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select

from orders.models import Courier
from tests.conftest import Stack
from tests.support import data
from tests.support.staff import StaffClient, order_state
from tests.support.staff import staff as staff_web

COURIER_RUN_MESSAGE = "Pesanan diantar lewat rute kurir: pilih kurir di papan pesanan."

STATES = ["placed", "confirmed", "packed", "ready_for_pickup", "out_for_delivery", "completed", "cancelled"]
# How staff bring a fresh order to each state, per fulfilment; None: that state does not exist for it.
# "out_for_delivery" is reached by handing the order to a courier on the board, never by the API.
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
        # Out for delivery is a courier run's move: asked for on its own, it is refused like an illegal one.
        return 200 if legal(current, target, fulfilment) and target != "out_for_delivery" else 409
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


class Board:
    """The staff board in a browser session, with a courier to hand delivery orders to."""

    def __init__(self, web: StaffClient, courier: str) -> None:
        self.web = web
        self.courier = courier

    @classmethod
    async def open(cls, stack: Stack, web: StaffClient) -> Board:
        name = f"Kurir Uji {uuid.uuid4().hex[:5]}"
        assert (await web.post("/staf/lok-baintan/kurir", {"name": name})).status_code == 303
        async with stack.db.session() as session:
            courier_id = await session.scalar(select(Courier.id).where(Courier.name == name))
        assert courier_id is not None, "the courier was added"
        return cls(web, f"kurir:{courier_id}")

    async def send_out(self, stack: Stack, number: str) -> None:
        sent = await self.web.post("/staf/lok-baintan/antar", {"kurir": self.courier, "pilih": number})
        assert sent.status_code == 303, sent.text
        assert (await order_state(stack.db, number))[0] == "out_for_delivery", "the courier run sent it out"


async def _order_in(
    stack: Stack, staff: httpx.AsyncClient, board: Board, product_id: int, fulfilment: str, state: str
) -> dict:
    extra = {"fulfilment": fulfilment}
    if fulfilment == "delivery":
        extra["address"] = {"dusun": "Dusun I", "landmark": "dekat langgar"}
    async with stack.client() as guest:
        created = await guest.post("/api/cooperatives/lok-baintan/orders", json=data.order_body(product_id, 2, **extra))
    assert created.status_code == 201, created.text
    order = created.json()
    for step in PATHS[fulfilment][state] or []:
        if step == "out_for_delivery":
            await board.send_out(stack, order["number"])
            continue
        moved = await staff.post(f"/api/orders/{order['number']}/transitions", json={"to": step})
        assert moved.status_code == 200, moved.text
    return order


async def _ask(role: str, clients: dict[str, httpx.AsyncClient], order: dict, target: str) -> httpx.Response:
    number = order["number"]
    if role == "buyer" and target == "cancelled":
        token = {"token": order["token"]}
        return await clients["anonymous"].post(f"/api/orders/{number}/cancel", json={}, params=token)
    client = clients["anonymous"] if role == "buyer" else clients[role]
    return await client.post(f"/api/orders/{number}/transitions", json={"to": target, "note": f"uji {role}"})


@pytest.mark.parametrize("fulfilment", ["pickup", "delivery"])
async def test_every_state_target_and_role(stack: Stack, fulfilment: str) -> None:
    product = await data.make_product(stack.db, stock=500)
    staff = await data.staff(stack.url, "lok-baintan")
    other = await data.staff(stack.url, "tabanio")
    anonymous = stack.client()
    clients = {"staff": staff, "other_staff": other, "anonymous": anonymous}
    async with staff_web(stack) as web:
        board = await Board.open(stack, web)
        try:
            # Units held by orders that are not cancelled.
            reserved = await _every_move(stack, clients, board, product.id, fulfilment)
        finally:
            for client in (staff, other, anonymous):
                await client.aclose()
    # Every cancel went back through the ledger, exactly once.
    assert await data.stock_of(stack.db, product.id) == 500 - reserved
    assert await data.ledger_sum(stack.db, product.id) == 500 - reserved


async def _every_move(
    stack: Stack, clients: dict[str, httpx.AsyncClient], board: Board, product_id: int, fulfilment: str
) -> int:
    """Ask every move of every role from every state; return the units still held by live orders."""
    staff = clients["staff"]
    reserved = 0
    for current in STATES:
        if PATHS[fulfilment][current] is None:
            continue
        probe = await _order_in(stack, staff, board, product_id, fulfilment, current)
        reserved += 0 if current == "cancelled" else 2
        probe_events = len(await data.events_of(stack.db, probe["number"]))
        for target in STATES:
            for role in ("staff", "other_staff", "anonymous", "buyer"):
                want = expected(role, current, target, fulfilment)
                if want == 200:
                    # A move that succeeds gets an order of its own, so the probe stays in `current`.
                    fresh = await _order_in(stack, staff, board, product_id, fulfilment, current)
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
                if role == "staff" and legal(current, target, fulfilment):
                    assert problem["detail"] == COURIER_RUN_MESSAGE, problem
        row = await data.order_row(stack.db, probe["number"])
        assert row.status == current, "a refused move changed nothing"
        assert len(await data.events_of(stack.db, probe["number"])) == probe_events
    return reserved


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
        wrong = await guest.post(f"/api/orders/{order['number']}/cancel", json={}, params={"token": "salah"})
        assert wrong.status_code == 404
        done = await guest.post(f"/api/orders/{order['number']}/cancel", json={}, params={"token": order["token"]})
        assert done.status_code == 200 and done.json()["status"] == "cancelled"
        again = await guest.post(f"/api/orders/{order['number']}/cancel", json={}, params={"token": order["token"]})
        assert again.status_code == 409
    assert await data.stock_of(stack.db, product.id) == 5
    assert await data.ledger_sum(stack.db, product.id) == 5


async def test_out_for_delivery_only_through_a_courier_run(stack: Stack) -> None:
    """The same rule through the API, the order page's staff form and the board: only a courier run sends out."""
    product = await data.make_product(stack.db, stock=10)
    api = await data.staff(stack.url)
    try:
        async with staff_web(stack) as web:
            board = await Board.open(stack, web)
            order = await _order_in(stack, api, board, product.id, "delivery", "packed")
            number = order["number"]
            events = len(await data.events_of(stack.db, number))

            refused = await api.post(f"/api/orders/{number}/transitions", json={"to": "out_for_delivery"})
            assert refused.status_code == 409
            assert refused.json()["detail"] == COURIER_RUN_MESSAGE
            assert await order_state(stack.db, number) == ("packed", "unpaid")

            page = await web.get(f"/pesanan/{number}")
            assert "Pilih kurir di papan pesanan" in page.text
            assert 'value="out_for_delivery"' not in page.text, "the page offers no direct button"
            form = await web.post(f"/staf/lok-baintan/pesanan/{number}/langkah", {"to": "out_for_delivery"})
            assert form.status_code == 409
            assert COURIER_RUN_MESSAGE in form.text
            assert await order_state(stack.db, number) == ("packed", "unpaid")
            assert len(await data.events_of(stack.db, number)) == events, "a refused move records nothing"

            await board.send_out(stack, number)
            assert await order_state(stack.db, number) == ("out_for_delivery", "unpaid")
            last = (await data.events_of(stack.db, number))[-1]
            assert (last.from_status, last.to_status) == ("packed", "out_for_delivery")
            assert last.note and last.note.startswith("Kurir: Kurir Uji")
    finally:
        await api.aclose()
