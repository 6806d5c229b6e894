"""Resident accounts over HTTP: sign-up, profile and NIK, membership requests staff approve, order history."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from app.models import Cooperative, Membership, MembershipStatus, Role, User
from tests.conftest import Stack
from tests.support import data
from tests.support.staff import send_out


async def test_sign_up_then_sign_in_and_short_passwords_are_refused(stack: Stack) -> None:
    async with stack.client() as client:
        await data.signup(client, name="Ibu Rusmini")
        account = await client.get("/akun")
        assert account.status_code == 200 and "Ibu Rusmini" in account.text
        assert "belum diisi" in account.text  # no NIK yet
    async with stack.client() as again:
        token = await data.csrf_token(again, "/daftar")
        short = await again.post(
            "/daftar",
            data={"name": "A", "phone": data.new_phone(), "password": "pendek", "_csrf_token": token},
        )
        assert short.status_code == 422 and "paling sedikit 8 karakter" in short.text


async def test_profile_nik_is_checked_and_one_per_account(stack: Stack) -> None:
    nik = data.new_nik()
    first = await data.resident(stack.url, stack.db)
    second = await data.resident(stack.url, stack.db)
    try:
        bad = await data.set_nik(first, "1234")
        assert bad.status_code == 422 and "NIK harus 16 angka" in bad.text
        assert (await data.set_nik(first, nik)).status_code == 303
        profile = await first.get("/akun/profil")
        assert nik not in profile.text and f"{nik[:6]}••••••{nik[-4:]}" in profile.text  # shown masked only
        taken = await data.set_nik(second, nik)
        assert taken.status_code == 303 and taken.headers["location"] == "/akun/profil"
        refused = await second.get("/akun/profil")
        assert "tidak dapat dicatat pada akun ini" in refused.text and "terdaftar" not in refused.text
        # Saving the profile again with the NIK field empty keeps the NIK.
        token = await data.csrf_token(first, "/akun/profil")
        kept = await first.post(
            "/akun/profil",
            data={
                "name": "Warga Uji",
                "dusun": "Dusun II",
                "rt": "004",
                "landmark": "dekat langgar",
                "_csrf_token": token,
            },
        )
        assert kept.status_code == 303
        async with stack.db.session() as session:
            holders = (await session.scalars(select(User).where(User.nik_hash.is_not(None)))).all()
        assert [u.nik for u in holders].count(nik) == 1
        # The profile address fills the checkout form.
        product = await data.make_product(stack.db, stock=3)
        await first.post(
            "/k/lok-baintan/keranjang", data={"product_id": str(product.id), "quantity": "1", "_csrf_token": token}
        )
        checkout = await first.get("/k/lok-baintan/checkout")
        assert 'value="004"' in checkout.text and "dekat langgar" in checkout.text
    finally:
        await first.aclose()
        await second.aclose()


async def test_membership_request_is_approved_by_that_cooperatives_staff(stack: Stack) -> None:
    resident = await data.resident(stack.url, stack.db)
    staff = await data.staff(stack.url, "lok-baintan")
    other_staff = await data.staff(stack.url, "tabanio")
    try:
        token = await data.csrf_token(resident, "/k/lok-baintan/anggota")
        requested = await resident.post("/k/lok-baintan/anggota", data={"_csrf_token": token})
        assert requested.status_code == 303
        assert "menunggu persetujuan" in (await resident.get("/k/lok-baintan/anggota")).text
        async with stack.db.session() as session:
            me = await session.scalar(select(User).order_by(User.id.desc()))
            assert me is not None
            membership = await session.scalar(select(Membership).where(Membership.user_id == me.id))
            assert membership is not None and membership.status == "pending"
        entry = await staff.get("/staf/anggota")
        assert entry.status_code == 303 and entry.headers["location"] == "/staf/lok-baintan/anggota"
        listing = await staff.get("/staf/lok-baintan/anggota")
        assert listing.status_code == 200 and "Warga Uji" in listing.text
        assert f'action="/staf/lok-baintan/anggota/{membership.id}"' in listing.text
        # Staff of another cooperative cannot decide it: not through their cooperative (it does not exist
        # there), not through this one (not their staff).
        other_token = await data.csrf_token(other_staff, "/staf/tabanio/anggota")
        refused = await other_staff.post(
            f"/staf/tabanio/anggota/{membership.id}", data={"decision": "approve", "_csrf_token": other_token}
        )
        assert refused.status_code == 404
        forbidden = await other_staff.post(
            f"/staf/lok-baintan/anggota/{membership.id}", data={"decision": "approve", "_csrf_token": other_token}
        )
        assert forbidden.status_code == 403
        staff_token = await data.csrf_token(staff, "/staf/lok-baintan/anggota")
        approved = await staff.post(
            f"/staf/lok-baintan/anggota/{membership.id}", data={"decision": "approve", "_csrf_token": staff_token}
        )
        assert approved.status_code == 303 and approved.headers["location"] == "/staf/lok-baintan/anggota"
        assert "sudah anggota" in (await resident.get("/k/lok-baintan/anggota")).text
        twice = await staff.post(
            f"/staf/lok-baintan/anggota/{membership.id}", data={"decision": "reject", "_csrf_token": staff_token}
        )
        assert twice.status_code == 409
        # A resident is not staff.
        assert (await resident.get("/staf/lok-baintan/anggota")).status_code == 403
        assert (await resident.get("/staf/anggota")).status_code == 403
        assert (await staff.get("/staf/tidak-ada/anggota")).status_code == 404
    finally:
        for client in (resident, staff, other_staff):
            await client.aclose()


async def test_order_history_live_status_cancel_and_buy_again(stack: Stack) -> None:
    product = await data.make_product(stack.db, stock=10, price=12_000, name="Gula aren uji beli lagi")
    resident = await data.resident(stack.url, stack.db)
    staff = await data.staff(stack.url)
    try:
        created = await resident.post("/api/cooperatives/lok-baintan/orders", json=data.order_body(product.id, 4))
        order = created.json()
        number = order["number"]
        history = await resident.get("/akun/pesanan")
        assert number in history.text and "Rp48.000" in history.text

        # The signed-in buyer sees the order without the link; it polls while it can still change.
        page = await resident.get(f"/pesanan/{number}")
        assert page.status_code == 200
        # The poll carries the version it shows, so an unchanged order answers 204 without a body.
        assert f'hx-get="/pesanan/{number}?versi=' in page.text and 'hx-trigger="every 15s"' in page.text
        block = await resident.get(f"/pesanan/{number}", headers={"HX-Request": "true"})
        assert "<html" not in block.text and block.text.lstrip().startswith('<section id="order_status"')
        assert "HX-Request" in block.headers.get("vary", "")
        # Strangers see nothing.
        async with stack.client() as stranger:
            assert (await stranger.get(f"/pesanan/{number}")).status_code == 404

        # Buy again at today's price and stock: the price went up and only 3 are left.
        async with stack.db.session(write=True) as session:
            from catalog.models import Product

            row = await session.get(Product, product.id)
            assert row is not None
            row.retail_price, row.stock = 13_000, 3
            await session.commit()
        token = await data.csrf_token(resident, f"/pesanan/{number}")
        again = await resident.post(f"/pesanan/{number}/beli-lagi", data={"_csrf_token": token})
        assert again.status_code == 303 and again.headers["location"] == "/k/lok-baintan/keranjang"
        cart = await resident.get("/k/lok-baintan/keranjang")
        assert "Rp39.000" in cart.text  # 3 × Rp13.000
        assert "Jumlah dikurangi" in cart.text

        # Cancel while placed, from the page.
        cancelled = await resident.post(f"/pesanan/{number}/batal", data={"_csrf_token": token})
        assert cancelled.status_code == 303
        final = await resident.get(f"/pesanan/{number}")
        assert "Dibatalkan" in final.text and "hx-trigger" not in final.text  # polling stops
        assert "Batalkan pesanan" not in final.text
    finally:
        await resident.aclose()
        await staff.aclose()


async def test_polling_stops_when_completed_and_whatsapp_links_on_every_view(stack: Stack) -> None:
    product = await data.make_product(stack.db, stock=5)
    staff = await data.staff(stack.url)
    try:
        async with stack.client() as guest:
            order = (
                await guest.post(
                    "/api/cooperatives/lok-baintan/orders",
                    json=data.order_body(
                        product.id, 1, fulfilment="delivery", address={"dusun": "Dusun III", "rt": "002"}
                    ),
                )
            ).json()
            number, token = order["number"], order["token"]
            buyer_page = await guest.get(f"/pesanan/{number}", params={"token": token})
            assert 'href="https://wa.me/6281200000101?text=' in buyer_page.text
            assert "Ongkos%20antar%20%28Dusun%20III%29%20%3D%20Rp5.000" in buyer_page.text
            for step in ("confirmed", "packed"):
                await staff.post(f"/api/orders/{number}/transitions", json={"to": step})
            await send_out(stack, [number])
            staff_page = await staff.get(f"/pesanan/{number}")
            assert 'href="https://wa.me/6281234567890?text=' in staff_page.text
            assert "sedang%20diantar%20ke%20Dusun%20III" in staff_page.text
            listing = await staff.get("/staf/lok-baintan/pesanan")
            assert f"https://wa.me/6281234567890?text=Halo%20Ibu%20Rahmah%2C%20pesanan%20{number}" in listing.text
            await staff.post(f"/api/orders/{number}/transitions", json={"to": "completed"})
            done = await guest.get(f"/pesanan/{number}", params={"token": token})
            assert "Selesai" in done.text and "hx-trigger" not in done.text
    finally:
        await staff.aclose()


@pytest.mark.parametrize(
    "path",
    ["/staf/pengaturan", "/staf/produk", "/staf/anggota", "/akun", "/akun/pesanan", "/akun/profil"],
)
async def test_pages_that_need_an_account_send_guests_to_login(http: httpx.AsyncClient, path: str) -> None:
    response = await http.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/masuk?lanjut=")


async def test_staff_of_two_cooperatives_reach_both(stack: Stack) -> None:
    """The members page used to open only the first cooperative of someone who is staff of two."""
    staff = await data.resident(stack.url, stack.db)
    applicant = await data.resident(stack.url, stack.db)
    try:
        async with stack.db.session(write=True) as session:
            staff_id, applicant_id = (
                await session.scalars(select(User.id).order_by(User.id.desc()).limit(2))
            ).all()[::-1]
            coops = {c.slug: c for c in (await session.scalars(select(Cooperative))).all()}
            for slug in ("lok-baintan", "tabanio"):
                session.add(Membership(user_id=staff_id, cooperative_id=coops[slug].id, role=Role.PENGURUS))
            pending = Membership(
                user_id=applicant_id, cooperative_id=coops["tabanio"].id, status=MembershipStatus.PENDING
            )
            session.add(pending)
            await session.commit()
        chooser = await staff.get("/staf/anggota")
        assert chooser.status_code == 200
        assert 'href="/staf/lok-baintan/anggota"' in chooser.text and 'href="/staf/tabanio/anggota"' in chooser.text
        assert (await staff.get("/staf/lok-baintan/anggota")).status_code == 200
        second = await staff.get("/staf/tabanio/anggota")
        assert second.status_code == 200 and "Tabanio" in second.text
        token = await data.csrf_token(staff, "/staf/tabanio/anggota")
        approved = await staff.post(
            f"/staf/tabanio/anggota/{pending.id}", data={"decision": "approve", "_csrf_token": token}
        )
        assert approved.status_code == 303
        async with stack.db.session() as session:
            assert await session.scalar(select(Membership.status).where(Membership.id == pending.id)) == "approved"
        assert (await staff.get("/staf/telaga-bidadari/anggota")).status_code == 403
    finally:
        await staff.aclose()
        await applicant.aclose()


async def test_guards_send_visitors_to_login_and_the_api_gets_401(http: httpx.AsyncClient) -> None:
    page = await http.get("/staf/lok-baintan/anggota")
    assert page.status_code == 303 and page.headers["location"] == "/masuk?lanjut=/staf/lok-baintan/anggota"
    swap = await http.get("/akun/profil", params={"lanjut": "/k/x"}, headers={"HX-Request": "true"})
    assert swap.status_code == 401
    assert swap.headers["hx-redirect"].startswith("/masuk?lanjut=/akun/profil%3Flanjut%3D")
    api = await http.get("/akun", headers={"Accept": "application/json"})
    assert api.status_code == 401 and api.json()["detail"] == "Silakan masuk terlebih dahulu."
    token = await data.csrf_token(http, "/k/lok-baintan/anggota")
    asked = await http.post("/k/lok-baintan/anggota", data={"_csrf_token": token})
    assert asked.status_code == 303 and asked.headers["location"] == "/masuk?lanjut=/k/lok-baintan/anggota"
    unknown = await http.post("/k/tidak-ada/anggota", data={"_csrf_token": token})
    assert unknown.status_code == 303  # signed-out visitors learn nothing about cooperatives
