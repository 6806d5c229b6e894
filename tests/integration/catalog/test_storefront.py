"""The storefront over HTTP: cooperatives, shop, product page, htmx fragments, escaping."""

from __future__ import annotations

import re

import httpx

from catalog.models import StockThreshold
from tests.conftest import Stack
from tests.support import data


async def test_home_lists_the_three_demo_cooperatives(http: httpx.AsyncClient) -> None:
    response = await http.get("/")
    assert response.status_code == 200
    for name in ("Lok Baintan", "Telaga Bidadari", "Tabanio"):
        assert name in response.text
    assert "Data demo:" in response.text  # the fiction notice stays visible in demo mode


async def test_shop_shows_products_with_rupiah_prices_and_stock(http: httpx.AsyncClient) -> None:
    response = await http.get("/k/lok-baintan")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<html" in response.text
    assert re.search(r"Rp\d{1,3}(\.\d{3})+", response.text)
    assert "Tersedia" in response.text
    assert "Muat lebih banyak" in response.text  # 83 products, 24 per page


async def test_htmx_request_gets_only_the_results_block(http: httpx.AsyncClient) -> None:
    full = await http.get("/k/lok-baintan?q=gula")
    fragment = await http.get("/k/lok-baintan?q=gula", headers={"HX-Request": "true"})
    boosted = await http.get("/k/lok-baintan?q=gula", headers={"HX-Request": "true", "HX-Boosted": "true"})
    restore = await http.get(
        "/k/lok-baintan?q=gula", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in full.text
    assert "<html" not in fragment.text
    assert fragment.text.lstrip().startswith('<section id="results"')
    assert "Gula" in fragment.text
    assert "<html" in boosted.text and "<html" in restore.text
    for response in (full, fragment, boosted):
        assert "HX-Request" in response.headers.get("vary", "")


async def test_category_filter_and_simple_search_stay_in_the_cooperative(http: httpx.AsyncClient) -> None:
    response = await http.get("/api/cooperatives/lok-baintan/products", params={"per_page": 100, "q": "beras"})
    body = response.json()
    assert body["total"] >= 1
    assert all("beras" in (item["name"] + item["category"]).lower() or item["id"] for item in body["items"])
    ids = {item["id"] for item in body["items"]}
    for item_id in ids:
        detail = (await http.get(f"/api/products/{item_id}")).json()
        assert detail["cooperative"] == "lok-baintan"
    page = await http.get("/k/lok-baintan?kategori=kerajinan")
    assert page.status_code == 200


async def test_product_page_shows_price_split(http: httpx.AsyncClient) -> None:
    items = (await http.get("/api/cooperatives/lok-baintan/products", params={"per_page": 5})).json()["items"]
    detail = (await http.get(f"/api/products/{items[0]['id']}")).json()
    page = await http.get(f"/k/lok-baintan/produk/{items[0]['id']}")
    assert page.status_code == 200
    producer = f"Rp{detail['producer_price']:,}".replace(",", ".")
    assert f"{producer} untuk produsen" in page.text
    assert detail["price"] == detail["producer_price"] + detail["margin"]


async def test_product_of_another_cooperative_is_not_found_in_this_shop(http: httpx.AsyncClient) -> None:
    other = (await http.get("/api/cooperatives/tabanio/products", params={"per_page": 1})).json()["items"][0]
    response = await http.get(f"/k/lok-baintan/produk/{other['id']}")
    assert response.status_code == 404
    assert "tidak ditemukan" in response.text


async def test_search_echo_is_escaped(http: httpx.AsyncClient) -> None:
    response = await http.get("/k/lok-baintan", params={"q": "<script>alert(1)</script>"})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;" in response.text


async def test_unknown_cooperative_and_bad_page_are_4xx(http: httpx.AsyncClient) -> None:
    assert (await http.get("/k/tidak-ada")).status_code == 404
    missing = await http.get("/tidak-ada-halaman-ini")
    assert missing.status_code == 404 and "<html" in missing.text
    bad = await http.get("/k/lok-baintan?halaman=abc")
    assert bad.status_code in (400, 422)
    assert "<html" in bad.text


async def test_pages_reference_no_other_host(http: httpx.AsyncClient) -> None:
    for path in ("/", "/k/lok-baintan", "/masuk"):
        text = (await http.get(path)).text
        for src in re.findall(r'(?:src|href)="([^"]+)"', text):
            assert not src.startswith(("http://", "https://", "//")) or src.startswith("https://wa.me/"), src


async def test_first_page_load_is_under_60_kb_compressed(stack: Stack) -> None:
    async with stack.client(headers={"Accept-Encoding": "gzip"}) as client:
        page = await client.get("/k/lok-baintan")
        sizes = {"page": page.num_bytes_downloaded}
        for asset in re.findall(r'(?:src|href)="(/static/[^"?]+)', page.text):
            response = await client.get(asset)
            assert response.status_code == 200
            sizes[asset] = response.num_bytes_downloaded
    assert sum(sizes.values()) < 60_000, sizes


async def test_product_page_says_low_stock_by_the_products_own_threshold(stack: Stack, http: httpx.AsyncClient) -> None:
    """The product page used a fixed `<= 5` while the shop and the staff use each product's threshold."""
    watched = await data.make_product(stack.db, stock=8)
    relaxed = await data.make_product(stack.db, stock=4)
    async with stack.db.session(write=True) as session:
        session.add_all(
            StockThreshold(cooperative_id=p.cooperative_id, product_id=p.id, threshold=limit)
            for p, limit in ((watched, 10), (relaxed, 2))
        )
        await session.commit()
    page = await http.get(f"/k/lok-baintan/produk/{watched.id}")
    assert 'class="stock low">Sisa 8<' in page.text
    page = await http.get(f"/k/lok-baintan/produk/{relaxed.id}")
    assert 'class="stock ok">Tersedia<' in page.text and "Sisa 4" not in page.text


async def test_a_nul_byte_in_the_product_list_query_is_no_server_error(http: httpx.AsyncClient) -> None:
    """PostgreSQL refuses NUL in text; the property test found `q` and `category` reaching it as typed."""
    for params in ({"q": "\x00"}, {"category": "\x00"}, {"q": "gula\x00 pasir"}):
        response = await http.get("/api/cooperatives/lok-baintan/products", params=params)
        assert response.status_code == 200, (params, response.text[:200])
