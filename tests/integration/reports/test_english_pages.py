"""The report pages in English with the language cookie, and with no English left without it: the members' books
and the staff dashboard (as staff), the public province overview."""

from __future__ import annotations

import re

from tests.conftest import Stack
from tests.support import data
from tests.support.i18n_check import english_left, indonesian_left

STAFF_PAGES = {"/k/lok-baintan/laporan": "Financial statements", "/staf/lok-baintan": "Sales (orders placed"}
# The staff menu (macros/ui.html) belongs to every staff page; the staff area's own test checks it.
STAFF_MENU = re.compile(r'<nav class="chips staff-nav".*?</nav>', re.DOTALL)


async def test_staff_read_the_books_and_the_dashboard_in_either_language(stack: Stack) -> None:
    staff = await data.staff(stack.url)
    try:
        for path, phrase in STAFF_PAGES.items():
            staff.cookies.set("pd_lang", "id")
            page = await staff.get(path)
            assert page.status_code == 200 and english_left(page.text) == [], path
            staff.cookies.set("pd_lang", "en")
            page = await staff.get(path)
            assert page.status_code == 200 and indonesian_left(STAFF_MENU.sub("", page.text)) == [], path
            assert phrase in page.text, path
    finally:
        await staff.aclose()


async def test_the_province_overview_in_either_language(stack: Stack) -> None:
    async with stack.client() as visitor, stack.client(cookies={"pd_lang": "en"}) as english_reader:
        page = await visitor.get("/provinsi")
        assert page.status_code == 200 and english_left(page.text) == []
        english = await english_reader.get("/provinsi")
        assert english.status_code == 200 and indonesian_left(english.text) == []
        assert "Village cooperatives on Pasar Desa" in english.text and "Cooperatives by stage" in english.text
