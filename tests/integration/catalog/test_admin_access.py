"""The onboarding routes for goods and lists (new product, price-list and member imports, producers) × every role.

Pengurus and petugas change the cooperative's goods, the bendahara and the pengawas only read them, the
pendamping acts like the pengurus until the cooperative opens; the member list is the pengurus's. Everyone
else is refused (a signed-out page visitor is sent to log in, an API caller gets 401), and a refusal changes
nothing: products, producers, memberships, invitations, links, audit entries and kept uploads are counted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import func, select

from app.models import CooperativeStatus, WebSession
from catalog.models import Product
from producers.models import Producer
from tests.conftest import Stack
from tests.support import data
from tests.support.roles import ROLES, Cast, signed_in_cast, snapshot

READERS = {"petugas", "bendahara", "pengawas", "pengurus", "assigned_pendamping"}
GOODS = {
    CooperativeStatus.ONBOARDING: {"petugas", "pengurus", "assigned_pendamping"},
    CooperativeStatus.OPEN: {"petugas", "pengurus"},
}
MEMBER_LIST = {
    CooperativeStatus.ONBOARDING: {"pengurus", "assigned_pendamping"},
    CooperativeStatus.OPEN: {"pengurus"},
}
PRICE_HEADER = "nama,kategori,satuan,harga,stok\n"
MEMBER_HEADER = "nama,no_hp,nomor_anggota,nik\n"


@dataclass
class Setting:
    cast: Cast
    status: str
    producer_id: int


def _refused(role: str, response: httpx.Response, *, api: bool) -> None:
    if role == "anonymous":
        if api:
            assert response.status_code == 401, response.text
        else:
            assert response.status_code == 303 and response.headers["location"].startswith("/masuk?lanjut=")
    else:
        assert response.status_code == 403, (role, response.status_code, response.text[:300])


async def _counts(stack: Stack, cooperative_id: int) -> tuple[int, ...]:
    """The roles snapshot, plus the goods and the uploads kept between preview and apply."""
    async with stack.db.session() as session:
        products = await session.scalar(
            select(func.count()).select_from(Product).where(Product.cooperative_id == cooperative_id)
        )
        producers = await session.scalar(
            select(func.count()).select_from(Producer).where(Producer.cooperative_id == cooperative_id)
        )
        kept = await session.scalar(
            select(func.count())
            .select_from(WebSession)
            .where(WebSession.namespace.in_(["impor-harga", "impor-anggota"]))
        )
    extra = (int(products or 0), int(producers or 0), int(kept or 0))
    return await snapshot(stack.db, cooperative_id) + extra


def _tag() -> str:
    return uuid.uuid4().hex[:8]


def _price_list() -> bytes:
    tag = _tag()
    return (PRICE_HEADER + f"Kerupuk Akses {tag},Sembako,bungkus,5000,10\n").encode()


def _member_list() -> bytes:
    tag = _tag()
    return (MEMBER_HEADER + f"Anggota Akses {tag},{data.new_phone()},AKS-{tag},\n").encode()


@pytest.fixture(params=[CooperativeStatus.ONBOARDING, CooperativeStatus.OPEN])
async def setting(stack: Stack, request: pytest.FixtureRequest) -> object:
    async with signed_in_cast(stack.url, stack.db, status=request.param) as cast:
        async with stack.db.session(write=True) as session:
            producer = Producer(
                cooperative_id=cast.cooperative_id,
                slug=f"umkm-akses-{_tag()}",
                business_name="UMKM Akses",
                owner_name="Ibu Akses",
                phone="+62" + data.new_phone()[1:],
            )
            session.add(producer)
            await session.commit()
            producer_id = producer.id
        yield Setting(cast=cast, status=request.param, producer_id=producer_id)


async def test_pages(stack: Stack, setting: Setting) -> None:
    cast = setting.cast
    base = f"/staf/{cast.slug}"
    pages = {
        f"{base}/produk/baru": READERS,
        f"{base}/produk/impor": READERS,
        f"{base}/produk/impor/templat": READERS,
        f"{base}/produsen": READERS,
        f"{base}/anggota/impor": MEMBER_LIST[setting.status],
        f"{base}/anggota/impor/templat": MEMBER_LIST[setting.status],
    }
    for path, allowed in pages.items():
        for role in ROLES:
            response = await cast.clients[role].get(path, follow_redirects=False)
            if role in allowed:
                assert response.status_code == 200, (role, path, response.status_code)
            else:
                _refused(role, response, api=False)


async def test_page_actions(stack: Stack, setting: Setting) -> None:
    cast = setting.cast
    base = f"/staf/{cast.slug}"
    goods, members = GOODS[setting.status], MEMBER_LIST[setting.status]
    for role in ROLES:
        client = cast.clients[role]
        token = {"_csrf_token": cast.csrf(role)}
        product = {"name": f"Kerupuk Akses {_tag()}", "category": "sembako", "unit": "bungkus", "price": "5000",
                   "stock": "5"}  # fmt: skip
        producer = {"name": f"UMKM {_tag()}", "owner_name": "Ibu Uji", "phone": data.new_phone()}
        actions = [
            # (method path, body, files, who may, the status they get)
            (f"{base}/produk/baru", {**token, **product}, None, goods, 303),
            (f"{base}/produk/impor", token, {"file": ("harga.csv", _price_list(), "text/csv")}, goods, 200),
            (f"{base}/produk/impor/terapkan", {**token, "key": "tidak-ada"}, None, goods, 404),
            (f"{base}/produsen", {**token, **producer}, None, goods, 200),
            (f"{base}/produsen/{setting.producer_id}/undang", token, None, goods, 200),
            (f"{base}/anggota/impor", token, {"file": ("anggota.csv", _member_list(), "text/csv")}, members, 200),
            (f"{base}/anggota/impor/terapkan", {**token, "key": "tidak-ada"}, None, members, 404),
        ]
        for path, body, files, allowed, status in actions:
            before = await _counts(stack, cast.cooperative_id)
            response = await client.post(path, data=body, files=files, follow_redirects=False)
            if role in allowed:
                assert response.status_code == status, (role, path, response.status_code, response.text[:300])
            else:
                _refused(role, response, api=False)
                assert await _counts(stack, cast.cooperative_id) == before, (role, path)


async def test_api(stack: Stack, setting: Setting) -> None:
    cast = setting.cast
    api = f"/api/cooperatives/{cast.slug}"
    goods, members = GOODS[setting.status], MEMBER_LIST[setting.status]
    for role in ROLES:
        client = cast.clients[role]
        product = {"name": f"Kerupuk Akses {_tag()}", "category": "sembako", "unit": "bungkus", "price": 5000}
        calls = [
            (f"{api}/products", {"json": {**product, "stock": 5}}, goods, 201),
            (
                f"{api}/products/import",
                {"data": {"dry_run": "false"}, "files": {"file": ("harga.csv", _price_list(), "text/csv")}},
                goods,
                200,
            ),
            (
                f"{api}/producers",
                {"json": {"name": f"UMKM {_tag()}", "owner_name": "Ibu Uji", "phone": data.new_phone()}},
                goods,
                201,
            ),
            (
                f"{api}/members/import",
                {"data": {"dry_run": "false"}, "files": {"file": ("anggota.csv", _member_list(), "text/csv")}},
                members,
                200,
            ),
        ]
        for path, body, allowed, status in calls:
            before = await _counts(stack, cast.cooperative_id)
            response = await client.post(path, **body)  # type: ignore[arg-type]
            if role in allowed:
                assert response.status_code == status, (role, path, response.status_code, response.text[:300])
                if path.endswith("/import"):
                    assert response.json()["created"] == 1, response.text
            else:
                _refused(role, response, api=True)
                assert response.json()["status"] in {401, 403}
                assert await _counts(stack, cast.cooperative_id) == before, (role, path)
