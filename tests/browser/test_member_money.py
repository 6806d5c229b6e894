"""On a phone: a member signs in and, one tap from the account page, sees their savings, what they owe in
simpanan wajib, this year's estimated SHU and how it was computed; the receipt of a deposit opens from there."""

from __future__ import annotations

from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import open_page
from tests.conftest import DEMO_PASSWORD, Stack


async def test_member_sees_savings_and_shu_within_two_taps(stack: Stack, phone: Page) -> None:
    await open_page(phone, stack.url + "/masuk?lanjut=/akun")
    await phone.get_by_label("Nomor HP").fill("0812-0000-9001")
    await phone.get_by_label("Kata sandi").fill(DEMO_PASSWORD)
    await phone.locator("main").get_by_role("button", name="Masuk").click()
    await expect(phone.get_by_role("heading", name="Akun")).to_be_visible()

    await phone.get_by_role("link", name="Simpanan & SHU").click()  # tap 1
    card = phone.locator("#koperasi-lok-baintan")
    await expect(card.locator(".pokok")).to_have_text("Rp100.000")
    await expect(card.locator(".owed")).to_have_text("Rp20.000")
    await expect(card.get_by_role("heading", name="(perkiraan)")).to_be_visible()
    await expect(card.locator(".jasa-modal")).to_be_visible()
    await expect(card.get_by_text("Rata-rata simpanan pokok + wajib Anda")).to_be_visible()
    await expect(card.locator(".shu-total")).to_be_visible()
    assert await phone.evaluate("document.documentElement.scrollWidth") <= 360

    await _chart_fits(phone, "#grafik-simpanan-lok-baintan", "Sukarela: Saldo Rp75.000")

    await card.get_by_text("Riwayat simpanan").click()
    await card.get_by_role("link", name="kuitansi").first.click()
    await expect(phone.get_by_role("heading", name="Kuitansi setoran simpanan")).to_be_visible()
    assert await phone.evaluate("document.documentElement.scrollWidth") <= 360

    await open_page(phone, stack.url + "/k/lok-baintan/keuangan")
    await _chart_fits(phone, "#grafik-12-bulan", "Pendapatan Rp")


async def _chart_fits(page: Page, figure: str, figures_text: str) -> None:
    """The chart is drawn, inside the phone's width, and says its figures in words to a screen reader."""
    chart = page.locator(f"{figure} svg[role=img]")
    await expect(chart).to_be_visible()
    box = await chart.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360 and box["height"] > 50, box
    assert figures_text in (await page.locator(f"{figure} desc").text_content() or "")


async def test_money_pages_fit_a_phone(stack: Stack, browser: Browser) -> None:
    """The bendahara's savings page (arrears, pending withdrawals) and the producer's consent page."""
    too_wide = {}
    for number, path in (("081200000101", "/staf/lok-baintan/simpanan"), ("081200001001", "/produsen/keterbukaan")):
        context = await browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID")
        page = await context.new_page()
        await open_page(page, stack.url + "/masuk?lanjut=" + path)
        await page.get_by_label("Nomor HP").fill(number)
        await page.get_by_label("Kata sandi").fill(DEMO_PASSWORD)
        await page.locator("main").get_by_role("button", name="Masuk").click()
        await page.wait_for_url("**" + path)
        if (width := await page.evaluate("document.documentElement.scrollWidth")) > 360:
            too_wide[path] = width
        await context.close()
    assert too_wide == {}
