"""The shipped region file: counts per level, kinds, and the code helpers the pickers rely on."""

from __future__ import annotations

from collections import Counter

import pytest

from app.regions import RegionKind, RegionLevel, ancestor_codes, is_region_code, level_of, read_regions


def test_the_whole_country_is_shipped() -> None:
    rows = list(read_regions())
    assert Counter(r.level for r in rows) == {
        RegionLevel.PROVINSI: 38,
        RegionLevel.KABUPATEN: 514,
        RegionLevel.KECAMATAN: 7285,
        RegionLevel.DESA: 83762,
    }
    assert len({r.code for r in rows}) == len(rows)


def test_kalimantan_selatan() -> None:
    rows = {r.code: r for r in read_regions(prefixes=["63"])}
    assert Counter(r.level for r in rows.values())[RegionLevel.DESA] == 2016
    assert rows["63"].name == "Kalimantan Selatan"
    assert rows["63.03"].kind == RegionKind.KABUPATEN
    assert rows["63.71"].kind == RegionKind.KOTA  # Kota Banjarmasin
    desa = rows["63.03.05.2009"]  # Sungai Sipai, Martapura, Kabupaten Banjar
    assert (desa.name, desa.parent_code, desa.level, desa.kind) == (
        "Sungai Sipai",
        "63.03.05",
        RegionLevel.DESA,
        RegionKind.DESA,
    )
    assert rows["63.03.05.1001"].kind == RegionKind.KELURAHAN
    assert {r.kind for r in rows.values() if r.level == RegionLevel.DESA} == {RegionKind.DESA, RegionKind.KELURAHAN}
    # Source names with a trailing space are trimmed.
    assert rows["63.04.04.2011"].name == "Sungai Punggu Baru"


@pytest.mark.parametrize(
    ("code", "level"),
    [("63", "provinsi"), ("63.03", "kabupaten"), ("63.03.05", "kecamatan"), ("63.03.05.2008", "desa")],
)
def test_levels(code: str, level: str) -> None:
    assert is_region_code(code)
    assert level_of(code) == level


@pytest.mark.parametrize("code", ["", "6", "63.3", "63.03.05.208", "63.03.05.2008.1", "６３", "63-03", None, 63])
def test_not_codes(code: object) -> None:
    assert not is_region_code(code)


def test_ancestors() -> None:
    assert ancestor_codes("63.03.05.2008") == ["63", "63.03", "63.03.05", "63.03.05.2008"]
