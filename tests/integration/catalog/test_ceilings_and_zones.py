"""Price ceilings as data and delivery zones, over HTTP and straight against the database."""

from __future__ import annotations

import datetime

import pytest
from sqlalchemy import delete, select

from catalog import services as catalog
from catalog.ceilings import PriceAboveCeiling
from catalog.models import PriceCeiling, Product
from orders.models import DeliveryZone
from tests.conftest import Stack
from tests.support import data


async def _save_terms(client, product_id: int, **fields: str):
    token = await data.csrf_token(client, f"/staf/lok-baintan/produk/{product_id}")
    return await client.post(f"/staf/lok-baintan/produk/{product_id}", data={"_csrf_token": token, **fields})


async def test_staff_cannot_price_above_the_active_het(stack: Stack) -> None:
    oil = await data.make_product(stack.db, price=31_000, producer_price=28_000, ceiling=("minyakita", 2000))
    staff = await data.staff(stack.url)
    try:
        page = await staff.get(f"/staf/lok-baintan/produk/{oil.id}")
        assert "HET (harga eceran tertinggi): <strong>Rp31.400</strong>" in page.text
        refused = await _save_terms(staff, oil.id, retail_price="31500")
        assert refused.status_code == 422
        assert "melebihi HET (harga eceran tertinggi) Rp31.400 (Permendag 18/2024" in refused.text
        async with stack.db.session() as session:
            assert (await session.get(Product, oil.id)).retail_price == 31_000  # type: ignore[union-attr]
        # Written the Indonesian way, "31.400" is the same price here as on the review page.
        accepted = await _save_terms(
            staff, oil.id, retail_price="31.400", members_only="1", quota_qty="4", quota_period="week"
        )
        assert accepted.status_code == 303
        detail = (await staff.get(f"/api/products/{oil.id}")).json()
        assert (detail["price"], detail["het"], detail["members_only"]) == (31_400, 31_400, True)
        assert (detail["quota_qty"], detail["quota_period"]) == (4, "week")
        bad_quota = await _save_terms(staff, oil.id, retail_price="31400", quota_qty="4")
        assert bad_quota.status_code == 422 and "periode kuota" in bad_quota.text
    finally:
        await staff.aclose()


async def test_above_hap_is_allowed_with_a_warning(stack: Stack) -> None:
    sugar = await data.make_product(stack.db, price=17_000, producer_price=15_000, ceiling=("gula-pasir", 1000))
    staff = await data.staff(stack.url)
    try:
        saved = await _save_terms(staff, sugar.id, retail_price="18000")
        assert saved.status_code == 303
        page = await staff.get(saved.headers["location"])
        assert "di atas harga acuan pemerintah (HAP) Rp17.500" in page.text
    finally:
        await staff.aclose()


async def test_het_is_enforced_wherever_the_price_is_set(stack: Stack) -> None:
    """Code that writes a product without the staff form (an import, another feature) is refused too."""
    gas = await data.make_product(stack.db, price=18_000, producer_price=15_250, ceiling=("lpg-3kg", 1000))
    async with stack.db.session(write=True) as session:
        row = await session.get(Product, gas.id)
        assert row is not None
        row.retail_price = 19_000
        with pytest.raises(PriceAboveCeiling, match=r"Rp18\.500"):
            await session.flush()
        await session.rollback()
    with pytest.raises(PriceAboveCeiling):
        await data.make_product(stack.db, price=66_000, ceiling=("beras-sphp", 5000))
    assert await data.stock_of(stack.db, gas.id) == 10


