"""Every page people open on a phone fits its 360 px width: no sideways scrolling of the whole page."""

from __future__ import annotations

from playwright.async_api import Browser

from tests.conftest import DEMO_PASSWORD, Stack

PAGES = {
    None: [
        "/",
        "/k/lok-baintan",
        "/k/lok-baintan/produk/1",
        "/k/lok-baintan/keranjang",
        "/masuk",
        "/daftar",
        "/lupa-sandi",
        "/provinsi",
    ],
    "081200009001": ["/k/lok-baintan/laporan", "/akun", "/akun/profil", "/akun/pesanan", "/akun/sandi"],
    "081200001001": ["/produsen", "/produsen/tagihan"],
    "081200000101": [
        "/staf/lok-baintan",
        "/staf/lok-baintan/pesanan",
        "/staf/lok-baintan/tinjauan",
        "/staf/lok-baintan/bayar-produsen",
        "/staf/lok-baintan/pengaturan",
        "/staf/lok-baintan/produk",
        "/staf/anggota",
        "/staf/lok-baintan/stok",
        "/staf/lok-baintan/pinjaman",
        "/staf/lok-baintan/pendapatan",
    ],
}
# Pages whose buttons must all be on screen, none inside a table that scrolls sideways (an instalment's
# "Bayar" button sat off-screen at the end of a wide schedule table).
BUTTONS_ON_SCREEN = {"/staf/lok-baintan/pinjaman"}
OFF_SCREEN_BUTTONS = """[...document.querySelectorAll('main button')]
    .filter(b => b.getClientRects().length && b.getBoundingClientRect().right > innerWidth + 1)
    .map(b => b.textContent.trim())"""


async def test_pages_fit_a_phone_screen(stack: Stack, browser: Browser) -> None:
    too_wide: dict[str, int] = {}
    for phone, paths in PAGES.items():
        context = await browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID")
        page = await context.new_page()
        if phone:
            await page.goto(stack.url + "/masuk")
            await page.fill("#phone", phone)
            await page.fill("#password", DEMO_PASSWORD)
            async with page.expect_response(lambda r: r.url.endswith("/masuk") and r.request.method == "POST"):
                await page.click("main button[type=submit]")
            await page.wait_for_load_state("networkidle")
        for path in paths:
            response = await page.goto(stack.url + path)
            assert response is not None and response.status == 200, (path, response and response.status)
            width = await page.evaluate("document.documentElement.scrollWidth")
            if width > 360:
                too_wide[path] = width
            if path in BUTTONS_ON_SCREEN:
                assert await page.evaluate(OFF_SCREEN_BUTTONS) == [], path
        await context.close()
    assert too_wide == {}
