"""A producer's own pages in English with the language cookie, and still Indonesian without it."""

from __future__ import annotations

import re

from tests.conftest import DEMO_PASSWORD, Stack
from tests.support import data
from tests.support.i18n_check import english_left, indonesian_left

PRODUCER_A = "081200001001"  # Kelompok Tani Jukung Bahagia, Lok Baintan


async def test_producer_pages_follow_the_language(stack: Stack) -> None:
    async with stack.client() as client:
        assert (await data.login(client, PRODUCER_A, DEMO_PASSWORD)).status_code == 303
        dashboard = (await client.get("/produsen")).text
        listing = re.search(r'href="(/produsen/produk/\d+)"', dashboard)
        assert listing, "the demo producer has products"
        pages = {
            "/produsen": "My products",
            "/produsen/produk/baru": "Save draft",
            listing.group(1): "Upload photo",
            "/produsen/tagihan": "Consignment statement",
        }
        for path in pages:
            response = await client.get(path)
            assert response.status_code == 200, path
            assert english_left(response.text) == [], path
        client.cookies.set("pd_lang", "en")
        for path, phrase in pages.items():
            response = await client.get(path)
            assert response.status_code == 200, path
            assert indonesian_left(response.text) == [], path
            assert phrase in response.text, path
