"""Security headers on every kind of response, no-store on private pages, JSON-only unsafe API calls."""

from __future__ import annotations

import httpx

from tests.conftest import Stack
from tests.support import data

EVERYWHERE = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


def _assert_hardened(response: httpx.Response) -> None:
    for name, value in EVERYWHERE.items():
        assert response.headers.get(name) == value, (response.url, name, response.headers)
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src", 1)[1].split(";")[0]
    assert "camera=()" in response.headers["permissions-policy"]


async def test_every_kind_of_response_carries_the_headers(http: httpx.AsyncClient) -> None:
    page = await http.get("/")
    static = await http.get("/static/css/app.css")
    missing = await http.get("/tidak-ada-halaman-ini")
    api = await http.get("/api/cooperatives")
    api_error = await http.get("/api/orders/PD-TIDAK-ADA")
    assert [page.status_code, static.status_code, missing.status_code, api.status_code] == [200, 200, 404, 200]
    assert api_error.status_code in {404, 422}
    for response in (page, static, missing, api, api_error):
        _assert_hardened(response)
    assert "no-store" not in page.headers.get("cache-control", "")


async def test_private_pages_are_never_cached(stack: Stack, http: httpx.AsyncClient) -> None:
    product = await data.make_product(stack.db, stock=3)
    created = await http.post("/api/cooperatives/lok-baintan/orders", json=data.order_body(product.id))
    assert created.status_code == 201, created.text
    assert created.headers["cache-control"] == "no-store"
    order = created.json()
    page = await http.get(f"/pesanan/{order['number']}", params={"token": order["token"]})
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    api = await http.get(f"/api/orders/{order['number']}", params={"token": order["token"]})
    assert api.headers["cache-control"] == "no-store"
    for path in ("/masuk", "/akun", "/staf", "/produsen"):
        response = await http.get(path)
        assert response.headers.get("cache-control") == "no-store", path


async def test_an_unsafe_api_call_needs_json_even_without_a_body(http: httpx.AsyncClient) -> None:
    bare = await http.post("/api/auth/logout")
    assert bare.status_code == 415, bare.text
    assert bare.json()["code"] == "unsupported_media_type"
    form = await http.post("/api/auth/logout", data={"x": "1"})
    assert form.status_code == 415
    as_json = await http.post("/api/auth/logout", headers={"Content-Type": "application/json"})
    assert as_json.status_code == 204
