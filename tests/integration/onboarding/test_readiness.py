"""The readiness checklist: shop details, opening only when ready, closing for a holiday, no orders while shut."""

from __future__ import annotations

import pytest

from tests.conftest import Stack
from tests.integration.onboarding.support import cooperative_row
from tests.support import data
from tests.support.roles import Cast, signed_in_cast

DETAILS = {
    "opening_hours": "Senin–Sabtu 07.00–16.00",
    "pickup_address": "Balai desa, Jl. Uji No. 1",
    "payment_methods": ["cash"],
    "delivery": "pickup_only",
}


@pytest.fixture
async def cast(stack: Stack) -> object:
    async with signed_in_cast(stack.url, stack.db) as made:
        yield made


async def test_a_shop_opens_only_when_every_step_is_done(stack: Stack, cast: Cast) -> None:
    pengurus = cast.clients["pengurus"]
    base = f"/api/cooperatives/{cast.slug}"
    state = (await pengurus.get(f"{base}/readiness")).json()
    assert state["ready"] is False and [s["key"] for s in state["steps"]] == [
        "profile", "pickup", "staff", "payment", "delivery", "products"
    ]  # fmt: skip
    transfer = await pengurus.patch(base, json={"payment_methods": ["cash", "transfer"]})
    assert transfer.status_code == 422 and "rekening" in transfer.json()["detail"]
    wrong = await pengurus.patch(base, json={"delivery": "drone"})
    assert wrong.status_code == 422
    saved = await pengurus.patch(base, json=DETAILS)
    assert saved.status_code == 200, saved.text
    assert saved.json()["payment_methods"] == ["cash"] and saved.json()["delivery"] == "pickup_only"
    refused = await pengurus.post(f"{base}/open", json={})
    assert refused.status_code == 409 and refused.json()["missing"] == ["products"]
    page = await pengurus.get(f"/staf/{cast.slug}/siap")
    assert "Persiapan 5/6" in page.text and "Buka toko (lengkapi persiapan dulu)" in page.text

    # Before opening the shop says so and takes no orders; `/` does not list it.
    products = [await data.make_product(stack.db, cast.slug, stock=3) for _ in range(5)]
    shop = await cast.clients["anonymous"].get(f"/k/{cast.slug}")
    assert 'id="shop-closed"' in shop.text and "belum buka" in shop.text
    order = await cast.clients["resident"].post(f"{base}/orders", json=data.order_body(products[0].id))
    assert order.status_code == 409 and "belum buka" in order.json()["detail"]
    assert f"/k/{cast.slug}\"" not in (await cast.clients["anonymous"].get("/")).text

    opened = await pengurus.post(f"{base}/open", json={})
    assert opened.status_code == 200 and opened.json()["status"] == "open" and opened.json()["ready"] is True
    assert f'href="/k/{cast.slug}"' in (await cast.clients["anonymous"].get("/")).text
    # Open: the pendamping no longer acts as pengurus; only the pengurus closes it.
    assert (await cast.clients["assigned_pendamping"].post(f"{base}/close", json={})).status_code == 403
    closed = await pengurus.post(f"{base}/close", json={"message": "Libur Lebaran, buka lagi 5 April."})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    shop = await cast.clients["anonymous"].get(f"/k/{cast.slug}")
    assert "Libur Lebaran, buka lagi 5 April." in shop.text and "+ Keranjang" not in shop.text
    order = await cast.clients["resident"].post(f"{base}/orders", json=data.order_body(products[0].id))
    assert order.status_code == 409
    assert await data.stock_of(stack.db, products[0].id) == 3
    again = await pengurus.post(f"{base}/open", json={})
    assert again.status_code == 200 and (await cooperative_row(stack.db, cast.slug)).closed_message is None
    order = await cast.clients["resident"].post(f"{base}/orders", json=data.order_body(products[0].id))
    assert order.status_code == 201, order.text


async def test_the_readiness_page_saves_the_shop_details(stack: Stack, cast: Cast) -> None:
    client = cast.clients["assigned_pendamping"]
    form = {"opening_hours": "Setiap hari 08.00–15.00", "pickup_address": "Kantor desa", "whatsapp": "0812 3456 7099",
            "pay_cash": "1", "delivery": "pickup_only", "_csrf_token": cast.csrf("assigned_pendamping")}  # fmt: skip
    response = await client.post(f"/staf/{cast.slug}/siap/profil", data=form, follow_redirects=False)
    assert response.status_code == 303
    coop = await cooperative_row(stack.db, cast.slug)
    assert coop.opening_hours == "Setiap hari 08.00–15.00" and coop.payment_methods == "cash"
    assert coop.delivery_mode == "pickup_only" and coop.whatsapp == "6281234567099"
    page = await client.get(f"/staf/{cast.slug}/siap")
    assert "Bertindak sebagai <strong>Pendamping</strong>" in page.text and "Persiapan 5/6" in page.text
    bad = await client.post(f"/staf/{cast.slug}/siap/profil", data={**form, "whatsapp": "x"}, follow_redirects=False)
    assert bad.status_code == 422 and 'id="err-whatsapp"' in bad.text
    assert (await cooperative_row(stack.db, cast.slug)).whatsapp == "6281234567099"


async def test_the_province_overview_counts_cooperatives_by_state_and_kabupaten_code(stack: Stack, cast: Cast) -> None:
    async with stack.client() as guest:
        body = (await guest.get("/api/provinsi")).json()
        page = await guest.get("/provinsi")
    assert set(body["by_state"]) == {"applied", "onboarding", "open", "dormant", "closed"}
    assert body["by_state"]["onboarding"] >= 2  # the cast's two cooperatives
    banjar = next(row for row in body["kabupaten"] if row["kode"] == "63.03")
    assert banjar["kabupaten"] == "Kabupaten Banjar" and banjar["provinsi"] == "Kalimantan Selatan"
    assert sum(banjar["by_state"].values()) == banjar["cooperatives"]
    assert page.status_code == 200 and 'id="state-onboarding"' in page.text
