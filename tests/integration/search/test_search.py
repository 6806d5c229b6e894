"""Search over HTTP: what residents type finds what they mean, scoped to the cooperative."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests.conftest import Stack
from tests.support import data

SLUGS = ("lok-baintan", "telaga-bidadari", "tabanio")


async def search(http: httpx.AsyncClient, slug: str, **params: object) -> dict[str, object]:
    response = await http.get(f"/api/cooperatives/{slug}/search", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


@pytest.mark.parametrize(
    ("slug", "query", "expected"),
    [
        ("lok-baintan", "migor", "minyak"),  # colloquial
        ("lok-baintan", "minyak gorng", "minyak goreng"),  # typo
        ("lok-baintan", "hintalu", "telur"),  # Banjar
        ("lok-baintan", "telor", "telur"),  # spelling
        ("lok-baintan", "gas melon", "lpg 3 kg"),  # nickname
        ("lok-baintan", "miny", "minyak"),  # as you type
        ("telaga-bidadari", "gula habang", "gula"),  # Banjar, two words
    ],
)
async def test_what_residents_type_finds_what_they_mean(
    http: httpx.AsyncClient, slug: str, query: str, expected: str
) -> None:
    body = await search(http, slug, q=query, per_page=5)
    assert body["engine"] == "embedded"
    names = [hit["name"].lower() for hit in body["hits"]]  # type: ignore[attr-defined]
    assert any(expected in name for name in names), (query, names)


async def test_no_hit_from_another_cooperative(http: httpx.AsyncClient) -> None:
    for slug in SLUGS:
        for query in ("", "beras", "telur", "gula", "a", "minyak goreng"):
            body = await search(http, slug, q=query, per_page=100)
            assert {hit["cooperative"] for hit in body["hits"]} <= {slug}  # type: ignore[attr-defined]


async def test_filter_injection_stays_in_the_cooperative(http: httpx.AsyncClient) -> None:
    body = await search(http, "lok-baintan", category='Sembako" OR cooperative != "x', per_page=100)
    assert body["total"] == 0
    assert body["hits"] == []


async def test_facets_sort_price_range_and_highlight(http: httpx.AsyncClient) -> None:
    body = await search(http, "lok-baintan", q="beras", per_page=100)
    facets = body["facets"]
    assert sum(facets["category"].values()) == body["total"]  # type: ignore[index]
    cheap = await search(http, "lok-baintan", sort="price_asc", per_page=100)
    prices = [hit["price"] for hit in cheap["hits"]]  # type: ignore[attr-defined]
    assert prices == sorted(prices)
    ranged = await search(http, "lok-baintan", min_price=10000, max_price=20000, per_page=100)
    assert all(10000 <= hit["price"] <= 20000 for hit in ranged["hits"])  # type: ignore[attr-defined]
    assert ranged["price_stats"]["min"] >= 10000  # type: ignore[index]
    highlighted = await search(http, "lok-baintan", q="beras", per_page=5)
    assert any("<mark>" in hit["highlight"]["name"] for hit in highlighted["hits"])  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "cheapest"},
        {"page": "0"},
        {"page": "abc"},
        {"per_page": "1000"},
        {"min_price": "-5"},
        {"min_price": "banyak"},
        {"min_price": "20000", "max_price": "1000"},
        {"in_stock": "mungkin"},
        {"q": "x" * 201},
    ],
)
async def test_bad_parameters_get_422_with_a_message(http: httpx.AsyncClient, params: dict[str, str]) -> None:
    response = await http.get("/api/cooperatives/lok-baintan/search", params=params)
    assert response.status_code in (400, 422), response.text
    assert response.json()["detail"]


async def test_storefront_search_page_and_fragment(http: httpx.AsyncClient) -> None:
    page = await http.get("/k/lok-baintan", params={"q": "hintalu"})
    assert page.status_code == 200
    assert "Telur" in page.text
    assert "<mark>" in page.text or "Telur" in page.text
    fragment = await http.get(
        "/k/lok-baintan", params={"q": "telur", "urut": "termurah"}, headers={"HX-Request": "true"}
    )
    assert "<html" not in fragment.text
    assert fragment.text.lstrip().startswith('<section id="results"')
    more = await http.get(
        "/k/lok-baintan", params={"halaman": "2"}, headers={"HX-Request": "true", "HX-Target": "more"}
    )
    assert more.status_code == 200
    assert "<section" not in more.text
    assert 'class="card product"' in more.text
    empty = await http.get("/k/lok-baintan", params={"q": "zzqqxx"})
    assert "Belum ada barang yang cocok" in empty.text
    bad = await http.get("/k/lok-baintan", params={"harga_min": "murah"})
    assert bad.status_code == 422
    assert "<html" in bad.text


async def wait_until(check: object, deadline_s: float = 20.0) -> bool:
    """Poll until the relay has delivered (a deadline for waiting, not a speed assertion)."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if await check():  # type: ignore[operator]
            return True
        await asyncio.sleep(0.2)
    return False


async def test_stock_and_new_products_reach_search(stack: Stack, http: httpx.AsyncClient) -> None:
    product = await data.make_product(stack.db, stock=1, name="Kerupuk haruan sinkron")

    async def findable() -> bool:
        body = await search(http, "lok-baintan", q="kerupuk haruan sinkron")
        return any(hit["id"] == product.id and hit["in_stock"] for hit in body["hits"])  # type: ignore[attr-defined]

    assert await wait_until(findable)
    order = await http.post("/api/cooperatives/lok-baintan/orders", json=data.order_body(product.id, 1))
    assert order.status_code == 201

    async def sold_out() -> bool:
        body = await search(http, "lok-baintan", q="kerupuk haruan sinkron", in_stock="true")
        return all(hit["id"] != product.id for hit in body["hits"])  # type: ignore[attr-defined]

    assert await wait_until(sold_out)
