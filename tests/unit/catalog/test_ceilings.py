"""Price ceilings as data: which HET/HAP applies on a day, in a province, to a pack size; HET refuses, HAP warns."""

from __future__ import annotations

import datetime

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.errors import InvalidInput
from catalog import ceilings
from catalog.ceilings import (
    PriceAboveCeiling,
    ProductCeilings,
    applicable_ceilings,
    check_price,
    install_ceiling_guard,
    per_product_unit,
)
from catalog.models import PriceCeiling
from producers import models as _producer_models  # noqa: F401  (Product.producer must resolve to build models)

KALSEL = "Kalimantan Selatan"
D = datetime.date


def ceiling(commodity: str, kind: str, amount: int, starts: str, *, provinces: list[str] | None = None, **kw: object):
    return PriceCeiling(
        commodity=commodity,
        name=commodity,
        kind=kind,
        amount=amount,
        unit="kg",
        region="uji",
        provinces=provinces or [],
        starts_on=D.fromisoformat(starts),
        ends_on=kw.get("ends_on"),
        legal_basis=f"Peraturan {commodity} {starts}",
    )


RICE = [
    ceiling("beras-medium", "het", 12_500, "2023-03-01", provinces=[KALSEL]),
    ceiling("beras-medium", "het", 14_000, "2025-08-22", provinces=[KALSEL]),
    ceiling("beras-medium", "het", 13_000, "2025-08-22", provinces=["Jawa Barat"]),
    ceiling("gula-pasir", "hap", 17_500, "2025-01-01"),
]


def applied(rows, commodity, on, *, milli=1000, provinsi=KALSEL, own_het=None, own_hap=None) -> ProductCeilings:
    return applicable_ceilings(
        rows,
        commodity=commodity,
        units_milli=milli,
        own_het=own_het,
        own_het_basis="SK lokal" if own_het else None,
        own_hap=own_hap,
        provinsi=provinsi,
        on=on,
    )


def test_newest_decree_in_force_applies() -> None:
    assert applied(RICE, "beras-medium", D(2025, 8, 21)).het.amount == 12_500  # type: ignore[union-attr]
    found = applied(RICE, "beras-medium", D(2025, 8, 22)).het
    assert found is not None and found.amount == 14_000
    assert found.legal_basis == "Peraturan beras-medium 2025-08-22"
    assert found.starts_on == D(2025, 8, 22)


def test_a_ceiling_before_its_start_date_does_not_apply() -> None:
    assert not applied(RICE, "beras-medium", D(2023, 2, 28))


def test_ends_on_is_exclusive() -> None:
    rows = [ceiling("minyakita", "het", 14_000, "2023-01-01", ends_on=D(2024, 8, 14))]
    assert applied(rows, "minyakita", D(2024, 8, 13)).het is not None
    assert applied(rows, "minyakita", D(2024, 8, 14)).het is None


def test_region_decides() -> None:
    assert applied(RICE, "beras-medium", D(2026, 1, 1), provinsi="Jawa Barat").het.amount == 13_000  # type: ignore[union-attr]
    assert applied(RICE, "beras-medium", D(2026, 1, 1), provinsi="Papua").het is None
    # Case and spacing of the province name do not matter; an empty list means nationwide.
    assert applied(RICE, "beras-medium", D(2026, 1, 1), provinsi="kalimantan selatan").het is not None
    assert applied(RICE, "gula-pasir", D(2026, 1, 1), provinsi="Papua").hap is not None


def test_pack_size_scales_the_ceiling() -> None:
    assert per_product_unit(15_700, 2000) == 31_400
    assert per_product_unit(15_700, 500) == 7_850
    assert per_product_unit(13_100, 5000) == 65_500
    assert per_product_unit(15_700, None) == 15_700
    # Fractions round down, so a price the ceiling allows never exceeds the exact limit.
    assert per_product_unit(15_701, 500) == 7_850
    found = applied(RICE, "beras-medium", D(2026, 1, 1), milli=5000).het
    assert found is not None and (found.amount, found.unit_amount) == (70_000, 14_000)


def test_product_own_ceiling_and_the_lower_one_binds() -> None:
    assert applied([], None, D(2026, 1, 1), own_het=18_500).het.amount == 18_500  # type: ignore[union-attr]
    assert applied(RICE, "beras-medium", D(2026, 1, 1), own_het=13_500).het.amount == 13_500  # type: ignore[union-attr]
    assert applied(RICE, "beras-medium", D(2026, 1, 1), own_het=20_000).het.amount == 14_000  # type: ignore[union-attr]


def test_het_refuses_a_price_above_it_and_accepts_the_ceiling_itself() -> None:
    ceilings = applied(RICE, "beras-medium", D(2026, 1, 1), milli=5000)
    assert check_price(70_000, ceilings) == []
    with pytest.raises(PriceAboveCeiling) as caught:
        check_price(70_001, ceilings, "Beras medium 5 kg")
    error = caught.value
    assert isinstance(error, InvalidInput) and error.status_code == 422
    assert error.message == (
        "Harga jual Beras medium 5 kg Rp70.001 melebihi HET (harga eceran tertinggi) Rp70.000 "
        "(Peraturan beras-medium 2025-08-22). Turunkan harganya paling tinggi Rp70.000."
    )
    assert error.field_errors == {"retail_price": error.message}


def test_hap_only_warns() -> None:
    ceilings = applied(RICE, "gula-pasir", D(2026, 1, 1))
    assert check_price(17_500, ceilings) == []
    (warning,) = check_price(18_000, ceilings)
    assert "di atas harga acuan pemerintah (HAP) Rp17.500" in warning


@pytest.mark.parametrize("price", [0, -1, True, 1.5, "18500"])
def test_price_must_be_positive_whole_rupiah(price: object) -> None:
    with pytest.raises(InvalidInput):
        check_price(price, ProductCeilings())  # type: ignore[arg-type]


def test_the_ceiling_guard_is_installed_once_on_the_sessions_it_is_given() -> None:
    class OwnSession(Session):
        pass

    install_ceiling_guard(OwnSession)
    install_ceiling_guard(OwnSession)
    assert event.contains(OwnSession, "before_flush", ceilings._before_flush)
    event.remove(OwnSession, "before_flush", ceilings._before_flush)
    assert not event.contains(OwnSession, "before_flush", ceilings._before_flush)
