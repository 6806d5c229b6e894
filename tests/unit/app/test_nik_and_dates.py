"""NIK checks and Indonesian dates, without a database."""

from __future__ import annotations

import datetime

import pytest

from app.clock import tanggal
from app.text import InvalidNik, mask_nik, normalise_nik


@pytest.mark.parametrize(
    ("raw", "nik"),
    [
        ("6303041506900001", "6303041506900001"),
        ("6303 0415 0690 0001", "6303041506900001"),
        ("6303-0455-0690-0001", "6303045506900001"),  # a woman's NIK: day + 40
        (" 6303.0415.0690.0001 ", "6303041506900001"),
    ],
)
def test_nik_is_sixteen_digits(raw: str, nik: str) -> None:
    assert normalise_nik(raw) == nik


@pytest.mark.parametrize(
    "raw",
    ["", "123", "63030415069000011", "630304150690000A", "6303041513900001", "6303043206900001", "0000001506900001"],
)
def test_bad_nik_is_refused_with_a_message(raw: str) -> None:
    with pytest.raises(InvalidNik) as caught:
        normalise_nik(raw)
    assert "NIK" in str(caught.value)


def test_mask_nik_keeps_region_and_last_digits() -> None:
    assert mask_nik("6303041506900001") == "630304••••••0001"
    assert mask_nik(None) == ""


@pytest.mark.parametrize(
    ("day", "text"),
    [(datetime.date(2026, 12, 1), "1 Desember 2026"), (datetime.date(2025, 8, 22), "22 Agustus 2025")],
)
def test_tanggal(day: datetime.date, text: str) -> None:
    assert tanggal(day) == text
