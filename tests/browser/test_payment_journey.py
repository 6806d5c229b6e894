"""A member buys subsidised LPG on a phone, pays by QRIS; the page turns to "Lunas" by itself once staff confirm."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from orders.qris import crc16_ccitt_false, parse
from tests.browser.conftest import ARTIFACTS
from tests.conftest import Stack
from tests.support import data


async def test_member_pays_by_qris_and_sees_it_confirmed(stack: Stack, phone: Page) -> None:
    lpg = await data.make_product(
        stack.db, stock=5, price=18_500, members_only=True, requires_nik=True, name="LPG uji perjalanan QRIS"
    )
    # A guest is told on the product page that the item is for members only, with a way to sign in
    # and a way to apply; there is no button that would only fail later in the cart.
    await phone.goto(f"{stack.url}/k/lok-baintan/produk/{lpg.id}")
    notice = phone.locator("#members-only")
    await expect(notice).to_contain_text("hanya dijual kepada anggota KDMP Lok Baintan")
    await expect(notice.get_by_role("link", name="Ajukan keanggotaan")).to_be_visible()
    await expect(phone.get_by_role("button", name="Tambah ke keranjang")).to_have_count(0)

    member = await data.resident(stack.url, stack.db, member_of="lok-baintan", nik=True)
    member_phone = (await member.get("/akun")).text.split("<strong>Warga Uji</strong> · ", 1)[1][:14]
    await member.aclose()
    await notice.get_by_role("link", name="Masuk").click()
    await phone.get_by_label("Nomor HP").fill(member_phone)
    await phone.get_by_label("Kata sandi").fill("sandi-warga-uji")
    await phone.get_by_role("button", name="Masuk").click()
    # Back on the product, now as a member: it can be bought.
    await expect(phone).to_have_url(re.compile(rf"/k/lok-baintan/produk/{lpg.id}$"))
    await phone.get_by_role("button", name="Tambah ke keranjang").click()
    await expect(phone.locator(".added")).to_be_visible()
    await phone.goto(f"{stack.url}/k/lok-baintan/keranjang")
    await expect(phone.locator("#cart")).not_to_contain_text("hanya dijual kepada anggota")
    await phone.get_by_role("link", name="Lanjut ke pemesanan").click()
    await expect(phone).to_have_url(re.compile(r"/checkout$"))

    await phone.get_by_label(re.compile("QRIS: scan")).check()
    await phone.get_by_role("button", name="Pesan sekarang").click()
    await expect(phone.get_by_role("heading", name="Pesanan diterima")).to_be_visible()
    number = await phone.locator(".order-number").first.inner_text()
    qr = phone.get_by_role("img", name=f"QRIS {number}")
    await expect(qr).to_be_visible()
    box = await qr.bounding_box()
    assert box is not None and box["width"] <= 360, "the QR fits a phone screen"
    await expect(phone.locator("#order_status")).to_contain_text("Belum dibayar")
    ARTIFACTS.mkdir(exist_ok=True)
    await phone.screenshot(path=str(ARTIFACTS / "journey-qris.png"), full_page=True)

    # The QR on the page is the dynamic QRIS for the exact total.
    async with stack.client() as client:
        order = await data.order_row(stack.db, number)
        payload = (await client.get(f"/api/orders/{number}/qris", params={"token": order.token})).json()["payload"]
    assert payload[-4:] == crc16_ccitt_false(payload[:-4])
    assert {f.tag: f.value for f in parse(payload)}["54"] == "18500"

    staff = await data.staff(stack.url)
    confirmed = await staff.post(f"/api/orders/{number}/payment", json={"status": "paid", "reference": "QRIS-771"})
    await staff.aclose()
    assert confirmed.status_code == 200
    # No reload: the status block asks the server again every 15 seconds.
    await expect(phone.locator("#order_status")).to_contain_text("Lunas", timeout=25_000)
    await expect(qr).to_have_count(0)
    await phone.screenshot(path=str(ARTIFACTS / "journey-qris-paid.png"), full_page=True)
