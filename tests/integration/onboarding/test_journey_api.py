"""From an empty production database to a selling cooperative, through the JSON API only (no SQL, no demo data):
operator from the CLI, a cooperative in Sungai Sipai, its team, a producer, a price list, opening, a first order."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
from sqlalchemy import func, select

from app.models import Cooperative, Membership, MembershipStatus, Role, User
from catalog.models import Product
from tests.support import data
from tests.support.onboarding import (
    PRICE_LIST,
    SUNGAI_SIPAI,
    FreshSite,
    assert_empty,
    fixed_price_list,
    fresh_site,
)

PASSWORD = "sandi-rahasia-123"
CSV = "text/csv"


@pytest.fixture(params=["sqlite", "postgres"])
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FreshSite]:
    with fresh_site(request, tmp_path / "site", request.param, "pasardesa_journey_api") as made:
        yield made


def _token(url: str) -> str:
    return urlparse(url).path.rsplit("/", 1)[1]


async def _accept(site: FreshSite, url: str, name: str) -> httpx.AsyncClient:
    """The invited person opens the link (a page, not an error) and accepts it with a new password."""
    assert urlparse(url).path.startswith("/undangan/"), url
    client = site.client()
    page = await client.get(urlparse(url).path)
    assert page.status_code == 200 and name in page.text
    accepted = await client.post("/api/invitations/accept", json={"token": _token(url), "password": PASSWORD})
    assert accepted.status_code == 200, accepted.text
    return client


async def _invite(pengurus: httpx.AsyncClient, slug: str, name: str, role: str) -> tuple[str, str]:
    phone = data.new_phone()
    invited = await pengurus.post(
        f"/api/cooperatives/{slug}/invitations", json={"phone": phone, "name": name, "role": role}
    )
    assert invited.status_code == 201, invited.text
    assert invited.json()["whatsapp_url"].startswith("https://wa.me/62")
    return invited.json()["url"], phone


async def _import(client: httpx.AsyncClient, slug: str, body: bytes, *, dry_run: bool) -> httpx.Response:
    files = {"file": ("daftar-harga.csv", body, CSV)}
    form = {"dry_run": "true" if dry_run else "false"}
    return await client.post(f"/api/cooperatives/{slug}/products/import", files=files, data=form)


async def _operator_creates_the_cooperative(site: FreshSite) -> tuple[str, str]:
    """The CLI's operator sets a password and registers the cooperative with its first pengurus.
    Returns the slug and the pengurus' invitation link."""
    path = site.create_operator("Dinas Koperasi Kalimantan Selatan", data.new_phone(), "63")
    async with site.client() as operator:
        assert (await operator.get(path)).status_code == 200
        token = path.rsplit("/", 1)[1]
        done = await operator.post("/api/auth/password-setup", json={"token": token, "password": PASSWORD})
        assert done.status_code == 200, done.text
        assert done.json()["home"] == "/operator"
        body = {"name": "Koperasi Desa Merah Putih Sungai Sipai", "desa_code": SUNGAI_SIPAI,
                "whatsapp": "0812 5100 2009", "legal_number": "AHU-0002009.AH.01.29.TAHUN 2025",
                "pengurus_name": "Hj. Rusmini", "pengurus_phone": data.new_phone()}  # fmt: skip
        created = await operator.post("/api/cooperatives", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "onboarding"
    return created.json()["slug"], created.json()["invitation_url"]


async def _pengurus_builds_the_team(site: FreshSite, pengurus: httpx.AsyncClient, slug: str) -> httpx.AsyncClient:
    """A petugas and a kurir accept their invitations; the petugas' client is returned, signed in."""
    petugas_url, _ = await _invite(pengurus, slug, "Rahmadi", "petugas")
    kurir_url, _ = await _invite(pengurus, slug, "Udin Kurir", "kurir")
    petugas = await _accept(site, petugas_url, "Rahmadi")
    await (await _accept(site, kurir_url, "Udin Kurir")).aclose()
    async with site.db.session() as session:
        roles = sorted(
            await session.scalars(
                select(Membership.role)
                .join(Cooperative, Cooperative.id == Membership.cooperative_id)
                .where(Cooperative.slug == slug, Membership.status == MembershipStatus.APPROVED)
            )
        )
    assert roles == sorted([Role.PENGURUS, Role.PETUGAS, Role.KURIR])
    return petugas


async def _pengurus_stocks_the_shop(site: FreshSite, pengurus: httpx.AsyncClient, slug: str) -> None:
    """A producer, then the 20-row price list: both errors seen, nothing written, the fixed file imported."""
    producer = await pengurus.post(
        f"/api/cooperatives/{slug}/producers",
        json={"name": "UMKM Wadai Sipai", "owner_name": "Ibu Salmah", "phone": data.new_phone()},
    )
    assert producer.status_code == 201, producer.text
    checked = await _import(pengurus, slug, PRICE_LIST.read_bytes(), dry_run=True)
    assert checked.status_code == 200, checked.text
    report = checked.json()
    assert (report["rows"], report["valid"], report["created"]) == (20, 18, 0)
    assert [(e["row"], e["field"]) for e in report["errors"]] == [(14, "stok"), (19, "kategori")]
    refused = await _import(pengurus, slug, PRICE_LIST.read_bytes(), dry_run=False)
    assert refused.status_code in {200, 422} and refused.json()["created"] == 0
    async with site.db.session() as session:
        count = select(func.count()).select_from(Product).join(Cooperative).where(Cooperative.slug == slug)
        assert await session.scalar(count) == 0  # all or nothing
    applied = await _import(pengurus, slug, fixed_price_list(), dry_run=False)
    assert applied.status_code == 200, applied.text
    assert (applied.json()["created"], applied.json()["errors"]) == (20, [])
    async with site.db.session() as session:
        assert await session.scalar(count) == 20


async def _pengurus_opens_the_shop(pengurus: httpx.AsyncClient, slug: str) -> None:
    base = f"/api/cooperatives/{slug}"
    before = (await pengurus.get(f"{base}/readiness")).json()
    assert before["ready"] is False
    # The team and the goods are in; the shop's own details are not yet.
    assert [s["key"] for s in before["steps"] if not s["done"]] == ["profile", "pickup", "payment", "delivery"]
    assert (await pengurus.post(f"{base}/open", json={})).status_code == 409
    details = {"opening_hours": "Senin–Sabtu 07.30–16.00", "pickup_address": "Balai Desa Sungai Sipai, Martapura",
               "payment_methods": ["cash"], "delivery": "pickup_only"}  # fmt: skip
    saved = await pengurus.patch(base, json=details)
    assert saved.status_code == 200, saved.text
    after = (await pengurus.get(f"{base}/readiness")).json()
    assert after["ready"] is True and all(step["done"] for step in after["steps"]), after
    opened = await pengurus.post(f"{base}/open", json={})
    assert opened.status_code == 200, opened.text
    assert opened.json()["status"] == "open"


async def _resident_orders(site: FreshSite, slug: str) -> str:
    """A resident signs up, finds the shop on `/`, and orders two of the imported goods for pickup."""
    async with site.client() as resident:
        await data.signup(resident, name="Ibu Aminah")
        home = await resident.get("/")
        assert f'href="/k/{slug}"' in home.text
        listed = (await resident.get("/api/cooperatives")).json()
        assert slug in str(listed)
        products = (await resident.get(f"/api/cooperatives/{slug}/products", params={"per_page": 100})).json()
        by_name = {p["name"]: p for p in products["items"]}
        lines = [{"product_id": by_name["Gula Aren 500 g"]["id"], "quantity": 2},
                 {"product_id": by_name["Wadai Bingka"]["id"], "quantity": 1}]  # fmt: skip
        body = data.order_body(0, customer={"name": "Ibu Aminah", "phone": "0812 3456 2009"}, lines=lines)
        placed = await resident.post(f"/api/cooperatives/{slug}/orders", json=body)
    assert placed.status_code == 201, placed.text
    assert placed.json()["total"] == 2 * 25_000 + 45_000
    return str(placed.json()["number"])


async def _petugas_fulfils(site: FreshSite, petugas: httpx.AsyncClient, number: str) -> None:
    for step in ("confirmed", "packed", "ready_for_pickup"):
        moved = await petugas.post(f"/api/orders/{number}/transitions", json={"to": step})
        assert moved.status_code == 200, (step, moved.text)
    paid = await petugas.post(f"/api/orders/{number}/payment", json={"status": "paid", "method": "cash"})
    assert paid.status_code == 200, paid.text
    done = await petugas.post(f"/api/orders/{number}/transitions", json={"to": "completed"})
    assert done.status_code == 200, done.text
    order = await data.order_row(site.db, number)
    assert (order.status, order.payment_status) == ("completed", "paid")


async def test_an_empty_instance_becomes_a_selling_cooperative_through_the_api(site: FreshSite) -> None:
    await assert_empty(site.db)
    async with site.client() as visitor:
        assert "Belum ada koperasi" in (await visitor.get("/")).text
    slug, pengurus_url = await _operator_creates_the_cooperative(site)
    coop = await data.cooperative(site.db, slug)
    assert (coop.kode_wilayah, coop.kabupaten, coop.provinsi) == (SUNGAI_SIPAI, "Kabupaten Banjar",
                                                                 "Kalimantan Selatan")  # fmt: skip

    async with AsyncExitStack() as clients:
        pengurus = await _accept(site, pengurus_url, "Hj. Rusmini")
        clients.push_async_callback(pengurus.aclose)
        petugas = await _pengurus_builds_the_team(site, pengurus, slug)
        clients.push_async_callback(petugas.aclose)
        await _pengurus_stocks_the_shop(site, pengurus, slug)
        await _pengurus_opens_the_shop(pengurus, slug)
        number = await _resident_orders(site, slug)
        await _petugas_fulfils(site, petugas, number)

    async with site.db.session() as session:
        # Everyone in the database came through the journey: the operator, three staff, one resident.
        assert await session.scalar(select(func.count()).select_from(User)) == 5
        assert await session.scalar(select(func.count()).select_from(Cooperative)) == 1


async def test_a_producer_added_by_staff_comes_with_an_invitation_for_its_owner(site: FreshSite) -> None:
    slug, pengurus_url = await _operator_creates_the_cooperative(site)
    pengurus = await _accept(site, pengurus_url, "Hj. Rusmini")
    try:
        owner_phone = data.new_phone()
        added = await pengurus.post(
            f"/api/cooperatives/{slug}/producers",
            json={"name": "UMKM Amplang Sipai", "owner_name": "Pak Jailani", "phone": owner_phone},
        )
        assert added.status_code == 201, added.text
        url = added.json()["invitation_url"]
        assert url and urlparse(url).path.startswith("/undangan/"), added.json()
        owner = await _accept(site, url, "Pak Jailani")
        await owner.aclose()
    finally:
        await pengurus.aclose()
