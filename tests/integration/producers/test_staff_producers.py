"""Staff add producers on /staf/{slug}/produsen and through POST /api/cooperatives/{slug}/producers."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from producers.models import Producer
from tests.conftest import Stack
from tests.support import data


async def _producer_count(stack: Stack) -> int:
    async with stack.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Producer)) or 0)


async def test_staff_add_a_producer_with_its_permits_on_the_page(stack: Stack) -> None:
    name = f"UMKM Wadai {uuid.uuid4().hex[:6]}"
    phone = data.new_phone()
    staff = await data.staff(stack.url, "telaga-bidadari")
    try:
        page = await staff.get("/staf/telaga-bidadari/produsen")
        assert page.status_code == 200 and "Tambah produsen" in page.text
        token = await data.csrf_token(staff, "/staf/telaga-bidadari/produsen")
        form = {
            "name": name,
            "owner_name": "Ibu Ijah",
            "phone": phone,
            "nib": "1234567890123",
            "pirt_number": "2066303010123-27",
            "halal_number": "ID63110000123450124",
            "_csrf_token": token,
        }
        added = await staff.post("/staf/telaga-bidadari/produsen", data=form)
        # The page shows the owner's invitation link once, so it is rendered, not redirected.
        assert added.status_code == 200 and "Kirim lewat WhatsApp" in added.text, added.text
        listing = await staff.get("/staf/telaga-bidadari/produsen")
        assert name in listing.text and "Pemilik: Ibu Ijah" in listing.text and "NIB 1234567890123" in listing.text
        async with stack.db.session() as session:
            producer = await session.scalar(select(Producer).where(Producer.business_name == name))
            assert producer is not None
            assert producer.phone == "+62" + phone.lstrip("0")
            assert (producer.owner_name, producer.pirt_number) == ("Ibu Ijah", "2066303010123-27")
        # The new producer is offered on the new-product form.
        assert name in (await staff.get("/staf/telaga-bidadari/produk/baru")).text

        before = await _producer_count(stack)
        same_phone = await staff.post("/staf/telaga-bidadari/produsen", data={**form, "name": name + " Dua"})
        assert same_phone.status_code == 409 and "sudah dipakai produsen lain" in same_phone.text
        same_name = await staff.post(
            "/staf/telaga-bidadari/produsen", data={**form, "name": name.upper(), "phone": data.new_phone()}
        )
        assert same_name.status_code == 409 and "sudah terdaftar di koperasi ini" in same_name.text
        empty = await staff.post("/staf/telaga-bidadari/produsen", data={"_csrf_token": token, "phone": "123"})
        assert empty.status_code == 422
        for message in ("Nama usaha wajib diisi.", "Nama pemilik wajib diisi."):
            assert message in empty.text
        assert 'id="err-phone"' in empty.text
        assert await _producer_count(stack) == before
    finally:
        await staff.aclose()


async def test_the_api_adds_a_producer_and_the_same_phone_is_free_in_another_cooperative(stack: Stack) -> None:
    phone = data.new_phone()
    body = {"name": f"Kelompok Tani {uuid.uuid4().hex[:6]}", "owner_name": "Pak Udin", "phone": phone}
    staff = await data.staff(stack.url, "telaga-bidadari")
    other = await data.staff(stack.url, "tabanio")
    try:
        created = await staff.post("/api/cooperatives/telaga-bidadari/producers", json=body)
        assert created.status_code == 201, created.text
        out = created.json()
        assert set(out) == {"id", "invitation_url"} and "/undangan/" in out["invitation_url"]
        duplicate = await staff.post(
            "/api/cooperatives/telaga-bidadari/producers", json={**body, "name": body["name"] + " B"}
        )
        assert duplicate.status_code == 409 and "phone" in duplicate.json()["errors"]
        # One person may supply two cooperatives.
        elsewhere = await other.post("/api/cooperatives/tabanio/producers", json=body)
        assert elsewhere.status_code == 201
        invalid = await staff.post("/api/cooperatives/telaga-bidadari/producers", json={"name": "X", "phone": "12"})
        assert invalid.status_code == 422 and {"owner_name", "phone"} <= set(invalid.json()["errors"])
    finally:
        await staff.aclose()
        await other.aclose()


async def test_only_staff_of_this_cooperative_may_add_producers(stack: Stack) -> None:
    body = {"name": f"UMKM {uuid.uuid4().hex[:6]}", "owner_name": "Ibu Sari", "phone": data.new_phone()}
    before = await _producer_count(stack)
    async with stack.client() as visitor:
        assert (await visitor.post("/api/cooperatives/telaga-bidadari/producers", json=body)).status_code == 401
    other = await data.staff(stack.url, "tabanio")
    resident = await data.resident(stack.url, stack.db, member_of="telaga-bidadari")
    try:
        for client in (other, resident):
            assert (await client.post("/api/cooperatives/telaga-bidadari/producers", json=body)).status_code == 403
            assert (await client.get("/staf/telaga-bidadari/produsen")).status_code == 403
    finally:
        await other.aclose()
        await resident.aclose()
    assert await _producer_count(stack) == before
