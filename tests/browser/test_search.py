"""Active search on a phone: results as you type, the URL follows, the back button works."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.browser.conftest import ARTIFACTS, open_page
from tests.conftest import Stack


async def test_search_as_you_type_and_go_back(stack: Stack, phone: Page) -> None:
    await open_page(phone, stack.url + "/k/lok-baintan")
    all_count = await phone.locator("#results > p.muted").first.inner_text()
    await phone.get_by_role("searchbox").fill("hintalu")
    await expect(phone).to_have_url(re.compile(r"q=hintalu"))
    await expect(phone.locator("#results")).to_contain_text("Telur")
    await expect(phone.locator("#results mark").first).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    await phone.screenshot(path=str(ARTIFACTS / "search-hintalu.png"))
    await phone.go_back()
    await expect(phone).not_to_have_url(re.compile(r"q=hintalu"))
    await expect(phone.locator("#results > p.muted").first).to_have_text(all_count)
    await phone.get_by_role("link", name="Muat lebih banyak").click()
    await expect(phone.locator("#results li.product")).to_have_count(48)
