"""The daily flows on a 360 px phone: faults people hit, each checked where they hit it."""

from __future__ import annotations

import re

from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import open_page
from tests.conftest import DEMO_PASSWORD, Stack
from tests.support import data
from tests.support.staff import order_state, place


async def _sign_in_staff(page: Page, url: str) -> None:
    await page.goto(url + "/masuk")
    await page.get_by_label("Nomor HP").fill("0812-0000-0101")
    await page.get_by_label("Kata sandi").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="Masuk").click()
    await expect(page.get_by_role("navigation", name="Menu staf")).to_be_visible()


async def test_cancel_and_refund_ask_first_and_dismissing_changes_nothing(
    stack: Stack, phone: Page, browser: Browser
) -> None:
    product = await data.make_product(stack.db, stock=9, price=9_000, name="Kerupuk uji batal")
    async with stack.client() as http:
        mine = await place(http, [(product.id, 1)], delivery=False)
        theirs = await place(http, [(product.id, 1)], delivery=False)
        refunded = await place(http, [(product.id, 1)], delivery=False)
    # The buyer: tapping "Batalkan pesanan" asks; "Tidak" closes the question and cancels nothing.
    await open_page(phone, f"{stack.url}/pesanan/{mine['number']}?token={mine['token']}")
    await phone.get_by_text("Batalkan pesanan", exact=True).click()
    yes = phone.get_by_role("button", name="Ya, batalkan")
    await expect(yes).to_be_visible()
    await phone.get_by_role("link", name="Tidak").click()
    await expect(yes).to_be_hidden()
    assert (await order_state(stack.db, mine["number"]))[0] == "placed"
    await phone.get_by_text("Batalkan pesanan", exact=True).click()
    await yes.click()
    await expect(phone.locator("#order_status .status")).to_have_text("Dibatalkan")

    # Without JavaScript the same question is asked, and "Tidak" leaves the order alone.
    plain = await browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False, locale="id-ID")
    page = await plain.new_page()
    await page.goto(f"{stack.url}/pesanan/{theirs['number']}?token={theirs['token']}")
    await page.get_by_text("Batalkan pesanan", exact=True).click()
    await expect(page.get_by_role("button", name="Ya, batalkan")).to_be_visible()
    await page.get_by_role("link", name="Tidak").click()
    await expect(page.get_by_role("button", name="Ya, batalkan")).to_be_hidden()
    await plain.close()
    assert (await order_state(stack.db, theirs["number"]))[0] == "placed"

    # Staff: the cancel step and "Catat uang dikembalikan" ask the same way.
    staff = await data.staff(stack.url)
    await staff.post(f"/api/orders/{refunded['number']}/payment", json={"status": "paid"})
    await staff.post(f"/api/orders/{refunded['number']}/transitions", json={"to": "cancelled"})
    await staff.aclose()
    await _sign_in_staff(phone, stack.url)
    await open_page(phone, f"{stack.url}/pesanan/{theirs['number']}")
    await phone.get_by_text("Batalkan", exact=True).click()
    await expect(yes).to_be_visible()
    await phone.get_by_role("link", name="Tidak").click()
    await expect(yes).to_be_hidden()
    assert (await order_state(stack.db, theirs["number"]))[0] == "placed"
    await open_page(phone, f"{stack.url}/pesanan/{refunded['number']}")
    await phone.get_by_text("Catat uang dikembalikan", exact=True).click()
    await expect(phone.get_by_role("button", name="Ya, uang sudah dikembalikan")).to_be_visible()
    await phone.get_by_role("link", name="Tidak").click()
    assert await order_state(stack.db, refunded["number"]) == ("cancelled", "paid")
    await phone.get_by_text("Catat uang dikembalikan", exact=True).click()
    await phone.get_by_role("button", name="Ya, uang sudah dikembalikan").click()
    await expect(phone.locator("#order_status .pay")).to_have_text("Dikembalikan")


