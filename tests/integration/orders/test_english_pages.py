"""The buyer's and the staff's order pages in English with `pd_lang=en`, and no English left in Indonesian."""

from __future__ import annotations

import httpx

from tests.conftest import Stack
from tests.integration.orders.test_web_flows import add_to_cart, checkout
from tests.support import data
from tests.support.i18n_check import english_left, indonesian_left
from tests.support.staff import place, staff


async def _both_languages(client: httpx.AsyncClient, path: str, phrase: str) -> None:
    """The page in English has no Indonesian interface text (and says `phrase`); in Indonesian, no English."""
    client.cookies.set("pd_lang", "en")
    english = await client.get(path)
    assert english.status_code == 200, (path, english.text[:300])
    assert indonesian_left(english.text) == [], path
    assert phrase in english.text, path
    client.cookies.delete("pd_lang")
    client.cookies.set("pd_lang", "id")
    indonesian = await client.get(path)
    assert indonesian.status_code == 200, path
    assert english_left(indonesian.text) == [], path


async def test_buyer_cart_checkout_and_order_page_in_english(stack: Stack) -> None:
    product = await data.make_product(stack.db, stock=5, price=12_000, name="Gula aren Lok Baintan")
    client = await data.resident(stack.url, stack.db)
    try:
        client.cookies.set("pd_lang", "en")  # the cart's "added" message is written in the buyer's language
        assert (await add_to_cart(client, "lok-baintan", product.id, 2)).status_code == 303
        await _both_languages(client, "/k/lok-baintan/keranjang", "Continue to checkout")
        await _both_languages(client, "/k/lok-baintan/checkout", "Order now")
        client.cookies.set("pd_lang", "en")
        placed = await checkout(client, "lok-baintan")
        assert placed.status_code == 303, placed.text
        order_path = placed.headers["location"]
        await _both_languages(client, order_path, "Cancel order")
    finally:
        await client.aclose()


async def test_staff_board_and_packing_slip_in_english(stack: Stack) -> None:
    product = await data.make_product(stack.db, stock=5, price=9_000, name="Ikan asin Tabanio")
    async with stack.client() as http:
        order = await place(http, [(product.id, 1)], delivery=False)
    async with staff(stack) as desk:
        # The welcome said at sign-in, in the language of that moment, is shown once: on this first page.
        await desk.client.get("/staf/lok-baintan")
        await _both_languages(desk.client, "/staf/lok-baintan/pesanan", "Order board")
        await _both_languages(desk.client, f"/staf/lok-baintan/slip?pilih={order['number']}", "Packing slips")
