"""axe-core finds no WCAG 2.0/2.1 A or AA violation on the main pages of each kind of person, on a phone."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.axe import violations
from tests.browser.conftest import open_page
from tests.conftest import DEMO_PASSWORD, Stack
from tests.support import data

STAFF, MEMBER, PRODUCER = "081200000101", "081200009001", "081200001001"


@asynccontextmanager
async def person(browser: Browser, stack: Stack, phone: str | None) -> AsyncIterator[Page]:
    context = await browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="id-ID"
    )
    page = await context.new_page()
    if phone:
        await open_page(page, stack.url + "/masuk")
        await page.get_by_label("Nomor HP").fill(phone)
        await page.get_by_label("Kata sandi").fill(DEMO_PASSWORD)
        await page.locator("main").get_by_role("button", name="Masuk").click()
        await expect(page).not_to_have_url(re.compile("/masuk"))
    try:
        yield page
    finally:
        await context.close()


async def audit(page: Page, found: dict[str, list[str]], path: str | None = None) -> None:
    """Check the page as it is now (after a tap) or after opening path."""
    if path is not None:
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
        response = await page.goto(origin + path)
        assert response is not None and response.status == 200, (path, response and response.status)
    if lines := await violations(page):
        found[path or urlsplit(page.url).path] = lines


def report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{path}:\n  " + "\n  ".join(lines) for path, lines in found.items())


async def test_resident_pages(stack: Stack, browser: Browser) -> None:
    product = await data.make_product(stack.db, stock=5, price=17_500, name="Gula aren uji aksesibilitas")
    found: dict[str, list[str]] = {}
    async with person(browser, stack, None) as page:
        await open_page(page, stack.url + "/k/lok-baintan")
        for path in ("/k/lok-baintan", "/masuk", "/daftar", f"/k/lok-baintan/produk/{product.id}"):
            await audit(page, found, path)
        await page.wait_for_function("() => window.htmx !== undefined")
        await page.locator("main").get_by_role("button", name=re.compile("keranjang")).first.click()
        await expect(page.locator("#cart-badge .badge")).to_have_text("1")
        await audit(page, found, "/k/lok-baintan/keranjang")
        await audit(page, found, "/k/lok-baintan/checkout")
        await page.wait_for_function("() => window.htmx !== undefined")
        await page.get_by_label("Nama").fill("Ibu Rahmah")
        await page.get_by_label("Nomor HP / WhatsApp").fill("0812 3456 7890")
        await page.get_by_role("button", name=re.compile("Pesan sekarang")).click()
        await expect(page.get_by_role("heading", name="Pesanan diterima")).to_be_visible()
        await audit(page, found)  # the order page the checkout lands on
    async with person(browser, stack, MEMBER) as page:
        for path in ("/akun", "/akun/pesanan"):
            await audit(page, found, path)
    assert not found, report(found)


SIGNED_IN_PAGES = {
    "member": (MEMBER, ("/akun/simpanan", "/k/lok-baintan/keuangan", "/k/lok-baintan/laporan")),
    "staff": (
        STAFF,
        (
            "/staf/lok-baintan",
            "/staf/lok-baintan/pesanan",
            "/staf/lok-baintan/tinjauan",
            "/staf/lok-baintan/bayar-produsen",
            "/staf/lok-baintan/setoran",
            "/staf/lok-baintan/simpanan",
            "/staf/lok-baintan/keuangan",
            "/staf/lok-baintan/shu",
            "/staf/lok-baintan/pinjaman",
            "/staf/lok-baintan/pendapatan",
        ),
    ),
    "producer": (PRODUCER, ("/produsen", "/produsen/produk/baru", "/produsen/tagihan")),
}


@pytest.mark.parametrize("who", SIGNED_IN_PAGES)
async def test_signed_in_pages(stack: Stack, browser: Browser, who: str) -> None:
    phone, paths = SIGNED_IN_PAGES[who]
    found: dict[str, list[str]] = {}
    async with person(browser, stack, phone) as page:
        for path in paths:
            await audit(page, found, path)
    assert not found, report(found)


async def test_province_page(stack: Stack, browser: Browser) -> None:
    found: dict[str, list[str]] = {}
    async with person(browser, stack, None) as page:
        await open_page(page, stack.url + "/")
        await audit(page, found, "/provinsi")
    assert not found, report(found)
