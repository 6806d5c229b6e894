"""The loans and other-income pages and the money charts in English with `pd_lang=en`, and no English left
on them in Indonesian."""

from __future__ import annotations

from tests.conftest import DEMO_PASSWORD, Stack
from tests.support import data
from tests.support.i18n_check import english_left, indonesian_left

SLUG = "lok-baintan"


async def test_treasurer_pages_in_english(stack: Stack) -> None:
    staff = await data.staff(stack.url, SLUG)
    try:
        expected = {
            f"/staf/{SLUG}/pinjaman": "Record a new loan",
            f"/staf/{SLUG}/pendapatan": "Latest income",
            f"/k/{SLUG}/keuangan": "Income, costs and surplus over the last 12 months",
        }
        for path, phrase in expected.items():
            indonesian = await staff.get(path)
            assert indonesian.status_code == 200 and english_left(indonesian.text) == [], path
            staff.cookies.set("pd_lang", "en")
            english = await staff.get(path)
            staff.cookies.delete("pd_lang")
            # Only what this area's new pages and the chart say: the staff menu is the core area's, and the
            # statements list account names, which are the cooperative's data.
            if "grafik-12-bulan" in english.text:
                main = english.text[english.text.index('id="grafik-12-bulan"') :]
                main = main[: main.index("</figure>")]
            else:
                main = english.text[english.text.index("<h1") :]
            assert phrase in main and indonesian_left(main) == [], path
    finally:
        await staff.aclose()


async def test_member_savings_chart_in_english(stack: Stack) -> None:
    async with stack.client() as member:
        assert (await data.login(member, "0812-0000-9001", DEMO_PASSWORD)).status_code == 303
        await member.get("/akun")  # the welcome said at sign-in, in Indonesian, is shown once
        member.cookies.set("pd_lang", "en")
        page = await member.get("/akun/simpanan")
        assert "Savings balance by kind" in page.text and "Voluntary (sukarela)" in page.text
        assert indonesian_left(page.text) == []
