"""Typed input never crashes: ids no row can have, NUL characters, non-UTF-8 bytes, odd order tokens."""

from __future__ import annotations

import re

import httpx
import pytest
from litestar.routes import HTTPRoute

from app.asgi import create_app
from tests.conftest import Stack
from tests.support import data

IMPOSSIBLE_IDS = [2**63, 10**30, 0, -1]


def _id_routes(stack: Stack) -> list[tuple[str, str]]:
    """(method, path template) of every route with an id in its path, pages and API alike."""
    app = create_app(stack.settings)
    found = []
    for route in app.routes:
        if isinstance(route, HTTPRoute) and ":int}" in route.path:
            found += [
                (method, route.path) for method in sorted(route.methods) if method in {"GET", "POST", "PUT", "DELETE"}
            ]
    return found


def _fill(template: str, value: int) -> str:
    path = re.sub(r"\{[a-z_]+:int\}", str(value), template)
    return re.sub(r"\{([a-z_]+):str\}", lambda m: "lok-baintan" if m.group(1) == "slug" else "X", path)


# Building the app here warns about every inferred dependency; that is not what this test is about.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
async def test_every_id_in_every_path_is_checked_before_anything_else(stack: Stack) -> None:
    routes = _id_routes(stack)
    assert len(routes) >= 30  # pages and API: the walk reaches them all
    async with stack.client() as client:
        await data.login(client, data.STAFF_PHONES["lok-baintan"], "uji-demo-sandi")
        for method, template in routes:
            for value in IMPOSSIBLE_IDS:
                response = await client.request(method, _fill(template, value))
                assert response.status_code == 404, (method, template, value, response.text[:200])


@pytest.mark.parametrize(
    "path",
    [
        "/api/orders/%00",
        "/api/cooperatives/%00/products",
        "/k/%00",
        "/pesanan/X%00?token=x",
        "/staf/%00/pesanan",
    ],
)
async def test_a_nul_character_in_the_path_is_not_found(http: httpx.AsyncClient, path: str) -> None:
    assert (await http.get(path)).status_code == 404


async def test_ids_too_large_for_the_database_in_a_body_are_refused(stack: Stack, http: httpx.AsyncClient) -> None:
    before = await data.order_count(stack.db)
    response = await http.post("/api/cooperatives/lok-baintan/orders", json=data.order_body(2**70, 1))
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid"
    assert await data.order_count(stack.db) == before


async def test_an_odd_order_token_answers_like_a_wrong_one(stack: Stack, http: httpx.AsyncClient) -> None:
    product = await data.make_product(stack.db, stock=5)
    placed = await http.post("/api/cooperatives/lok-baintan/orders", json=data.order_body(product.id, 1))
    number = placed.json()["number"]
    for token in ("é" * 5, "x" * 5000, "\u202e🙂", "wrong"):
        for path in (f"/api/orders/{number}", "/api/orders/LBT-000000-XXXX", f"/pesanan/{number}"):
            response = await http.get(path, params={"token": token})
            assert response.status_code == 404, (path, token[:10], response.text[:200])
        unknown = await http.get("/api/orders/LBT-000000-XXXX", params={"token": token})
        known = await http.get(f"/api/orders/{number}", params={"token": token})
        assert known.json() == unknown.json()
    assert (await http.get(f"/api/orders/{number}", params={"token": placed.json()["token"]})).status_code == 200


async def test_a_binary_part_without_a_file_name_is_a_bad_request(stack: Stack) -> None:
    staff = await data.staff(stack.url)
    try:
        body = b'--b\r\nContent-Disposition: form-data; name="file"\r\n\r\n\x89PNG\r\n\x1a\n\x00\r\n--b--\r\n'
        response = await staff.post(
            "/api/cooperatives/lok-baintan/products/import",
            content=body,
            headers={"Content-Type": "multipart/form-data; boundary=b"},
        )
    finally:
        await staff.aclose()
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "bad_encoding"