async def test_pages_open_at_their_top_and_errors_are_in_view(stack: Stack, phone: Page) -> None:
    product = await data.make_product(stack.db, stock=9, price=7_500, name="Amplang uji gulir")
    # A product opened from far down the shop shows its name, not the old scroll position.
    await open_page(phone, f"{stack.url}/k/lok-baintan")
    link = phone.locator("a[href*='/k/lok-baintan/produk/']").last
    await link.scroll_into_view_if_needed()
    assert await phone.evaluate("window.scrollY") > 300
    await link.click()
    await expect(phone).to_have_url(re.compile(r"/produk/\d+$"))
    await expect(phone.locator("h1")).to_be_in_viewport()

    await open_page(phone, f"{stack.url}/k/lok-baintan/produk/{product.id}")
    await phone.get_by_role("button", name="Tambah ke keranjang").click()
    await expect(phone.locator("#cart-badge .badge")).to_have_text("1")
    await open_page(phone, f"{stack.url}/k/lok-baintan/checkout")
    await phone.get_by_label("Nama").fill("Ibu Rahmah")
    # A missing phone number: the refusal is on screen, not above it.
    await phone.get_by_role("button", name="Pesan sekarang").click()
    await expect(phone.locator(".field-error").first).to_be_in_viewport()
    await expect(phone.get_by_label("Nomor HP / WhatsApp")).to_have_attribute("aria-describedby", "err-phone")
    await phone.get_by_label("Nomor HP / WhatsApp").fill("0812 3456 7890")
    await phone.get_by_role("button", name="Pesan sekarang").click()
    await expect(phone.get_by_role("heading", name="Pesanan diterima")).to_be_in_viewport()
    await expect(phone.locator(".order-number").first).to_be_in_viewport()


async def test_the_order_page_does_not_poll_from_a_hidden_tab(stack: Stack, phone: Page) -> None:
    product = await data.make_product(stack.db, stock=5, price=6_000)
    async with stack.client() as http:
        order = await place(http, [(product.id, 1)], delivery=False)
    await open_page(phone, f"{stack.url}/pesanan/{order['number']}?token={order['token']}")
    # Ask the page's own handler what it would do with the next 15-second poll, visible and hidden.
    poll = """(hidden) => {
        Object.defineProperty(document, "hidden", {configurable: true, get: () => hidden});
        const block = document.getElementById("order_status");
        return htmx.trigger(block, "htmx:beforeRequest", {elt: block});
    }"""
    assert await phone.evaluate(poll, False) is True
    assert await phone.evaluate(poll, True) is False


async def test_adding_after_a_search_keeps_its_confirmation(stack: Stack, phone: Page) -> None:
    searches: list[str] = []
    phone.on(
        "request",
        lambda r: searches.append(r.url) if "/k/lok-baintan?" in r.url and r.headers.get("hx-request") else None,
    )
    await open_page(phone, stack.url + "/k/lok-baintan")
    await phone.get_by_role("searchbox").fill("hintalu")
    await expect(phone).to_have_url(re.compile(r"q=hintalu"))
    card = phone.locator("#results li.product").first
    await card.locator(".btn-add").click()
    await expect(card.locator(".added")).to_be_visible()
    await expect(phone.locator("#cart-badge .badge")).to_have_text("1")
    # Leaving the search box is not a new search: the confirmation stays and the results came once.
    await phone.wait_for_load_state("networkidle")
    await expect(card.locator(".added")).to_be_visible()
    assert len(searches) == 1, searches


async def test_signing_in_from_the_shop_returns_to_the_shop(stack: Stack, phone: Page) -> None:
    await open_page(phone, stack.url + "/k/lok-baintan?q=beras")
    await phone.locator(".topnav").get_by_role("link", name="Masuk").click()
    await phone.get_by_label("Nomor HP").fill("0812-0000-9001")
    await phone.get_by_label("Kata sandi").fill(DEMO_PASSWORD)
    await phone.get_by_role("button", name="Masuk").click()
    await expect(phone).to_have_url(re.compile(r"/k/lok-baintan\?q=beras$"))


SMALL_TARGETS = """() => [...document.querySelectorAll(
    ".topnav a, .topnav button, .chip, input[type=checkbox], input[type=radio], .brand"
)].filter((el) => {
    const box = (el.closest("label") || el).getBoundingClientRect();
    return box.width > 0 && box.height < 40;
}).map((el) => el.outerHTML.slice(0, 80))"""


