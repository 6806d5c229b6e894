"""The shop on a 360 px phone with product photos: cards show small lazy pictures (WebP with a JPEG
fallback) and the first load stays inside its budget; members-only products explain how to join."""

from __future__ import annotations

import re

import httpx
from playwright.async_api import Browser, Page, Request, expect

from tests.browser.conftest import open_page
from tests.conftest import Stack
from tests.support import data
from tests.support.photos import active_product_ids, give_photos

# The first load of the shop, cold cache, with the pictures the browser fetches on its own: ≤ 60 KiB.
BUDGET = 60 * 1024


async def first_load(browser: Browser, url: str) -> tuple[int, list[tuple[str, int]], set[str]]:
    """Bytes transferred (headers and encoded bodies) for a first visit with a cold cache, until the
    network is idle: the page, its CSS and scripts, and every picture the browser chose to load."""
    context = await browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="id-ID"
    )
    page = await context.new_page()
    started: list[Request] = []
    finished: list[Request] = []
    failed: list[Request] = []
    page.on("request", lambda request: started.append(request))
    page.on("requestfinished", lambda request: finished.append(request))
    page.on("requestfailed", lambda request: failed.append(request))
    await page.goto(url, wait_until="load")
    await page.wait_for_load_state("networkidle")
    # Pictures near the screen start after layout and may still be arriving: wait for each one started.
    for _ in range(200):
        if len(finished) + len(failed) >= len(started):
            break
        await page.wait_for_timeout(50)
    assert not failed, [request.url for request in failed]
    on_screen = set(
        await page.evaluate(
            "() => [...document.images].filter((i) => i.getBoundingClientRect().top < innerHeight)"
            ".map((i) => i.currentSrc)"
        )
    )
    responses = []
    for request in finished:
        sizes = await request.sizes()
        responses.append((request.url, sizes["responseHeadersSize"] + sizes["responseBodySize"]))
    await context.close()
    return sum(size for _, size in responses), responses, on_screen


async def test_shop_cards_show_light_lazy_photos_within_the_first_load_budget(
    stack: Stack, browser: Browser, phone: Page
) -> None:
    # Every product gets a photo: the order of an empty search follows the index, which a change reorders.
    await give_photos(stack, await active_product_ids(stack))

    total, responses, on_screen = await first_load(browser, stack.url + "/k/lok-baintan")
    pictures = [(url, size) for url, size in responses if "/media/produk/" in url]
    first_screen = sum(size for url, size in responses if "/media/produk/" not in url or url in on_screen)
    print(
        f"\nshop first load: {total} bytes ({total / 1024:.1f} KiB), {len(pictures)} pictures; "
        f"page with the {len(on_screen)} pictures on the first screen: {first_screen / 1024:.1f} KiB"
    )
    assert on_screen and total <= BUDGET, f"{total} bytes on first load: {responses}"
    # The browser takes the WebP; the JPEG is only for browsers without it.
    assert pictures and all(url.endswith("-xs.webp") for url, _ in pictures)

    await open_page(phone, stack.url + "/k/lok-baintan")
    cards = phone.locator("#results .product")
    first = cards.nth(0).locator("picture img")
    await expect(first).to_be_visible()
    assert await first.get_attribute("loading") is None  # the first row is on the first screen
    assert (await first.get_attribute("width"), await first.get_attribute("height")) == ("144", "108")
    assert await cards.nth(0).locator("picture source").get_attribute("type") == "image/webp"
    assert str(await first.evaluate("img => img.currentSrc")).endswith("-xs.webp")
    assert await first.evaluate("img => img.complete && img.naturalWidth") == 144
    later = cards.nth(5).locator("picture img")
    assert await later.get_attribute("loading") == "lazy"

    # Search results (the htmx partial) use the same cards; a product without a photo keeps its place
    # with a light box and asks for nothing.
    bare = await data.make_product(stack.db, stock=4, name=f"Gula habang tanpa foto {stack.backend}")
    async with stack.client() as guest:
        await data.wait_until_findable(guest, "lok-baintan", bare.name, bare.id)
    await phone.get_by_label("Cari barang").fill("Gula habang tanpa foto")
    card = phone.locator("#results .product", has_text=bare.name)
    await expect(card.locator(".thumb-none")).to_have_count(1)
    await expect(card.locator("img")).to_have_count(0)


async def test_a_guest_on_the_lpg_page_is_told_how_to_become_a_member(stack: Stack, phone: Page) -> None:
    async with httpx.AsyncClient(base_url=stack.url) as api:
        items = (await api.get("/api/cooperatives/lok-baintan/products", params={"q": "LPG"})).json()["items"]
    lpg = next(item for item in items if item["name"].startswith("LPG 3 kg"))
    await open_page(phone, f"{stack.url}/k/lok-baintan/produk/{lpg['id']}")
    notice = phone.locator("#members-only")
    await expect(notice).to_contain_text("hanya dijual kepada anggota")
    await expect(phone.get_by_role("button", name="Tambah ke keranjang")).to_have_count(0)
    await notice.get_by_role("link", name="Ajukan keanggotaan").click()
    await expect(phone).to_have_url(re.compile(r"/k/lok-baintan/anggota$"))
    await expect(phone.locator("main").get_by_role("link", name="Masuk")).to_be_visible()
