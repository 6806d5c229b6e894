"""Onboarding rules without a database: time zones, names and slugs, the checklist, the operator's states."""

from __future__ import annotations

import datetime

import pytest

from app.models import Cooperative, CooperativeStatus
from onboarding.overviews import DORMANT, INACTIVE, state_of
from onboarding.readiness import MIN_PRODUCTS, Counts, payment_methods_of, steps_for
from onboarding.registration import normalise_legal_number, order_prefix, short_name, slug_base, timezone_for

NOW = datetime.datetime(2026, 12, 1, 8, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("code", "zone"),
    [
        ("63.03.04.2004", "Asia/Makassar"),  # Kalimantan Selatan: WITA
        ("31.71.01.1001", "Asia/Jakarta"),
        ("36.01.01.2001", "Asia/Jakarta"),
        ("61.01.01.2001", "Asia/Pontianak"),
        ("51.01.01.2001", "Asia/Makassar"),
        ("73.71.01.1001", "Asia/Makassar"),
        ("81.01.01.2001", "Asia/Jayapura"),
        ("94.01.01.2001", "Asia/Jayapura"),
    ],
)
def test_time_zone_follows_the_province(code: str, zone: str) -> None:
    assert timezone_for(code) == zone


def test_names_slugs_and_prefixes() -> None:
    assert short_name("Koperasi Desa Merah Putih Lok Baintan") == "KDMP Lok Baintan"
    assert short_name("Koperasi Kelurahan Merah Putih Kuin Utara") == "KKMP Kuin Utara"
    assert slug_base("Koperasi Desa Merah Putih Lok Baintan") == "kdmp-lok-baintan"
    assert slug_base("Koperasi Produsen Tani Jaya") == "kop-produsen-tani-jaya"
    assert slug_base("!!!") == "koperasi"
    assert order_prefix("Lok Baintan") == "LOK"
    assert order_prefix("Ai") == "AIK"
    assert normalise_legal_number("  ahu-001.ah.01  tahun 2025 ") == "AHU-001.AH.01 TAHUN 2025"
    assert normalise_legal_number("   ") is None


def _coop(**fields: object) -> Cooperative:
    base: dict[str, object] = {"id": 1, "slug": "k", "name": "K", "short_name": "K", "whatsapp": "6281200000101"}
    return Cooperative(**{**base, **fields})


def test_checklist_is_done_only_when_every_step_is() -> None:
    empty = steps_for(_coop(), Counts(helpers=0, zones=0, products_in_stock=0))
    assert not empty.ready and empty.done_count == 0
    assert empty.missing == ["profile", "pickup", "staff", "payment", "delivery", "products"]
    filled = _coop(opening_hours="07.00–16.00", pickup_address="Balai desa", payment_methods="cash",
                   delivery_mode="pickup_only")  # fmt: skip
    assert steps_for(filled, Counts(1, 0, MIN_PRODUCTS)).ready
    assert steps_for(filled, Counts(1, 0, MIN_PRODUCTS - 1)).missing == ["products"]
    assert steps_for(filled, Counts(0, 0, MIN_PRODUCTS)).missing == ["staff"]
    zones = _coop(opening_hours="x", pickup_address="y", payment_methods="cash", delivery_mode="zones")
    assert steps_for(zones, Counts(1, 0, 9)).missing == ["delivery"]
    assert steps_for(zones, Counts(1, 1, 9)).ready


def test_payment_methods_are_read_in_a_fixed_order() -> None:
    assert payment_methods_of(_coop(payment_methods="qris,cash,bogus")) == ["cash", "qris"]
    assert payment_methods_of(_coop(payment_methods=None)) == []


def test_an_open_shop_without_orders_for_30_days_is_dormant() -> None:
    old = NOW - datetime.timedelta(days=40)
    shop = _coop(status=CooperativeStatus.OPEN, is_active=True, opened_at=old, created_at=old)
    assert state_of(shop, None, NOW) == DORMANT
    assert state_of(shop, NOW - datetime.timedelta(days=3), NOW) == CooperativeStatus.OPEN
    fresh = _coop(status=CooperativeStatus.OPEN, is_active=True, opened_at=NOW - datetime.timedelta(days=2))
    assert state_of(fresh, None, NOW) == CooperativeStatus.OPEN
    assert state_of(_coop(status=CooperativeStatus.ONBOARDING, is_active=True), None, NOW) == "onboarding"
    assert state_of(_coop(status=CooperativeStatus.OPEN, is_active=False), None, NOW) == INACTIVE