async def test_header_links_chips_and_ticks_are_big_enough_to_tap(stack: Stack, phone: Page) -> None:
    await open_page(phone, stack.url + "/k/lok-baintan")
    await phone.locator("summary", has_text="Saring").click()
    assert await phone.evaluate(SMALL_TARGETS) == []


async def test_the_bulk_bar_appears_only_once_an_order_is_picked(stack: Stack, phone: Page) -> None:
    product = await data.make_product(stack.db, stock=5, price=6_000)
    async with stack.client() as http:
        order = await place(http, [(product.id, 1)], delivery=False)
    await _sign_in_staff(phone, stack.url)
    await open_page(phone, f"{stack.url}/staf/lok-baintan/pesanan?q={order['number']}")
    bar = phone.locator("#bulk")
    await expect(bar).to_be_hidden()
    await phone.get_by_role("checkbox", name=order["number"]).check()
    await expect(bar).to_be_visible()


async def _in_view(page: Page, selector: str) -> bool:
    box = await page.locator(selector).bounding_box()
    assert box is not None
    size = page.viewport_size or {"width": 360, "height": 740}
    return bool(
        box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= size["width"]
        and box["y"] + box["height"] <= size["height"]
    )


async def test_a_stepped_order_is_brought_into_view_with_its_message(stack: Stack, phone: Page) -> None:
    product = await data.make_product(stack.db, stock=5, price=7_000)
    async with stack.client() as http:
        order = await place(http, [(product.id, 1)])
    number = order["number"]
    await _sign_in_staff(phone, stack.url)
    await open_page(phone, f"{stack.url}/staf/lok-baintan/pesanan?q={number}")
    await phone.locator(f"#o-{number}").get_by_role("button", name="Konfirmasi").click()
    await expect(phone.locator("#col-confirmed #o-" + number)).to_be_visible()
    # The card moved to the next column, which starts off-screen on a phone: it is brought into view.
    await expect(phone.locator(f"#o-{number}")).to_have_class(re.compile("just-moved"))
    assert await _in_view(phone, f"#o-{number}")
    assert await _in_view(phone, "#board > .flash")
    await expect(phone.locator("#board > .flash")).to_contain_text(f"Pesanan {number}: Dikonfirmasi.")


async def test_the_address_block_is_only_there_for_delivery(stack: Stack, phone: Page, browser: Browser) -> None:
    product = await data.make_product(stack.db, stock=9, price=6_500)
    await data.ensure_zone(stack.db, "lok-baintan", "Dusun Sungai")
    await open_page(phone, f"{stack.url}/k/lok-baintan/produk/{product.id}")
    await phone.get_by_role("button", name="Tambah ke keranjang").click()
    await expect(phone.locator("#cart-badge .badge")).to_have_text("1")
    await open_page(phone, f"{stack.url}/k/lok-baintan/checkout")
    address = phone.get_by_role("group", name="Alamat antar")
    await expect(phone.get_by_role("radio", name=re.compile("Ambil di koperasi"))).to_be_checked()
    await expect(address).to_be_hidden()
    await phone.get_by_role("radio", name=re.compile("Diantar")).check()
    await expect(address).to_be_visible()
    await expect(phone.get_by_label("Dusun / lingkungan")).to_have_attribute("required", "")
    await phone.get_by_role("radio", name=re.compile("Ambil di koperasi")).check()
    await expect(address).to_be_hidden()

    # Without JavaScript the block stays, saying it is only for delivery.
    plain = await browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False, locale="id-ID")
    try:
        page = await plain.new_page()
        await page.goto(f"{stack.url}/k/lok-baintan/produk/{product.id}")
        await page.get_by_role("button", name="Tambah ke keranjang").click()
        await page.goto(f"{stack.url}/k/lok-baintan/checkout")
        block = page.get_by_role("group", name="Alamat antar")
        await expect(block).to_be_visible()
        await expect(block).to_contain_text("Hanya untuk diantar")
    finally:
        await plain.close()
