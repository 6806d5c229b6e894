"""A staff member's day on a phone: confirm → pick list → pack → run sheet → delivered → cash reconciled."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.browser.conftest import ARTIFACTS
from tests.conftest import DEMO_PASSWORD, Stack
from tests.support import data
from tests.support.staff import order_state, place


async def fits_the_screen(page: Page) -> None:
    overflow = await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the phone"


async def test_a_days_fulfilment_from_a_phone(stack: Stack, phone: Page) -> None:
    product = await data.make_product(stack.db, stock=9, price=12_500, name="Kue cincin uji kurir")
    async with stack.client() as http:
        order = await place(http, [(product.id, 2)], dusun="Dusun Telok Selong", rt="003")
    number = order["number"]
    ARTIFACTS.mkdir(exist_ok=True)

    await phone.goto(stack.url + "/masuk")
    await phone.get_by_label("Nomor HP").fill("0812-0000-0101")
    await phone.get_by_label("Kata sandi").fill(DEMO_PASSWORD)
    await phone.get_by_role("button", name="Masuk").click()
    # Staff of one cooperative land on its dashboard (/staf/{slug}); the board is one tap away.
    await expect(phone.get_by_role("heading", name="Ringkasan hari ini")).to_be_visible()
    await phone.get_by_role("navigation", name="Menu staf").get_by_role("link", name="Pesanan").click()
    await expect(phone.get_by_role("heading", name="Papan pesanan")).to_be_visible()

    search = phone.get_by_label("Cari nomor pesanan atau nomor HP")
    await search.fill(number)
    await search.press("Enter")
    await expect(phone).to_have_url(re.compile(r"q=LBA"))  # the filtered board has replaced the first one
    await expect(phone.locator("#board .chip.active")).to_contain_text("Semua 1")
    card = phone.locator(f"#o-{number}")
    await expect(card).to_be_visible()
    await fits_the_screen(phone)
    await phone.screenshot(path=str(ARTIFACTS / "staff-board.png"), full_page=True)
    await card.get_by_role("button", name="Konfirmasi").click()
    await expect(phone.locator("#board")).to_contain_text(f"Pesanan {number}: Dikonfirmasi.")
    assert (await order_state(stack.db, number))[0] == "confirmed"

    await phone.get_by_role("link", name="Ambil & kemas").click()
    await expect(phone.get_by_role("heading", name="Daftar ambil ke produsen")).to_be_visible()
    row = phone.locator("tr", has_text="Kue cincin uji kurir")
    await expect(row).to_contain_text("2 bungkus")
    await fits_the_screen(phone)
    await phone.screenshot(path=str(ARTIFACTS / "staff-pick-list.png"), full_page=True)
    await phone.get_by_role("link", name="Cetak slip kemas").click()
    await expect(phone.locator(f"#slip-{number}")).to_contain_text("TAGIH: Rp25.000")
    await fits_the_screen(phone)

    await phone.get_by_role("navigation", name="Menu staf").get_by_role("link", name="Pesanan").click()
    search = phone.get_by_label("Cari nomor pesanan atau nomor HP")
    await search.fill(number)
    await search.press("Enter")
    await expect(phone).to_have_url(re.compile(r"q=LBA"))  # the filtered board has replaced the first one
    await expect(phone.locator("#board .chip.active")).to_contain_text("Semua 1")
    await phone.locator(f"#o-{number}").get_by_role("button", name="Tandai dikemas").click()
    await expect(phone.locator("#board")).to_contain_text(f"Pesanan {number}: Dikemas.")

    card = phone.locator(f"#o-{number}")
    await card.get_by_label(f"Kurir untuk {number}").select_option(label="Staf KDMP Lok Baintan")
    await card.get_by_role("button", name="Antar").click()
    await expect(phone.get_by_role("heading", name=re.compile("Daftar antar: Staf KDMP Lok Baintan"))).to_be_visible()
    stop = phone.locator(f"#stop-{number}")
    await expect(phone.get_by_role("heading", name="Dusun Telok Selong · RT 003")).to_be_visible()
    await expect(stop.get_by_role("link", name=re.compile("Telepon"))).to_have_attribute("href", "tel:+6281234567890")
    await fits_the_screen(phone)
    await phone.screenshot(path=str(ARTIFACTS / "staff-run-sheet.png"), full_page=True)
    await stop.get_by_role("button", name="Terkirim & uang Rp25.000 diterima").click()
    await expect(phone.locator(f"#stop-{number} .status-completed")).to_contain_text("Terkirim")
    assert await order_state(stack.db, number) == ("completed", "paid")

    await phone.get_by_role("link", name="Ke setoran kurir").click()
    section = phone.locator("section.card", has=phone.get_by_role("heading", name="Staf KDMP Lok Baintan"))
    received = section.get_by_label("Uang yang diserahkan (Rp)")
    expected = int(await received.input_value())
    assert expected >= 25_000  # this courier's cash of the day, this order included
    await section.get_by_role("button", name=re.compile("Catat setoran")).click()
    await expect(phone.locator(".flash-ok")).to_contain_text("cocok")
    await fits_the_screen(phone)
    await phone.screenshot(path=str(ARTIFACTS / "staff-cash.png"), full_page=True)

    await phone.get_by_role("link", name="Ringkasan").click()
    await expect(phone.locator("svg.chart")).to_be_visible()
    await fits_the_screen(phone)
    await phone.screenshot(path=str(ARTIFACTS / "staff-dashboard.png"), full_page=True)
