"""Order creation is limited per client address and per phone: a clear 429, and no order, no stock taken."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from orders.services.order_limits import WINDOW_SECONDS
from tests.conftest import Stack, server_env
from tests.integration.orders.test_web_flows import add_to_cart
from tests.support import data
from tests.support.server import LiveServer, start_server

PER_PHONE, PER_ADDRESS = 2, 3
# Not lok-baintan: its order board shows the oldest placed orders only, and other tests look for theirs there.
SLUG = "telaga-bidadari"


@pytest.fixture
def limited(stack: Stack, tmp_path: Path) -> Iterator[LiveServer]:
    """A second app process on the stack's database with small limits, believing 127.0.0.1 as a proxy."""
    env = server_env(stack.settings) | {
        "VAR_DIR": str(tmp_path),
        "SEARCH_RELAY": "0",
        "ORDER_RATE_LIMIT_PHONE": str(PER_PHONE),
        "ORDER_RATE_LIMIT_ADDRESS": str(PER_ADDRESS),
        "TRUSTED_PROXIES": "127.0.0.1",
    }
    server = start_server(env, log_dir=tmp_path)
    data.DATABASES[server.url] = stack.db
    yield server
    server.stop()


def _not_at_the_hour() -> None:
    """The limits count in fixed hourly windows: do not let a test straddle the start of a new one."""
    left = WINDOW_SECONDS - time.time() % WINDOW_SECONDS
    if left < 15:
        time.sleep(left + 1)


def _address() -> str:
    return f"198.51.{random.randint(0, 255)}.{random.randint(1, 254)}"


async def test_a_phone_and_an_address_each_get_a_limited_number_of_orders(stack: Stack, limited: LiveServer) -> None:
    product = await data.make_product(stack.db, SLUG, stock=50)
    phone = data.new_phone()
    _not_at_the_hour()
    async with httpx.AsyncClient(base_url=limited.url, timeout=60) as client:
        # One phone from ever-new addresses: the phone's limit.
        codes = []
        for _ in range(PER_PHONE + 1):
            body = data.order_body(product.id, 1, customer={"name": "Ibu Rahmah", "phone": phone})
            response = await client.post(
                f"/api/cooperatives/{SLUG}/orders", json=body, headers={"X-Forwarded-For": _address()}
            )
            codes.append(response.status_code)
        assert codes == [201] * PER_PHONE + [429], codes
        problem = response.json()
        assert problem["code"] == "too_many_orders" and 0 < problem["retry_after"] <= 3600
        assert response.headers["Retry-After"] == str(problem["retry_after"])
        assert "Terlalu banyak pesanan" in problem["detail"]
        # One address with ever-new phones: the address's limit.
        address, codes = _address(), []
        for _ in range(PER_ADDRESS + 1):
            body = data.order_body(product.id, 1, customer={"name": "Ibu Rahmah", "phone": data.new_phone()})
            response = await client.post(
                f"/api/cooperatives/{SLUG}/orders", json=body, headers={"X-Forwarded-For": address}
            )
            codes.append(response.status_code)
        assert codes == [201] * PER_ADDRESS + [429], codes
    # Refused orders took nothing: 2 + 3 orders were placed.
    assert await data.stock_of(stack.db, product.id) == 50 - PER_PHONE - PER_ADDRESS
    assert await data.ledger_sum(stack.db, product.id) == 50 - PER_PHONE - PER_ADDRESS


async def test_the_checkout_page_says_so_and_keeps_the_cart(stack: Stack, limited: LiveServer) -> None:
    product = await data.make_product(stack.db, SLUG, stock=50, name="Gula aren uji batas")
    address = _address()
    _not_at_the_hour()
    async with httpx.AsyncClient(base_url=limited.url, timeout=60, headers={"X-Forwarded-For": address}) as client:
        answers = []
        for _ in range(PER_ADDRESS + 1):
            await add_to_cart(client, SLUG, product.id, 1)
            page = await client.get(f"/k/{SLUG}/checkout")
            key = page.text.split('name="idempotency_key" value="', 1)[1].split('"', 1)[0]
            form = {
                "idempotency_key": key,
                "name": "Ibu Rahmah",
                "phone": data.new_phone(),
                "fulfilment": "pickup",
                "payment_method": "cash",
                "_csrf_token": client.cookies["csrftoken"],
            }
            answers.append(await client.post(f"/k/{SLUG}/checkout", data=form))
        assert [a.status_code for a in answers] == [303] * PER_ADDRESS + [429]
        refused = answers[-1]
        assert "Terlalu banyak pesanan" in refused.text and "<html" in refused.text
        assert int(refused.headers["Retry-After"]) > 0
        assert "Gula aren uji batas" in (await client.get(f"/k/{SLUG}/keranjang")).text
    assert await data.stock_of(stack.db, product.id) == 50 - PER_ADDRESS
