"""A member's money pages in English with the language cookie, and no English left in them without it."""

from __future__ import annotations

import httpx

from tests.conftest import Stack
from tests.support.i18n_check import english_left, indonesian_left
from tests.support.roles import Cast


async def test_member_savings_and_statements_in_both_languages(
    stack: Stack, money_cast: Cast, clients: dict[str, httpx.AsyncClient]
) -> None:
    bendahara, member = clients["bendahara"], clients["member"]
    form = {
        "member_phone": money_cast.phones["member"],
        "kind": "pokok",
        "direction": "deposit",
        "amount": "50000",
        "method": "cash",
        "_csrf_token": bendahara.cookies["csrftoken"],
    }
    recorded = await bendahara.post(f"/staf/{money_cast.slug}/simpanan", data=form)
    assert recorded.status_code == 303, recorded.text[:300]
    pages = ("/akun/simpanan", f"/k/{money_cast.slug}/keuangan")

    member.cookies.set("pd_lang", "en")
    english = [(await member.get(path)).text for path in pages]
    assert [indonesian_left(html) for html in english] == [[], []]
    assert "Principal savings (pokok):" in english[0] and "Savings history (1)" in english[0]
    assert "Income statement: Year" in english[1] and "Net cash flow from operating activities" in english[1]

    member.cookies.delete("pd_lang")
    indonesian = [(await member.get(path)).text for path in pages]
    assert [english_left(html) for html in indonesian] == [[], []]
    assert "Simpanan pokok:" in indonesian[0] and "Laba rugi Tahun" in indonesian[1]
