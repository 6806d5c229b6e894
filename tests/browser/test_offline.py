"""No signal on the phone: a page says so in Indonesian instead of the browser's error; a failed tap says why."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from tests.browser.conftest import open_page
from tests.conftest import Stack


async def test_without_a_connection_pages_and_taps_say_so(stack: Stack, browser: Browser) -> None:
    context = await browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="id-ID"
    )
    try:
        page = await context.new_page()
        await open_page(page, f"{stack.url}/k/lok-baintan")
        # The worker installs in the background on the first visit and keeps the offline page.
        await page.wait_for_function("() => navigator.serviceWorker.ready.then(() => true)")
        await page.wait_for_function(
            "() => caches.keys()"
            ".then(keys => Promise.all(keys.map(k => caches.open(k).then(c => c.match('/offline')))))"
            ".then(found => found.some(Boolean))"
        )
        product = page.locator("a[href^='/k/lok-baintan/produk/']").first
        await context.set_offline(True)

        # A tap on a product (a boosted request) shows the offline page, not a dead screen.
        await product.click()
        await expect(page.get_by_role("heading", name="Tidak ada sambungan internet")).to_be_visible()
        # Typing an address (a full navigation) too, styled and on a phone-wide screen.
        await page.goto(f"{stack.url}/k/lok-baintan/keranjang")
        heading = page.get_by_role("heading", name="Tidak ada sambungan internet")
        await expect(heading).to_be_visible()
        box = await page.locator("#offline").bounding_box()
        assert box is not None and box["width"] <= 360
        assert await page.evaluate("() => getComputedStyle(document.querySelector('.topbar')).display") != "inline"

        # Back online, "Coba lagi" opens the page that was asked for.
        await context.set_offline(False)
        await page.get_by_role("link", name="Coba lagi").click()
        await expect(page.get_by_role("heading", name="Keranjang", exact=False).first).to_be_visible()
        assert page.url.endswith("/k/lok-baintan/keranjang")

        # A partial request (the shop's search) that cannot reach the server says why.
        await open_page(page, f"{stack.url}/k/lok-baintan")
        await context.set_offline(True)
        await page.get_by_role("searchbox").first.fill("beras")
        await page.get_by_role("searchbox").first.press("Enter")
        await expect(page.get_by_role("alert").filter(has_text="Tidak ada sambungan internet")).to_be_visible()
        await context.set_offline(False)
    finally:
        await context.close()


async def test_the_worker_and_offline_page_are_served_fresh(stack: Stack) -> None:
    async with stack.client() as client:
        worker = await client.get("/sw.js")
        assert worker.status_code == 200
        assert worker.headers["content-type"].startswith("text/javascript")
        assert worker.headers["cache-control"] == "no-cache"
        page = await client.get("/offline")
        assert page.status_code == 200 and "Tidak ada sambungan internet" in page.text
        assert "set-cookie" not in page.headers  # fetched in the background: no session is made
        # The worker keeps exactly the stylesheet the pages link to, so the offline page is styled.
        css = page.text.split('href="/static/css/app.css?v=')[1].split('"')[0]
        assert f"/static/css/app.css?v={css}" in worker.text
