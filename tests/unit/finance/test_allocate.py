"""The allocation posted when a year closes: shares rounded down, every leftover rupiah to the cadangan."""

from __future__ import annotations

from finance.shu import DEFAULT_SPLIT, YearFigures
from finance.yearclose import allocate


def _figures(surplus: int) -> YearFigures:
    return YearFigures(
        year=2025,
        estimate=False,
        months=12,
        surplus=surplus,
        split=dict(DEFAULT_SPLIT),
        purchases={1: 1, 2: 2},
        capital={1: 1, 2: 1},
    )


def test_rounding_leftovers_go_to_the_cadangan() -> None:
    # Pools of Rp1.000.001 round down to 1.000.000 in all; jasa anggota 250.000 split 1:2 gives
    # 83.333 + 166.666 = 249.999. Both leftover rupiah go to the cadangan: 400.000 + 1 + 1.
    parts, members = allocate(_figures(1_000_001))
    assert members == {1: (83_333, 100_000), 2: (166_666, 100_000)}
    assert parts == {
        "cadangan": 400_002,
        "jasa_anggota": 249_999,
        "jasa_modal": 200_000,
        "pengurus": 50_000,
        "karyawan": 50_000,
        "pendidikan": 25_000,
        "sosial": 25_000,
    }
    assert sum(parts.values()) == 1_000_001


def test_a_deficit_allocates_nothing() -> None:
    parts, members = allocate(_figures(-5))
    assert members == {} and set(parts.values()) == {0}
