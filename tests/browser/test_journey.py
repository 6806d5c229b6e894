"""A resident's journey on a phone: open the shop, add two products, check out, see the order number."""

from __future__ import annotations

import re
from urllib.parse import urlparse

from playwright.async_api import Page, Request, expect

from tests.browser.conftest import ARTIFACTS, open_page
from tests.conftest import Stack
from tests.support import data


async def test_resident_orders_from_a_phone(stack: Stack, phone: Page) -> None:
    outside: list[str] = []

    def watch(request: Request) -> None:
        host = urlparse(request.url).hostname
        if host not in ("127.0.0.1", "localhost"):
            outside.append(request.url)

    phone.on("request", watch)
    first = await data.make_product(stack.db, stock=5, price=17_500, name="Gula aren uji perjalanan")
    second = await data.make_product(stack.db, stock=5, price=25_000, name="Madu kelulut uji perjalanan")
    # The page searches once per keystroke pause; make sure the relay has indexed both first.
    async with stack.client() as api:
        for product in (first, second):
            await data.wait_until_findable(api, "lok-baintan", "uji perjalanan", product.id)

    await open_page(phone, stack.url + "/")
    await phone.get_by_role("link", name=re.compile("Lok Baintan")).first.click()
    await expect(phone.locator("h1")).to_contain_text("Lok Baintan")

    search = phone.get_by_role("searchbox")
    await search.fill("uji perjalanan")
    await expect(phone.locator("#results")).to_contain_text("Gula aren uji perjalanan")
    await expect(phone).to_have_url(re.compile(r"q=uji"))
    await phone.get_by_role("button", name="Tambah Gula aren uji perjalanan ke keranjang").click()
    await expect(phone.locator("#cart-badge .badge")).to_have_text("1")
    await phone.get_by_role("button", name="Tambah Madu kelulut uji perjalanan ke keranjang").click()
    await expect(phone.locator("#cart-badge .badge")).to_have_text("2")

    await phone.locator("#cart-badge").click()
    await expect(phone.locator("#cart")).to_contain_text("Rp42.500")
    await phone.get_by_role("link", name="Lanjut ke pemesanan").click()

    await phone.get_by_label("Nama").fill("Ibu Rahmah")
    await phone.get_by_label("Nomor HP / WhatsApp").fill("0812 3456 7890")
    await phone.get_by_label("Diantar ke rumah").check()
    await phone.get_by_label("Dusun / lingkungan").select_option("Dusun II")
    await phone.get_by_label("Patokan (dekat apa?)").fill("dekat dermaga")
    await phone.get_by_role("button", name=re.compile("Pesan sekarang")).click()

    await expect(phone.get_by_role("heading", name="Pesanan diterima")).to_be_visible()
    number = await phone.locator(".order-number").first.inner_text()
    # Delivery to Dusun II costs the fee staff set for it (Rp5.000 in the demo), shown as a line.
    await expect(phone.get_by_text("Ongkos antar (Dusun II)")).to_be_visible()
    await expect(phone.locator(".total")).to_contain_text("Rp47.500")
    assert re.fullmatch(r"LBA-\d{6}-[A-Z0-9]{4}", number)
    wa = await phone.get_by_role("link", name=re.compile("WhatsApp")).first.get_attribute("href")
    assert wa and wa.startswith("https://wa.me/6281200000101?text=")
    ARTIFACTS.mkdir(exist_ok=True)
    await phone.screenshot(path=str(ARTIFACTS / "journey-order.png"), full_page=True)

    assert await data.stock_of(stack.db, first.id) == 4
    assert await data.stock_of(stack.db, second.id) == 4
    assert outside == []
