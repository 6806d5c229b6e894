"""Small things a phone notices: the icon, the demo notice in Indonesian, an order page that polls lightly."""

from __future__ import annotations

import re
from urllib.parse import unquote

import httpx

from tests.conftest import Stack
from tests.support import data

HX = {"HX-Request": "true"}


async def test_favicon_and_indonesian_demo_notice(http: httpx.AsyncClient) -> None:
    icon = await http.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/")
    assert icon.content[:4] == b"\x00\x00\x01\x00", "an ICO file"
    page = await http.get("/")
    notice = page.text[page.text.index('class="demo-notice"') :]
    notice = notice[: notice.index("</p>")]
    assert "dikarang" in notice and "invented" not in notice


async def test_the_order_page_poll_gets_nothing_while_the_order_is_unchanged(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    product = await data.make_product(stack.db, stock=5, price=6_000)
    placed = await http.post(
        "/api/cooperatives/lok-baintan/orders", json=data.order_body(product.id, 1, payment_method="qris")
    )
    number, token = placed.json()["number"], placed.json()["token"]
    page = await http.get(f"/pesanan/{number}", params={"token": token})
    assert "versi=placed.unpaid" in page.text, "the poll says which state the page shows"
    same = await http.get(f"/pesanan/{number}", params={"token": token, "versi": "placed.unpaid"}, headers=HX)
    assert same.status_code == 204 and same.content == b"", "no QR downloaded again for nothing"
    staff = await data.staff(stack.url)
    await staff.post(f"/api/orders/{number}/payment", json={"status": "paid", "reference": "QRIS-1"})
    await staff.aclose()
    changed = await http.get(f"/pesanan/{number}", params={"token": token, "versi": "placed.unpaid"}, headers=HX)
    assert changed.status_code == 200 and "Lunas" in changed.text


async def test_product_and_shop_pages_can_be_shared_and_the_app_installed(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    product = await data.make_product(stack.db, stock=5, price=12_500, name="Dodol uji bagikan")
    page = (await http.get(f"/k/lok-baintan/produk/{product.id}")).text
    assert '<meta property="og:title" content="Dodol uji bagikan — Rp12.500">' in page
    assert f'<meta property="og:url" content="{stack.url}/k/lok-baintan/produk/{product.id}">' in page
    assert "KDMP Lok Baintan" in page[page.index('property="og:description"') :][:300]
    share = re.search(r'href="(https://wa\.me/\?text=[^"]+)"[^>]*>Bagikan ke WhatsApp', page)
    assert share and f"/k/lok-baintan/produk/{product.id}" in unquote(share.group(1))
    shop = (await http.get("/k/lok-baintan")).text
    assert 'property="og:title"' in shop and "Bagikan ke WhatsApp" in shop
    assert '<link rel="manifest" href="/manifest.webmanifest">' in shop
    app = await http.get("/manifest.webmanifest")
    assert app.status_code == 200 and app.headers["content-type"].startswith("application/manifest+json")
    icons = app.json()["icons"]
    assert {"192x192", "512x512"} <= {i["sizes"] for i in icons} and app.json()["theme_color"]
    for icon in icons:
        assert (await http.get(icon["src"])).status_code == 200
