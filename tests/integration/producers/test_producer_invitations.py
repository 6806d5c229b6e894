"""A producer added by staff comes with an invitation for its owner; accepting it opens the producer portal."""

from __future__ import annotations

import re
import uuid
from html import unescape

from sqlalchemy import select

from app.models import Invitation
from producers.models import ProducerAccount
from tests.conftest import Stack
from tests.support import data

SLUG = "telaga-bidadari"


def _token(url: str) -> str:
    assert "/undangan/" in url, url
    return url.rsplit("/undangan/", 1)[1]


async def _add_producer(stack: Stack, name: str, phone: str) -> tuple[int, str]:
    staff = await data.staff(stack.url, SLUG)
    try:
        created = await staff.post(
            f"/api/cooperatives/{SLUG}/producers", json={"name": name, "owner_name": "Ibu Ijah", "phone": phone}
        )
        assert created.status_code == 201, created.text
        out = created.json()
        product = await staff.post(
            f"/api/cooperatives/{SLUG}/products",
            json={
                "name": f"Amplang {name}",
                "category": "Makanan Olahan",
                "unit": "bungkus",
                "price": 15000,
                "stock": 10,
                "producer_id": out["id"],
                "producer_price": 12000,
            },
        )
        assert product.status_code == 201, product.text
        return int(out["id"]), str(out["invitation_url"])
    finally:
        await staff.aclose()


async def test_the_api_link_signs_the_owner_in_as_the_producer_once(stack: Stack) -> None:
    name = f"UMKM Amplang {uuid.uuid4().hex[:6]}"
    phone = data.new_phone()
    producer_id, url = await _add_producer(stack, name, phone)
    assert url.startswith(stack.url + "/undangan/")
    token = _token(url)
    async with stack.client() as owner:
        page = await owner.get(f"/undangan/{token}")
        assert page.status_code == 200 and "<strong>Produsen</strong>" in page.text, page.text
        accepted = await owner.post("/api/invitations/accept", json={"token": token, "password": "sandi-pemilik-1"})
        assert accepted.status_code == 200, accepted.text
        portal = await owner.get("/produsen")
        assert portal.status_code == 200 and name in unescape(portal.text)
        assert f"Amplang {name}" in unescape(portal.text)  # the listing staff added for it
    async with stack.client() as again:
        second = await again.post("/api/invitations/accept", json={"token": token, "password": "sandi-pemilik-1"})
        assert second.status_code == 410 and second.json()["code"] == "token_invalid"
        gone = await again.get(f"/undangan/{token}")
        assert gone.status_code == 410 and "tidak berlaku lagi" in gone.text
    async with stack.db.session() as session:
        link = await session.scalar(select(ProducerAccount).where(ProducerAccount.producer_id == producer_id))
        assert link is not None
        invitation = await session.scalar(select(Invitation).where(Invitation.producer_id == producer_id))
        assert invitation is not None and invitation.role == "producer" and invitation.accepted_by_id == link.user_id


async def test_the_page_shows_the_link_with_whatsapp_and_accepting_lands_on_the_portal(stack: Stack) -> None:
    name = f"Kelompok Wadai {uuid.uuid4().hex[:6]}"
    phone = data.new_phone()
    staff = await data.staff(stack.url, SLUG)
    try:
        token = await data.csrf_token(staff, f"/staf/{SLUG}/produsen")
        form = {"name": name, "owner_name": "Pak Udin", "phone": phone, "_csrf_token": token}
        added = await staff.post(f"/staf/{SLUG}/produsen", data=form)
        assert added.status_code == 200, added.text
        assert "Kirim lewat WhatsApp" in added.text and "https://wa.me/62" + phone[1:] in added.text
        url = re.search(r'value="(http[^"]+/undangan/[^"]+)"', added.text)
        assert url, added.text
        listing = await staff.get(f"/staf/{SLUG}/produsen")
        assert name in unescape(listing.text) and "Buat tautan undangan baru" in listing.text
    finally:
        await staff.aclose()
    async with stack.client() as owner:
        path = "/undangan/" + _token(url.group(1))
        csrf = await data.csrf_token(owner, path)
        accepted = await owner.post(path, data={"password": "sandi-pemilik-2", "name": "", "_csrf_token": csrf})
        assert accepted.status_code == 303, accepted.text
        assert (await owner.get("/produsen")).status_code == 200


async def test_an_account_that_runs_another_producer_is_told_and_the_link_stays_usable(stack: Stack) -> None:
    phone = data.new_phone()
    _, first = await _add_producer(stack, f"UMKM Satu {uuid.uuid4().hex[:6]}", phone)
    async with stack.client() as owner:
        ok = await owner.post("/api/invitations/accept", json={"token": _token(first), "password": "sandi-pemilik-3"})
        assert ok.status_code == 200, ok.text
    staff = await data.staff(stack.url, "tabanio")
    try:
        created = await staff.post(
            "/api/cooperatives/tabanio/producers",
            json={"name": f"UMKM Dua {uuid.uuid4().hex[:6]}", "owner_name": "Ibu Ijah", "phone": phone},
        )
        assert created.status_code == 201, created.text
        second = _token(created.json()["invitation_url"])
    finally:
        await staff.aclose()
    async with stack.client() as owner:
        refused = await owner.post("/api/invitations/accept", json={"token": second, "password": "sandi-pemilik-3"})
        assert refused.status_code == 409 and "Satu akun hanya untuk satu produsen" in refused.json()["detail"]
        assert (await owner.get(f"/undangan/{second}")).status_code == 200
