"""The shop, a product page and search results in English (cookie or browser language), and still Indonesian without."""

from __future__ import annotations

from urllib.parse import unquote

import httpx

from tests.conftest import Stack
from tests.support.i18n_check import english_left, indonesian_left

SHOP = "/k/lok-baintan"


async def _plain_product(client: httpx.AsyncClient) -> int:
    """A producer's product in stock with no price ceiling or member rule (their notes belong to other areas)."""
    body = (await client.get(f"/api/cooperatives/{SHOP.rsplit('/', 1)[1]}/products", params={"per_page": 100})).json()
    for item in body["items"]:
        if item["stock"] > 0 and item["producer"]:
            page = (await client.get(f"{SHOP}/produk/{item['id']}")).text
            if "harga eceran tertinggi" not in page and "Harga acuan" not in page and 'id="members-only"' not in page:
                return int(item["id"])
    raise AssertionError("no plain product in the demo shop")


def _share_text(html: str) -> str:
    start = html.index("https://wa.me/?text=") + len("https://wa.me/?text=")
    return unquote(html[start : html.index('"', start)])


async def test_shop_product_and_search_follow_the_language(stack: Stack) -> None:
    # Indonesian first: the anonymous page cache must not hand these pages to an English visitor.
    async with stack.client() as client:
        product = await _plain_product(client)
        pages = {SHOP: "Load more", f"{SHOP}/produk/{product}": "Add to cart", f"{SHOP}?q=gula": "items for “gula”"}
        for path in pages:
            html = (await client.get(path)).text
            assert english_left(html) == [], path
        page = (await client.get(f"{SHOP}/produk/{product}")).text
        assert "Pesan lewat Pasar Desa" in page and " di " in _share_text(page)
        assert '<meta property="og:locale" content="id_ID">' in page
    for how in ({"cookies": {"pd_lang": "en"}}, {"headers": {"Accept-Language": "en-US,en;q=0.9"}}):
        async with stack.client(**how) as client:
            for path, phrase in pages.items():
                response = await client.get(path)
                assert response.status_code == 200
                assert response.headers["content-language"] == "en"
                assert indonesian_left(response.text) == [], (how, path)
                assert phrase in response.text, (how, path)
            page = (await client.get(f"{SHOP}/produk/{product}")).text
            # What a shared link shows in WhatsApp: Open Graph text and the message follow the page language.
            assert "Order on Pasar Desa, for pickup at the cooperative or delivery." in page
            assert '<meta property="og:locale" content="en_US">' in page
            assert " at " in _share_text(page) and " di " not in _share_text(page)
            shop = (await client.get(SHOP)).text
            assert _share_text(shop).startswith("Shop at ") and 'content="Buy daily needs' in shop
