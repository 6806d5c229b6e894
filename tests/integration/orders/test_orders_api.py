"""Checkout through the JSON API: prices from the database, bad input changes nothing, idempotency."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from tests.conftest import Stack
from tests.support import data


async def test_order_is_created_with_database_prices(stack: Stack, http: httpx.AsyncClient) -> None:
    product = await data.make_product(stack.db, stock=10, price=18_500, producer_price=15_250)
    body = data.order_body(product.id, 2)
    body["lines"][0]["price"] = 1  # type: ignore[index]  # a client cannot set prices
    response = await http.post("/api/cooperatives/lok-baintan/orders", json=body)
    assert response.status_code == 422  # unknown field refused outright
    response = await http.post("/api/cooperatives/lok-baintan/orders", json=data.order_body(product.id, 2))
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["total"] == 37_000
    assert order["status"] == "placed"
    assert order["lines"][0]["unit_price"] == 18_500
    assert order["customer"]["phone"] == "+6281234567890"
    assert order["whatsapp_url"].startswith("https://wa.me/6281200000101?text=")
    assert await data.stock_of(stack.db, product.id) == 8
    assert await data.ledger_sum(stack.db, product.id) == 8

    fetched = await http.get(f"/api/orders/{order['number']}", params={"token": order["token"]})
    assert fetched.status_code == 200
    assert fetched.json()["total"] == 37_000
    assert "token" not in fetched.json() or fetched.json()["token"] is None
    wrong = await http.get(f"/api/orders/{order['number']}", params={"token": "salah"})
    assert wrong.status_code == 404


async def test_delivery_order_keeps_the_address(http: httpx.AsyncClient, stack: Stack) -> None:
    product = await data.make_product(stack.db, stock=5)
    body = data.order_body(
        product.id,
        1,
        fulfilment="delivery",
        address={"dusun": "Dusun II", "rt": "004", "rw": "002", "landmark": "dekat langgar"},
    )
    response = await http.post("/api/cooperatives/lok-baintan/orders", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["address"] == {
        "dusun": "Dusun II",
        "rt": "004",
        "rw": "002",
        "landmark": "dekat langgar",
    }


BAD_INPUTS = {
    "quantity 0": {"lines": [{"product_id": "{pid}", "quantity": 0}]},
    "quantity -1": {"lines": [{"product_id": "{pid}", "quantity": -1}]},
    "quantity 10^12": {"lines": [{"product_id": "{pid}", "quantity": 10**12}]},
    "quantity text": {"lines": [{"product_id": "{pid}", "quantity": "dua"}]},
    "unknown product": {"lines": [{"product_id": 99_999_999, "quantity": 1}]},
    "other cooperative's product": {"lines": [{"product_id": "{other}", "quantity": 1}]},
    "missing phone": {"customer": {"name": "Ibu Rahmah"}},
    "malformed phone": {"customer": {"name": "Ibu Rahmah", "phone": "12-ab"}},
    "5000-character name": {"customer": {"name": "A" * 5000, "phone": "081234567890"}},
    "markup in name": {"customer": {"name": "<script>alert(1)</script>", "phone": "081234567890"}},
    "markup in landmark": {
        "fulfilment": "delivery",
        "address": {"dusun": "Dusun I", "landmark": "<img src=x onerror=alert(1)>"},
    },
    "delivery without dusun": {"fulfilment": "delivery"},
    "unknown fulfilment": {"fulfilment": "drone"},
    "no lines": {"lines": []},
    "lines not a list": {"lines": "semua"},
    "over max per order": {"lines": [{"product_id": "{limited}", "quantity": 2}]},
}


def _fill(value: object, ids: dict[str, int]) -> object:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and value[1:-1] in ids:
        return ids[value[1:-1]]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


@pytest.mark.parametrize("case", list(BAD_INPUTS))
async def test_bad_input_is_refused_and_changes_nothing(case: str, stack: Stack, http: httpx.AsyncClient) -> None:
    product = await data.make_product(stack.db, stock=5)
    limited = await data.make_product(stack.db, stock=5, max_qty=1)
    other = await data.make_product(stack.db, "tabanio", stock=5)
    ids = {"pid": product.id, "other": other.id, "limited": limited.id}
    body = data.order_body(product.id, 1)
    body.update(_fill(BAD_INPUTS[case], ids))  # type: ignore[arg-type]
    before = await data.order_count(stack.db)
    response = await http.post("/api/cooperatives/lok-baintan/orders", json=body)
    assert 400 <= response.status_code < 500, (case, response.status_code, response.text)
    problem = response.json()
    assert problem["detail"]
    assert "<script>" not in response.text and "<img" not in response.text
    assert await data.order_count(stack.db) == before
    for p in (product, limited, other):
        assert await data.stock_of(stack.db, p.id) == 5


async def test_non_json_body_is_refused(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/api/cooperatives/lok-baintan/orders",
        content="customer=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415
    broken = await http.post(
        "/api/cooperatives/lok-baintan/orders", content="{not json", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code in (400, 422)


async def test_out_of_stock_is_409_and_changes_nothing(stack: Stack, http: httpx.AsyncClient) -> None:
    product = await data.make_product(stack.db, stock=1)
    plenty = await data.make_product(stack.db, stock=10)
    body = data.order_body(product.id, 1)
    body["lines"] = [{"product_id": plenty.id, "quantity": 3}, {"product_id": product.id, "quantity": 2}]
    before = await data.order_count(stack.db)
    response = await http.post("/api/cooperatives/lok-baintan/orders", json=body)
    assert response.status_code == 409
    assert "tinggal 1" in response.json()["detail"]
    assert await data.order_count(stack.db) == before
    assert await data.stock_of(stack.db, plenty.id) == 10
    assert await data.stock_of(stack.db, product.id) == 1


async def test_idempotency_key_returns_the_first_order(stack: Stack, http: httpx.AsyncClient) -> None:
    product = await data.make_product(stack.db, stock=10)
    key = f"uji-{uuid.uuid4()}"
    first = await http.post(
        "/api/cooperatives/lok-baintan/orders", json=data.order_body(product.id, 1), headers={"Idempotency-Key": key}
    )
    second = await http.post(
        "/api/cooperatives/lok-baintan/orders", json=data.order_body(product.id, 1), headers={"Idempotency-Key": key}
    )
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert await data.stock_of(stack.db, product.id) == 9


async def test_twenty_parallel_submits_with_one_key_make_one_order(stack: Stack) -> None:
    product = await data.make_product(stack.db, stock=50)
    coop = await data.cooperative(stack.db, "lok-baintan")
    before = await data.order_count(stack.db, coop.id)
    key = f"uji-{uuid.uuid4()}"
    async with stack.client() as client:
        responses = await asyncio.gather(
            *[
                client.post(
                    "/api/cooperatives/lok-baintan/orders",
                    json=data.order_body(product.id, 2),
                    headers={"Idempotency-Key": key},
                )
                for _ in range(20)
            ]
        )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["number"] for r in responses}) == 1
    assert await data.order_count(stack.db, coop.id) == before + 1
    assert await data.stock_of(stack.db, product.id) == 48
