"""On a phone: a resident signs up, signs in, changes the password and fits the screen doing it."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.browser.conftest import open_page
from tests.conftest import Stack
from tests.support import data


async def test_sign_up_then_change_the_password_on_a_phone(stack: Stack, phone: Page) -> None:
    number = data.new_phone()
    await open_page(phone, stack.url + "/daftar")
    await phone.get_by_label("Nama").fill("Ibu Sarinah")
    await phone.get_by_label("Nomor HP / WhatsApp").fill(number)
    await phone.get_by_label(re.compile("^Kata sandi")).fill("sandi-lama-123")
    await phone.get_by_role("button", name="Daftar").click()
    await expect(phone.get_by_text("Pendaftaran diterima")).to_be_visible()
    await expect(phone.get_by_label("Nomor HP")).to_have_value(number)
    await phone.get_by_label("Kata sandi").fill("sandi-lama-123")
    await phone.locator("main").get_by_role("button", name="Masuk").click()
    await expect(phone.get_by_role("heading", name="Akun")).to_be_visible()

    await phone.get_by_role("link", name="Keamanan akun").click()
    await phone.get_by_label("Kata sandi sekarang").fill("sandi-lama-123")
    await phone.get_by_label(re.compile("^Kata sandi baru")).fill("sandi-baru-456")
    await phone.get_by_label("Ulangi kata sandi baru").fill("sandi-baru-456")
    assert await phone.evaluate("document.documentElement.scrollWidth") <= 360
    await phone.get_by_role("button", name="Simpan kata sandi baru").click()
    await expect(phone.get_by_text("Kata sandi baru tersimpan")).to_be_visible()
    assert await phone.evaluate("document.documentElement.scrollWidth") <= 360
