"""Two languages on a phone: the switch in the footer turns the resident's, the staff's and the producer's
pages into English (no Indonesian interface text left) and back; and the shop's first paint on slow 3G."""

from __future__ import annotations

import re

from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import open_page
from tests.conftest import DEMO_PASSWORD, Stack
from tests.support import data
from tests.support.i18n_check import english_left, indonesian_left

RESIDENT_PASSWORD = "sandi-warga-uji"  # tests.support.data.signup's


async def assert_english(page: Page, what: str) -> None:
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    left = indonesian_left(await page.content())
    assert not left, f"{what} ({page.url}) still shows Indonesian: {left}"


async def assert_indonesian(page: Page, what: str) -> None:
    await expect(page.locator("html")).to_have_attribute("lang", "id")
    left = english_left(await page.content())
    assert not left, f"{what} ({page.url}) shows English: {left}"


async def switch_to(page: Page, code: str) -> None:
    await page.locator(f".lang-switch button[value={code}]").click()
    await expect(page.locator("html")).to_have_attribute("lang", code)


async def sign_in(page: Page, stack: Stack, phone_number: str, password: str = DEMO_PASSWORD) -> None:
    await open_page(page, stack.url + "/masuk")
    await page.locator("input[name=phone]").fill(phone_number)
    await page.locator("input[type=password]").fill(password)
    await page.locator("main form button[type=submit], main form button:not([type])").first.click()
    await expect(page).not_to_have_url(re.compile(r"/masuk"))


async def test_a_resident_switches_to_english_and_back(stack: Stack, phone: Page) -> None:
    product = await data.make_product(stack.db, stock=20, price=15_000, name="Gula aren uji bahasa")
    await open_page(phone, stack.url + "/k/lok-baintan")
    await assert_indonesian(phone, "shop")

    await switch_to(phone, "en")
    await assert_english(phone, "shop")
    await open_page(phone, stack.url + f"/k/lok-baintan/produk/{product.id}")
    await assert_english(phone, "product page")
    await phone.locator("form.add-form button[type=submit]").click()
    await phone.wait_for_load_state("networkidle")
    await open_page(phone, stack.url + "/k/lok-baintan/keranjang")
    await assert_english(phone, "cart")
    await phone.locator("a[href$='/checkout'], a[href*='/pesan']").first.click()
    await phone.wait_for_load_state("networkidle")
    await assert_english(phone, "checkout")
    await phone.locator("input[name=customer_name], input[name=name]").first.fill("Ibu Rahmah")
    await phone.locator("input[name=customer_phone], input[name=phone]").first.fill("0812 3456 7890")
    await phone.locator("input[value=pickup]").check()
    await phone.locator("main form button[type=submit]").last.click()
    await expect(phone).to_have_url(re.compile(r"/pesanan/"))
    await assert_english(phone, "order page")

    await switch_to(phone, "id")
    await assert_indonesian(phone, "order page")
    await open_page(phone, stack.url + "/k/lok-baintan")
    await assert_indonesian(phone, "shop")


async def test_the_account_keeps_the_language_on_another_phone(stack: Stack, browser: Browser, phone: Page) -> None:
    async with stack.client() as http:
        resident = await data.signup(http)  # an account of its own: other tests change the demo resident's
    await sign_in(phone, stack, resident, RESIDENT_PASSWORD)
    await open_page(phone, stack.url + "/akun")
    await switch_to(phone, "en")
    await assert_english(phone, "account")

    # Another phone, whose browser asks for Indonesian: signing in brings the account's English back.
    context = await browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, locale="id-ID")
    other = await context.new_page()
    await open_page(other, stack.url + "/k/lok-baintan")
    await assert_indonesian(other, "shop before signing in")
    await sign_in(other, stack, resident, RESIDENT_PASSWORD)
    await open_page(other, stack.url + "/akun")
    await assert_english(other, "account on the other phone")
    await context.close()


async def test_staff_and_producer_pages_in_english(stack: Stack, browser: Browser) -> None:
    context = await browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, locale="en-US")
    page = await context.new_page()
    # First visit: the browser's Accept-Language chooses English.
    await open_page(page, stack.url + "/k/lok-baintan")
    await assert_english(page, "shop on first visit")
    await sign_in(page, stack, "0812-0000-0101")
    await open_page(page, stack.url + "/staf/lok-baintan/pesanan")
    await assert_english(page, "staff board")
    await open_page(page, stack.url + "/staf/lok-baintan")
    await assert_english(page, "staff dashboard")
    await context.close()

    context = await browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, locale="en-US")
    page = await context.new_page()
    await sign_in(page, stack, "081200001001")
    for path in ("/produsen", "/produsen/produk/baru", "/produsen/tagihan"):
        await open_page(page, stack.url + path)
        await assert_english(page, f"producer page {path}")
    await context.close()


async def test_the_shop_paints_within_a_second_and_a_half_on_slow_3g(stack: Stack, browser: Browser) -> None:
    """400 kbps both ways and 400 ms round trips (Chromium's own network emulation), a cold cache."""
    async with stack.client() as http:
        assert (await http.get("/k/lok-baintan")).status_code == 200  # the server has the page ready, as by day
    paints = []
    for _attempt in range(3):
        context = await browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, locale="id-ID")
        page = await context.new_page()
        cdp = await context.new_cdp_session(page)
        await cdp.send("Network.enable")
        await cdp.send(
            "Network.emulateNetworkConditions",
            {"offline": False, "latency": 400, "downloadThroughput": 50_000, "uploadThroughput": 50_000},
        )
        await page.goto(stack.url + "/k/lok-baintan", wait_until="load")
        paint = await page.evaluate(
            "() => (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || null"
        )
        await context.close()
        assert paint, "the browser reported no first contentful paint"
        paints.append(round(paint))
    print(f"\nshop first contentful paint on slow 3G: {paints} ms")
    # The best of three: the network model is fixed, the shared machine's CPU is not.
    assert min(paints) <= 1500, paints
