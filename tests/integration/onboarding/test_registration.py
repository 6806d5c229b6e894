"""Registering cooperatives through the API and the pages: create, apply, approve, reject, duplicates, pickers."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.audit import AuditEntry
from app.models import CooperativeStatus, FacilitatorAssignment, Membership, Role
from tests.conftest import Stack
from tests.integration.onboarding.support import cooperative_row, free_desas
from tests.support.roles import Cast, signed_in_cast


@pytest.fixture
async def cast(stack: Stack) -> object:
    async with signed_in_cast(stack.url, stack.db) as made:
        yield made


async def _actions(stack: Stack, cooperative_id: int) -> list[str]:
    async with stack.db.session() as session:
        rows = await session.scalars(
            select(AuditEntry.action).where(AuditEntry.cooperative_id == cooperative_id).order_by(AuditEntry.id)
        )
        return list(rows)


async def test_operator_creates_a_cooperative_placed_by_its_desa_code(stack: Stack, cast: Cast) -> None:
    desa, second = await free_desas(stack.db, "63.03", 2)
    legal = f"AHU-{cast.cooperative_id:05d}.AH.01.29.TAHUN 2025"
    body = {"name": "Koperasi Desa Merah Putih Uji Daftar", "desa_code": desa, "whatsapp": "0812 3456 7001",
            "legal_number": legal}  # fmt: skip
    response = await cast.clients["operator"].post("/api/cooperatives", json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["status"] == "onboarding" and created["slug"].startswith("kdmp-uji-daftar")
    coop = await cooperative_row(stack.db, created["slug"])
    assert coop.kode_wilayah == desa and coop.kabupaten == "Kabupaten Banjar"
    assert coop.provinsi == "Kalimantan Selatan" and coop.timezone == "Asia/Makassar"
    assert coop.whatsapp == "6281234567001" and coop.short_name == "KDMP Uji Daftar"
    assert await _actions(stack, coop.id) == ["cooperative.created"]

    # The same desa, or the same legal number elsewhere: refused with a clear message; nothing is written.
    again = await cast.clients["operator"].post("/api/cooperatives", json={**body, "legal_number": None})
    assert again.status_code == 409 and "Desa ini sudah punya koperasi" in again.json()["detail"]
    twin = await cast.clients["operator"].post("/api/cooperatives", json={**body, "desa_code": second,
                                                                        "legal_number": legal.lower()})  # fmt: skip
    assert twin.status_code == 409 and "Nomor badan hukum ini sudah dipakai" in twin.json()["detail"]
    applied = await cast.clients["resident"].post("/api/cooperatives/applications", json={**body, "legal_number": None})
    assert applied.status_code == 409

    # Outside the operator's region, or not a desa: refused.
    outside = await cast.clients["other_operator"].post("/api/cooperatives", json={**body, "desa_code": second,
                                                                                 "legal_number": None})  # fmt: skip
    assert outside.status_code == 403
    bad = await cast.clients["operator"].post("/api/cooperatives", json={**body, "desa_code": "63.03"})
    assert bad.status_code == 422 and "desa_code" in bad.json()["errors"]


async def test_a_pendamping_who_creates_one_is_assigned_and_may_invite_its_pengurus(stack: Stack, cast: Cast) -> None:
    (desa,) = await free_desas(stack.db, "63.01", 1)
    body = {"name": "Koperasi Desa Merah Putih Uji Dampingan", "desa_code": desa, "whatsapp": "081234567002",
            "pengurus_name": "Ibu Pengurus", "pengurus_phone": "0857 1111 2222"}  # fmt: skip
    response = await cast.clients["unassigned_pendamping"].post("/api/cooperatives", json=body)
    assert response.status_code == 201, response.text
    assert "/undangan/" in response.json()["invitation_url"]
    assert response.json()["whatsapp_url"].startswith("https://wa.me/62857")
    coop = await cooperative_row(stack.db, response.json()["slug"])
    async with stack.db.session() as session:
        assigned = await session.scalar(
            select(FacilitatorAssignment.user_id).where(FacilitatorAssignment.cooperative_id == coop.id)
        )
    assert assigned == cast.users["unassigned_pendamping"]
    assert await _actions(stack, coop.id) == ["cooperative.created", "pendamping.assigned", "invitation.created"]


async def test_an_application_waits_then_is_approved_or_rejected(stack: Stack, cast: Cast) -> None:
    first, second = await free_desas(stack.db, "63.03", 2)
    body = {"name": "Koperasi Desa Merah Putih Uji Ajuan", "desa_code": first, "whatsapp": "081234567003",
            "nik_koperasi": "6303040010001"}  # fmt: skip
    resident = cast.clients["resident"]
    response = await resident.post("/api/cooperatives/applications", json=body)
    assert response.status_code == 201 and response.json()["status"] == "applied"
    slug = response.json()["slug"]
    # Waiting: not listed, not selling, and the other region's operator cannot decide on it.
    for outsider in ("other_operator", "assigned_pendamping"):
        assert (await cast.clients[outsider].post(f"/api/cooperatives/{slug}/approve", json={})).status_code == 403
    approved = await cast.clients["operator"].post(f"/api/cooperatives/{slug}/approve", json={})
    assert approved.status_code == 200 and approved.json()["status"] == "onboarding"
    coop = await cooperative_row(stack.db, slug)
    async with stack.db.session() as session:
        role = await session.scalar(
            select(Membership.role).where(
                Membership.cooperative_id == coop.id, Membership.user_id == cast.users["resident"]
            )
        )
    assert role == Role.PENGURUS
    assert (await cast.clients["operator"].post(f"/api/cooperatives/{slug}/approve", json={})).status_code == 409
    assert await _actions(stack, coop.id) == ["cooperative.applied", "cooperative.approved"]

    other = await resident.post("/api/cooperatives/applications", json={**body, "desa_code": second})
    other_slug = other.json()["slug"]
    assert other_slug != slug
    no_reason = await cast.clients["operator"].post(f"/api/cooperatives/{other_slug}/reject", json={"reason": " "})
    assert no_reason.status_code == 422
    rejected = await cast.clients["operator"].post(
        f"/api/cooperatives/{other_slug}/reject", json={"reason": "Nomor badan hukum belum terdaftar di AHU."}
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    page = await resident.get("/daftar-koperasi")
    assert "Alasan penolakan: Nomor badan hukum belum terdaftar di AHU." in page.text
    assert (await resident.get(f"/k/{other_slug}")).status_code == 404


async def test_the_application_page_works_with_and_without_htmx(stack: Stack, cast: Cast) -> None:
    client = cast.clients["member"]
    # No JavaScript: each step is a plain GET that shows the next list.
    page = await client.get("/daftar-koperasi")
    assert page.status_code == 200 and 'value="63" selected' in page.text and 'name="kecamatan"' not in page.text
    step = await client.get("/daftar-koperasi", params={"provinsi": "63", "kabupaten": "63.03"})
    assert 'value="63.03.04"' in step.text and 'name="desa_code"' not in step.text
    params = {"provinsi": "63", "kabupaten": "63.03", "kecamatan": "63.03.04"}
    step = await client.get("/daftar-koperasi", params=params)
    assert 'value="63.03.04.2004"' in step.text and "Lok Baintan" in step.text
    # htmx: only the picker comes back.
    swap = await client.get(
        "/daftar-koperasi", params={"provinsi": "63", "kabupaten": "63.03"}, headers={"HX-Request": "true"}
    )
    assert swap.status_code == 200 and "<html" not in swap.text and 'id="picker"' in swap.text
    assert "HX-Request" in swap.headers["vary"]
    # Another province resets the levels below it.
    other = await client.get("/daftar-koperasi", params={"provinsi": "64", "kabupaten": "63.03"})
    assert 'value="64.01"' in other.text and 'name="kecamatan"' not in other.text

    (desa,) = await free_desas(stack.db, "63.03", 1)
    form = {"name": "Koperasi Desa Merah Putih Uji Formulir", "desa_code": desa, "whatsapp": "081234567004",
            "legal_number": "", "_csrf_token": cast.csrf("member")}  # fmt: skip
    sent = await client.post("/daftar-koperasi", data=form, follow_redirects=False)
    assert sent.status_code == 303, sent.text[:500]
    listed = await client.get("/daftar-koperasi")
    assert "Uji Formulir" in listed.text and "Menunggu persetujuan" in listed.text
    refused = await client.post("/daftar-koperasi", data={**form, "whatsapp": "12"}, follow_redirects=False)
    assert refused.status_code == 422 and 'id="err-whatsapp"' in refused.text
    assert re.search(r'value="Koperasi Desa Merah Putih Uji Formulir"', refused.text)


async def test_the_operator_page_lists_waiting_registrations_and_acts_on_them(stack: Stack, cast: Cast) -> None:
    (desa,) = await free_desas(stack.db, "63.03", 1)
    body = {"name": "Koperasi Desa Merah Putih Uji Operator", "desa_code": desa, "whatsapp": "081234567005"}
    slug = (await cast.clients["member"].post("/api/cooperatives/applications", json=body)).json()["slug"]
    operator = cast.clients["operator"]
    page = await operator.get("/operator")
    assert page.status_code == 200 and f'id="daftar-{slug}"' in page.text and "Mengajukan pendaftaran" in page.text
    assert f'id="daftar-{slug}"' not in (await cast.clients["other_operator"].get("/operator")).text
    done = await operator.post(
        f"/operator/koperasi/{slug}/setujui", data={"_csrf_token": cast.csrf("operator")}, follow_redirects=False
    )
    assert done.status_code == 303
    assert (await cooperative_row(stack.db, slug)).status == CooperativeStatus.ONBOARDING
    assign = await operator.post(
        f"/operator/koperasi/{slug}/pendamping",
        data={"user_id": str(cast.users["unassigned_pendamping"]), "_csrf_token": cast.csrf("operator")},
        follow_redirects=False,
    )
    assert assign.status_code == 303
    pendamping_page = await cast.clients["unassigned_pendamping"].get("/pendamping")
    assert "Uji Operator" in pendamping_page.text and "Persiapan 0/6" in pendamping_page.text
    granted = await operator.post(
        "/operator/pendamping-baru",
        data={"name": "Pendamping Baru", "phone": "0857 3333 4444", "_csrf_token": cast.csrf("operator")},
    )
    assert granted.status_code == 200 and "/atur-sandi/" in granted.text and "https://wa.me/62857" in granted.text
    off = await operator.post(
        f"/operator/koperasi/{slug}/nonaktifkan", data={"_csrf_token": cast.csrf("operator")}, follow_redirects=False
    )
    assert off.status_code == 303 and not (await cooperative_row(stack.db, slug)).is_active
