"""Pages as a person uses them, without JavaScript: cart, checkout, order page, staff list, CSRF."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import httpx
import pytest

from tests.conftest import DEMO_PASSWORD, Stack
from tests.support import data

STAFF = {"lok-baintan": "081200000101", "telaga-bidadari": "081200000202", "tabanio": "081200000303"}


async def add_to_cart(client: httpx.AsyncClient, slug: str, product_id: int, quantity: int = 1) -> httpx.Response:
    token = await data.csrf_token(client, f"/k/{slug}")
    return await client.post(
        f"/k/{slug}/keranjang",
        data={"product_id": str(product_id), "quantity": str(quantity), "_csrf_token": token},
        headers={"Referer": f"/k/{slug}"},
    )


async def checkout(client: httpx.AsyncClient, slug: str, **fields: str) -> httpx.Response:
    page = await client.get(f"/k/{slug}/checkout")
    assert page.status_code == 200, page.text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text)
    assert key
    form = {
        "name": "Ibu Rahmah",
        "phone": "0812 3456 7890",
        "fulfilment": "pickup",
        "payment_method": "cash",
        "idempotency_key": key.group(1),
        "_csrf_token": client.cookies["csrftoken"],
        **fields,
    }
    return await client.post(f"/k/{slug}/checkout", data=form)


async def test_guest_checkout_without_javascript(stack: Stack) -> None:
    product = await data.make_product(stack.db, stock=5, price=25_000, name="Madu kelulut halaman")
    await data.ensure_zone(stack.db, "lok-baintan", "Dusun Sungai")
    async with stack.client() as client:
        added = await add_to_cart(client, "lok-baintan", product.id, 2)
        assert added.status_code == 303
        cart = await client.get("/k/lok-baintan/keranjang")
        assert "Madu kelulut halaman" in cart.text
        assert "Rp50.000" in cart.text
        done = await checkout(
            client, "lok-baintan", fulfilment="delivery", dusun="Dusun Sungai", rt="004", landmark="dekat dermaga"
        )
        assert done.status_code == 303
        order_page = await client.get(done.headers["location"])
        assert order_page.status_code == 200
        assert "Pesanan diterima" in order_page.text
        number = re.search(r'class="order-number">([A-Z0-9-]+)<', order_page.text)
        assert number
        assert "https://wa.me/6281200000101?text=" in order_page.text
        # The cart is empty after the order, and the stock was taken.
        assert "Keranjang masih kosong" in (await client.get("/k/lok-baintan/keranjang")).text
    assert await data.stock_of(stack.db, product.id) == 3


async def test_checkout_errors_rerender_the_form_escaped_and_change_nothing(stack: Stack) -> None:
    product = await data.make_product(stack.db, stock=5)
    async with stack.client() as client:
        await add_to_cart(client, "lok-baintan", product.id, 1)
        before = await data.order_count(stack.db)
        response = await checkout(client, "lok-baintan", name="<b>Rahmah</b>", phone="12", fulfilment="delivery")
        assert response.status_code == 422
        assert "Nomor HP" in response.text
        assert "Dusun wajib diisi" in response.text
        assert "<b>Rahmah</b>" not in response.text
        assert "&lt;b&gt;Rahmah&lt;/b&gt;" in response.text
    assert await data.order_count(stack.db) == before
    assert await data.stock_of(stack.db, product.id) == 5


async def test_checkout_form_submitted_twice_makes_one_order(stack: Stack) -> None:
    product = await data.make_product(stack.db, stock=5)
    async with stack.client() as client:
        await add_to_cart(client, "lok-baintan", product.id, 1)
        page = await client.get("/k/lok-baintan/checkout")
        key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text)
        assert key
        form = {
            "name": "Pak Udin",
            "phone": "081234567891",
            "fulfilment": "pickup",
            "payment_method": "cash",
            "idempotency_key": key.group(1),
            "_csrf_token": client.cookies["csrftoken"],
        }
        first = await client.post("/k/lok-baintan/checkout", data=form)
        await add_to_cart(client, "lok-baintan", product.id, 1)  # the cart is refilled, the key reused
        second = await client.post("/k/lok-baintan/checkout", data=form)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"].split("&")[0] == second.headers["location"].split("&")[0]
    assert await data.stock_of(stack.db, product.id) == 4


async def test_htmx_add_to_cart_returns_a_fragment_and_updates_the_badge(stack: Stack) -> None:
    product = await data.make_product(stack.db, stock=5)
    async with stack.client() as client:
        token = await data.csrf_token(client, "/k/lok-baintan")
        response = await client.post(
            "/k/lok-baintan/keranjang",
            data={"product_id": str(product.id), "quantity": "1"},
            headers={"HX-Request": "true", "X-CSRFToken": token},
        )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="cart-badge"' in response.text
    assert 'hx-swap-oob="true"' in response.text


async def test_unsafe_requests_without_csrf_token_are_refused(stack: Stack) -> None:
    product = await data.make_product(stack.db, stock=5)
    async with stack.client() as client:
        await client.get("/k/lok-baintan")
        response = await client.post("/k/lok-baintan/keranjang", data={"product_id": str(product.id)})
        assert response.status_code == 403
        login = await client.post("/masuk", data={"phone": STAFF["lok-baintan"], "password": DEMO_PASSWORD})
        assert login.status_code == 403


async def test_wrong_password_is_refused_with_a_message(stack: Stack) -> None:
    async with stack.client() as client:
        response = await data.login(client, STAFF["lok-baintan"], "salah-sandi")
        assert response.status_code == 422
        assert "Nomor HP atau kata sandi salah" in response.text
        staff = await client.get("/staf")
        assert staff.status_code == 303


@asynccontextmanager
async def staff_client(stack: Stack, slug: str) -> AsyncIterator[httpx.AsyncClient]:
    async with stack.client() as client:
        response = await data.login(client, STAFF[slug], DEMO_PASSWORD)
        assert response.status_code == 303
        yield client


async def test_staff_see_only_their_cooperative_and_move_orders(stack: Stack, http: httpx.AsyncClient) -> None:
    product = await data.make_product(stack.db, stock=5, name="Pesanan staf uji")
    mine = (await http.post("/api/cooperatives/lok-baintan/orders", json=data.order_body(product.id, 1))).json()
    other_product = await data.make_product(stack.db, "tabanio", stock=5)
    theirs = (await http.post("/api/cooperatives/tabanio/orders", json=data.order_body(other_product.id, 1))).json()

    async with staff_client(stack, "lok-baintan") as staff:
        board = await staff.get("/staf", follow_redirects=True)
        assert board.status_code == 200
        assert str(board.url).endswith("/staf/lok-baintan") or "/staf/lok-baintan" in str(board.url)
        board = await staff.get("/staf/lok-baintan/pesanan")
        assert board.status_code == 200
        # The board shows the oldest 60 of a column (others behind "semua"); other tests fill Lok Baintan,
        # so find the orders by number as staff do.
        found = await staff.get("/staf/lok-baintan/pesanan", params={"q": mine["number"]})
        assert mine["number"] in found.text
        other = await staff.get("/staf/lok-baintan/pesanan", params={"q": theirs["number"]})
        assert other.status_code == 200 and f'/pesanan/{theirs["number"]}' not in other.text
        token = staff.cookies["csrftoken"]
        moved = await staff.post(
            f"/staf/lok-baintan/pesanan/{mine['number']}/langkah",
            data={"to": "confirmed", "note": "dicek lewat telepon", "_csrf_token": token},
        )
        assert moved.status_code == 303
        detail = await http.get(f"/api/orders/{mine['number']}", params={"token": mine["token"]})
        assert detail.json()["status"] == "confirmed"
        assert detail.json()["events"][-1]["note"] == "dicek lewat telepon"
        illegal = await staff.post(
            f"/staf/lok-baintan/pesanan/{mine['number']}/langkah", data={"to": "completed", "_csrf_token": token}
        )
        assert illegal.status_code == 409
        for path in (f"/staf/lok-baintan/pesanan/{theirs['number']}", f"/staf/tabanio/pesanan/{theirs['number']}"):
            foreign = await staff.post(f"{path}/langkah", data={"to": "confirmed", "_csrf_token": token})
            assert foreign.status_code in (403, 404)
        # The old endpoint for the same step is gone: one endpoint per action.
        old = await staff.post(f"/staf/pesanan/{mine['number']}/status", data={"to": "packed", "_csrf_token": token})
        assert old.status_code in (404, 405)
        # Staff open their own cooperative's order pages without the buyer's token, not others'.
        assert (await staff.get(f"/pesanan/{mine['number']}")).status_code == 200
        assert (await staff.get(f"/pesanan/{theirs['number']}")).status_code == 404
    untouched = await http.get(f"/api/orders/{theirs['number']}", params={"token": theirs["token"]})
    assert untouched.json()["status"] == "placed"


@pytest.mark.parametrize("slug", ["telaga-bidadari", "tabanio"])
async def test_staff_of_other_cooperatives_cannot_cancel_an_order(
    stack: Stack, http: httpx.AsyncClient, slug: str
) -> None:
    product = await data.make_product(stack.db, stock=5)
    order = (await http.post("/api/cooperatives/lok-baintan/orders", json=data.order_body(product.id, 2))).json()
    async with staff_client(stack, slug) as staff:
        for path in (f"/staf/{slug}/pesanan/{order['number']}", f"/staf/lok-baintan/pesanan/{order['number']}"):
            response = await staff.post(
                f"{path}/langkah", data={"to": "cancelled", "_csrf_token": staff.cookies["csrftoken"]}
            )
            assert response.status_code in (403, 404)
    assert await data.stock_of(stack.db, product.id) == 3


async def test_api_login_sets_a_session(stack: Stack) -> None:
    async with stack.client() as client:
        response = await client.post("/api/auth/login", json={"phone": "0812-0000-0101", "password": DEMO_PASSWORD})
        assert response.status_code == 200
        assert response.json()["phone"] == "+6281200000101"
        assert "pd_session" in client.cookies
        bad = await client.post("/api/auth/login", json={"phone": "0812-0000-0101", "password": "x"})
        assert bad.status_code == 422


async def test_login_session_gets_a_new_id_and_keeps_the_cart(stack: Stack) -> None:
    product = await data.make_product(stack.db, stock=5)
    async with stack.client() as client:
        await add_to_cart(client, "lok-baintan", product.id, 2)
        before = client.cookies.get("pd_session")
        assert before
        response = await data.login(client, "081200009001", DEMO_PASSWORD)
        assert response.status_code == 303
        after = client.cookies.get("pd_session")
        assert after and after != before
        assert "Rp24.000" in (await client.get("/k/lok-baintan/keranjang")).text
    async with stack.client(cookies={"pd_session": before}) as stale:
        # The pre-login id no longer opens anything.
        assert "Keranjang masih kosong" in (await stale.get("/k/lok-baintan/keranjang")).text


@pytest.fixture(scope="module")
def strict_login_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from tests.conftest import _prepare, make_settings, server_env
    from tests.support.server import start_server

    tmp = tmp_path_factory.mktemp("login-limit")
    settings = make_settings(tmp)
    _prepare(settings)
    server = start_server({**server_env(settings), "LOGIN_RATE_LIMIT": "5"}, log_dir=tmp)
    yield server.url
    server.stop()


async def test_password_guessing_is_slowed_down(strict_login_server: str) -> None:
    # Attempts are counted per fixed minute: start the eight guesses well inside one minute.
    left = 60 - time.time() % 60
    if left < 20:
        await asyncio.sleep(left + 0.5)
    async with httpx.AsyncClient(base_url=strict_login_server) as client:
        codes = [
            (await client.post("/api/auth/login", json={"phone": "081200000101", "password": f"tebak{i}"})).status_code
            for i in range(8)
        ]
        assert codes[:5] == [422] * 5
        assert set(codes[5:]) == {429}
        # Browsing is not limited.
        assert (await client.get("/k/lok-baintan")).status_code == 200
