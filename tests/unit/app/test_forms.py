"""The form parsers: whole numbers, rupiah, dates, phone numbers and free text, with Indonesian messages."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.errors import InvalidInput
from app.forms import (
    MAX_RUPIAH,
    parse_address,
    parse_date,
    parse_int,
    parse_phone,
    parse_rupiah,
    parse_text,
    raise_errors,
)
from app.text import rupiah


@pytest.mark.parametrize(
    "raw",
    ["15000", "15.000", "Rp15.000", "Rp 15.000", "rp15000", "Rp. 15.000", "Rp15.000,-", "15.000,00", " 15 000 ", 15000],
)
def test_rupiah_reads_what_people_write(raw: object) -> None:
    errors: dict[str, str] = {}
    assert parse_rupiah(raw, "price", "Harga", errors) == 15000
    assert errors == {}


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("15.000,50", "tanpa sen"),
        ("15,000", "tanpa koma"),
        ("15.00", "angka rupiah"),
        ("1.5000", "angka rupiah"),
        ("²", "angka rupiah"),
        ("١٥٠٠٠", "angka rupiah"),
        ("１５０００", "angka rupiah"),
        ("lima ribu", "angka rupiah"),
        ("", "wajib diisi"),
        ("  ", "wajib diisi"),
        (None, "wajib diisi"),
        ("-5000", "paling sedikit Rp1"),
        ("0", "paling sedikit Rp1"),
        (str(10**12 + 1), "paling banyak"),
        ("9" * 5000, "angka rupiah"),
        (True, "angka rupiah"),
        (15.5, "angka rupiah"),
    ],
)
def test_rupiah_refuses_with_a_message(raw: object, fragment: str) -> None:
    errors: dict[str, str] = {}
    assert parse_rupiah(raw, "price", "Harga", errors) is None
    assert fragment in errors["price"] and errors["price"].startswith("Harga")


def test_rupiah_bounds_blank_and_optional() -> None:
    errors: dict[str, str] = {}
    assert parse_rupiah("0", "fee", "Ongkos", errors, low=0) == 0
    assert parse_rupiah("", "fee", "Ongkos", errors, required=False) is None
    assert parse_rupiah("", "fee", "Ongkos", errors, blank=5000) == 5000
    assert errors == {}
    assert parse_rupiah("Rp60.000", "fee", "Ongkos", errors, low=0, high=50_000) is None
    assert errors["fee"] == "Ongkos paling banyak Rp50.000."


@given(st.integers(min_value=1, max_value=MAX_RUPIAH))
def test_every_amount_reads_back_as_formatted(amount: int) -> None:
    errors: dict[str, str] = {}
    for written in (str(amount), rupiah(amount), rupiah(amount)[2:], rupiah(amount) + ",-"):
        assert parse_rupiah(written, "a", "Harga", errors) == amount, written
    assert errors == {}


@given(st.text(max_size=30))
def test_rupiah_never_crashes_and_always_explains(raw: str) -> None:
    errors: dict[str, str] = {}
    amount = parse_rupiah(raw, "a", "Harga", errors)
    assert (amount is None) == ("a" in errors)
    if amount is not None:
        assert 1 <= amount <= MAX_RUPIAH


@pytest.mark.parametrize(("raw", "expected"), [("12", 12), (" 7 ", 7), ("1.500", 1500), (3, 3), ("0", 0)])
def test_int_reads_counts(raw: object, expected: int) -> None:
    errors: dict[str, str] = {}
    assert parse_int(raw, "qty", "Jumlah", errors, high=10_000) == expected
    assert errors == {}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Jumlah wajib diisi."),
        ("1,5", "Jumlah harus angka bulat, tanpa koma."),
        ("²", "Jumlah harus angka bulat, tanpa koma."),
        ("abc", "Jumlah harus angka bulat, tanpa koma."),
        ("-1", "Jumlah paling sedikit 1."),
        ("0", "Jumlah paling sedikit 1."),
        ("1001", "Jumlah paling banyak 1000."),
        (True, "Jumlah harus angka bulat."),
        (2.0, "Jumlah harus angka bulat."),
    ],
)
def test_int_refuses_with_one_message(raw: object, message: str) -> None:
    errors: dict[str, str] = {}
    assert parse_int(raw, "qty", "Jumlah", errors, low=1, high=1000) is None
    assert errors == {"qty": message}


def test_int_blank_and_optional() -> None:
    errors: dict[str, str] = {}
    assert parse_int("", "price", "Harga", errors, blank=900) == 900
    assert parse_int(None, "limit", "Batas", errors, required=False) is None
    assert errors == {}


def test_date() -> None:
    errors: dict[str, str] = {}
    assert parse_date("2026-11-27", "day", "Tanggal", errors) == datetime.date(2026, 11, 27)
    assert parse_date("", "day", "Tanggal", errors) is None and errors == {}
    parse_date("", "day", "Tanggal", errors, required=True)
    assert errors == {"day": "Tanggal wajib diisi."}
    for raw, fragment in [
        ("27/11/2026", "misalnya 2026-11-27"),
        ("2026-02-30", "bukan tanggal"),
        ("1999-12-31", "di luar rentang"),
        (20261127, "misalnya"),
    ]:
        errors = {}
        assert parse_date(raw, "day", "Tanggal", errors) is None
        assert fragment in errors["day"]


def test_phone() -> None:
    errors: dict[str, str] = {}
    assert parse_phone("0812-3456-7890", "phone", errors) == "+6281234567890"
    assert parse_phone("", "wa", errors, required=False) is None and errors == {}
    assert parse_phone("", "phone", errors) is None and errors["phone"] == "Nomor HP wajib diisi."
    assert parse_phone("0812<script>", "phone", errors) is None and "angka" in errors["phone"]


def test_text_and_address() -> None:
    errors: dict[str, str] = {}
    assert parse_text("  Gula\x00 aren ", "name", "Nama", errors, required=True, max_length=20) == "Gula aren"
    assert parse_text("", "note", "Catatan", errors, required=False, max_length=20) is None
    assert errors == {}
    assert parse_text("<b>", "name", "Nama", errors, required=True, max_length=20) is None
    assert parse_text("x" * 21, "long", "Nama", errors, required=True, max_length=20) is None
    assert parse_text("", "empty", "Nama", errors, required=True, max_length=20) is None
    assert set(errors) == {"name", "long", "empty"}
    errors = {}
    assert parse_address("Dusun II", "004", "", "dekat langgar", errors) == ("Dusun II", "004", None, "dekat langgar")
    parse_address("", "4a", "", "", errors, dusun_required=True)
    assert set(errors) == {"dusun", "rt"}


def test_raise_errors() -> None:
    raise_errors({})
    with pytest.raises(InvalidInput) as one:
        raise_errors({"price": "Harga wajib diisi."})
    assert one.value.message == "Harga wajib diisi." and one.value.field_errors == {"price": "Harga wajib diisi."}
    with pytest.raises(InvalidInput) as two:
        raise_errors({"a": "x", "b": "y"})
    assert two.value.message == "Ada beberapa isian yang perlu diperbaiki." and len(two.value.field_errors) == 2
