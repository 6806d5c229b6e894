"""Members-only products (LPG 3 kg) say so where they are offered: the product page and the shop card show
who may buy and how to become a member instead of an add button, and the cart links to applying too."""

from __future__ import annotations

import httpx

from tests.conftest import DEMO_PASSWORD, Stack
from tests.support import data

ADD_BUTTON = "Tambah ke keranjang"
RESIDENT_MEMBER = "081200009001"  # demo resident, member of lok-baintan


async def test_guests_see_who_may_buy_and_how_to_join_instead_of_the_button(stack: Stack) -> None:
    name = f"LPG uji halaman {stack.backend}"
    lpg = await data.make_product(stack.db, stock=10, members_only=True, requires_nik=True, name=name)
    async with stack.client() as guest:
        page = await guest.get(f"/k/lok-baintan/produk/{lpg.id}")
        assert page.status_code == 200
        assert ADD_BUTTON not in page.text
        assert f"{name} hanya dijual kepada anggota KDMP Lok Baintan" in page.text
        assert f'href="/masuk?lanjut=/k/lok-baintan/produk/{lpg.id}"' in page.text
        assert 'href="/k/lok-baintan/anggota"' in page.text

        await data.wait_until_findable(guest, "lok-baintan", name, lpg.id)
        shop = await guest.get("/k/lok-baintan", params={"q": name})
        card = shop.text.split(f'href="/k/lok-baintan/produk/{lpg.id}"', 1)[1].split("</li>", 1)[0]
        assert "Khusus anggota" in card and 'name="product_id"' not in card

        # The cart refuses it with both ways out: signing in, and applying for membership.
        token = await data.csrf_token(guest, "/k/lok-baintan")
        form = {"product_id": str(lpg.id), "quantity": "1", "_csrf_token": token}
        await guest.post("/k/lok-baintan/keranjang", data=form)
        cart = await guest.get("/k/lok-baintan/keranjang")
        assert 'href="/masuk?lanjut=/k/lok-baintan/keranjang"' in cart.text
        assert '<a href="/k/lok-baintan/anggota">Ajukan keanggotaan</a>' in cart.text


async def test_signed_in_non_members_are_sent_to_apply_and_members_get_the_button(stack: Stack) -> None:
    lpg = await data.make_product(stack.db, stock=10, members_only=True, name=f"LPG uji akun {stack.backend}")
    path = f"/k/lok-baintan/produk/{lpg.id}"
    resident = await data.resident(stack.url, stack.db)
    try:
        page = await resident.get(path)
        assert ADD_BUTTON not in page.text
        assert "Ajukan keanggotaan dulu" in page.text and 'href="/k/lok-baintan/anggota"' in page.text

        token = await data.csrf_token(resident, "/k/lok-baintan/anggota")
        asked = await resident.post("/k/lok-baintan/anggota", data={"_csrf_token": token})
        assert asked.status_code == 303
        pending = await resident.get(path)
        assert ADD_BUTTON not in pending.text and "masih menunggu persetujuan" in pending.text
    finally:
        await resident.aclose()

    async with stack.client() as member:
        assert (await data.login(member, RESIDENT_MEMBER, DEMO_PASSWORD)).status_code == 303
        page = await member.get(path)
        assert ADD_BUTTON in page.text and "hanya dijual kepada anggota" not in page.text


async def test_ordinary_products_keep_the_button_for_guests(http: httpx.AsyncClient, stack: Stack) -> None:
    product = await data.make_product(stack.db, stock=3)
    page = await http.get(f"/k/lok-baintan/produk/{product.id}")
    assert ADD_BUTTON in page.text and "Khusus anggota" not in page.text