async def test_a_ceiling_applies_from_its_start_date(stack: Stack) -> None:
    later = datetime.date.today() + datetime.timedelta(days=2)
    async with stack.db.session(write=True) as session:
        session.add(
            PriceCeiling(
                commodity="uji-komoditas",
                name="Komoditas uji",
                kind="het",
                amount=10_000,
                unit="kg",
                region="Kalimantan Selatan",
                provinces=["Kalimantan Selatan"],
                starts_on=later,
                legal_basis="Keputusan uji (belum berlaku)",
            )
        )
        await session.commit()
    try:
        # Not in force yet: a higher price is still allowed today.
        product = await data.make_product(stack.db, price=12_000, ceiling=("uji-komoditas", 1000))
        async with stack.client() as client:
            detail = (await client.get(f"/api/products/{product.id}")).json()
        assert detail["het"] is None
    finally:
        async with stack.db.session(write=True) as session:
            await session.execute(delete(PriceCeiling).where(PriceCeiling.commodity == "uji-komoditas"))
            await session.commit()


async def test_loading_ceilings_twice_adds_nothing(stack: Stack) -> None:
    async with stack.db.session(write=True) as session:
        before = len((await session.scalars(select(PriceCeiling))).all())
        added = await catalog.load_ceilings(session, catalog.read_ceilings())
        await session.commit()
    assert added == 0 and before >= len(catalog.read_ceilings())


async def test_staff_configure_delivery_zones_and_the_fee_is_on_the_order(stack: Stack) -> None:
    product = await data.make_product(stack.db, "telaga-bidadari", stock=5, price=20_000)
    staff = await data.staff(stack.url, "telaga-bidadari")
    other = await data.staff(stack.url, "lok-baintan")
    try:
        zones = "/staf/telaga-bidadari/pengaturan/antar"
        token = await data.csrf_token(staff, "/staf/telaga-bidadari/pengaturan")
        added = await staff.post(zones, data={"_csrf_token": token, "name": "Kampung Dodol", "fee": "4.000"})
        assert added.status_code == 303
        duplicate = await staff.post(zones, data={"_csrf_token": token, "name": "kampung dodol", "fee": "1"})
        # Buyers' choices match names regardless of case and spacing, so neither may tell two zones apart.
        assert duplicate.status_code == 422 and "sudah ada" in duplicate.text
        bad_fee = await staff.post(zones, data={"_csrf_token": token, "name": "X", "fee": "-5"})
        assert bad_fee.status_code == 422 and "Ongkos antar paling sedikit Rp0" in bad_fee.text
        async with stack.db.session() as session:
            zone = await session.scalar(select(DeliveryZone).where(DeliveryZone.name == "Kampung Dodol"))
            assert zone is not None and zone.fee == 4_000
        # Staff of another cooperative cannot change it.
        other_token = await data.csrf_token(other, "/staf/lok-baintan/pengaturan")
        hijack = await other.post(
            "/staf/lok-baintan/pengaturan/antar",
            data={
                "_csrf_token": other_token,
                "zone_id": str(zone.id),
                "name": "Diambil alih",
                "fee": "0",
                "active": "1",
            },
        )
        assert hijack.status_code == 404

        async with stack.client() as guest:
            checkout_body = data.order_body(
                product.id, 2, fulfilment="delivery", address={"dusun": "kampung  dodol", "landmark": "dekat pasar"}
            )
            order = await guest.post("/api/cooperatives/telaga-bidadari/orders", json=checkout_body)
            assert order.status_code == 201, order.text
            body = order.json()
            assert (body["subtotal"], body["delivery_fee"], body["total"]) == (40_000, 4_000, 44_000)
            assert body["address"]["dusun"] == "Kampung Dodol"
            unknown = await guest.post(
                "/api/cooperatives/telaga-bidadari/orders",
                json=data.order_body(product.id, 1, fulfilment="delivery", address={"dusun": "Dusun Jauh"}),
            )
            assert unknown.status_code == 422 and "Kampung Dodol" in unknown.json()["errors"]["dusun"]

        # Switched off, the zone is no longer offered.
        off = await staff.post(
            "/staf/telaga-bidadari/pengaturan/antar",
            data={"_csrf_token": token, "zone_id": str(zone.id), "name": "Kampung Dodol", "fee": "4000"},
        )
        assert off.status_code == 303
        async with stack.client() as guest:
            gone = await guest.post("/api/cooperatives/telaga-bidadari/orders", json=checkout_body)
            assert gone.status_code == 422
    finally:
        await staff.aclose()
        await other.aclose()
