"""Purchase rules without a database: members only, NIK, per-order limits, quotas and when they reset."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest

from orders.rules import Buyer, QuotaWindow, check, describe, quota_window

UTC = datetime.UTC


@dataclass
class Item:
    id: int = 7
    name: str = "LPG 3 kg"
    unit: str = "tabung"
    max_qty_per_order: int | None = None
    members_only: bool = False
    requires_nik: bool = False
    quota_qty: int | None = None
    quota_period: str | None = None


GUEST = Buyer()
STRANGER = Buyer(signed_in=True)
PENDING = Buyer(signed_in=True, membership="pending")
REJECTED = Buyer(signed_in=True, membership="rejected")
MEMBER = Buyer(signed_in=True, membership="approved")
MEMBER_NIK = Buyer(signed_in=True, membership="approved", has_nik=True)
LPG = Item(max_qty_per_order=3, members_only=True, requires_nik=True, quota_qty=15, quota_period="month")
WINDOW = QuotaWindow(starts_at=datetime.datetime(2026, 10, 31, 16, tzinfo=UTC), resets_on=datetime.date(2026, 12, 1))


def refuse(item: Item, quantity: int, buyer: Buyer, used: int = 0) -> str | None:
    refusal = check(
        item,
        quantity,
        buyer,
        cooperative_name="KDMP Lok Baintan",
        cooperative_slug="lok-baintan",
        used=used,
        window=WINDOW,
        return_to="/k/lok-baintan/keranjang",
    )
    return refusal.message if refusal else None


def test_plain_product_is_for_everyone() -> None:
    for buyer in (GUEST, STRANGER, MEMBER_NIK):
        assert refuse(Item(), 50, buyer) is None


def test_guest_cannot_buy_a_members_only_item() -> None:
    refusal = check(LPG, 1, GUEST, cooperative_name="KDMP Lok Baintan", cooperative_slug="lok-baintan")
    assert refusal is not None
    assert refusal.message == (
        "LPG 3 kg hanya dijual kepada anggota KDMP Lok Baintan. "
        "Masuk dengan akun anggota, atau daftar lalu ajukan keanggotaan."
    )
    assert refusal.fix_url == "/masuk"


@pytest.mark.parametrize(
    ("buyer", "fragment", "fix"),
    [
        (STRANGER, "Ajukan keanggotaan dulu", "/k/lok-baintan/anggota"),
        (REJECTED, "Ajukan keanggotaan dulu", "/k/lok-baintan/anggota"),
        (PENDING, "masih menunggu persetujuan staf", "/k/lok-baintan/anggota"),
    ],
)
def test_non_members_are_told_how_to_join(buyer: Buyer, fragment: str, fix: str) -> None:
    refusal = check(LPG, 1, buyer, cooperative_name="KDMP Lok Baintan", cooperative_slug="lok-baintan")
    assert refusal is not None and fragment in refusal.message
    assert refusal.fix_url == fix


def test_member_without_nik_is_told_to_add_it() -> None:
    refusal = check(LPG, 1, MEMBER, cooperative_name="K", cooperative_slug="k", return_to="/k/k/keranjang")
    assert refusal is not None
    assert refusal.message == (
        "LPG 3 kg wajib NIK. Tambahkan NIK Anda (16 angka, sesuai KTP) di profil, lalu pesan lagi."
    )
    assert refusal.fix_url == "/akun/profil?lanjut=/k/k/keranjang"


def test_nik_without_membership_rule_still_needs_a_signed_in_buyer() -> None:
    fertiliser = Item(name="Pupuk urea", unit="sak", requires_nik=True)
    assert "Masuk dulu" in (refuse(fertiliser, 1, GUEST) or "")
    assert "wajib NIK" in (refuse(fertiliser, 1, STRANGER) or "")
    assert refuse(fertiliser, 1, Buyer(signed_in=True, has_nik=True)) is None


def test_member_at_exactly_the_quota_may_buy() -> None:
    assert refuse(LPG, 1, MEMBER_NIK, used=14) is None
    assert refuse(LPG, 3, MEMBER_NIK, used=12) is None


def test_member_over_the_quota_is_told_when_it_resets() -> None:
    assert refuse(LPG, 1, MEMBER_NIK, used=15) == (
        "Kuota LPG 3 kg Anda bulan ini sudah habis: sudah 15 dari 15 tabung. Kuota baru mulai 1 Desember 2026."
    )
    assert refuse(LPG, 2, MEMBER_NIK, used=14) == (
        "Kuota LPG 3 kg Anda bulan ini tinggal 1 tabung (sudah 14 dari 15). "
        "Kurangi jumlahnya menjadi 1. Kuota baru mulai 1 Desember 2026."
    )


def test_quota_needs_a_signed_in_buyer() -> None:
    rice = Item(name="Beras SPHP", unit="pak", quota_qty=2, quota_period="day")
    message = refuse(rice, 1, GUEST) or ""
    assert "dibatasi 2 pak per hari" in message and "Masuk dulu" in message


def test_per_order_limit_comes_first_and_says_the_number() -> None:
    assert refuse(LPG, 4, GUEST) == "LPG 3 kg: paling banyak 3 tabung per pesanan. Kurangi jumlahnya menjadi 3."
    assert refuse(Item(max_qty_per_order=2), 2, GUEST) is None


def test_messages_are_plain_indonesian_without_codes() -> None:
    for buyer in (GUEST, STRANGER, PENDING, MEMBER, MEMBER_NIK):
        message = refuse(LPG, 1, buyer, used=15)
        assert message is not None
        assert message.endswith(".")
        assert "_" not in message and "None" not in message


@pytest.mark.parametrize(
    ("period", "now", "starts_local", "resets_on"),
    [
        # 2026-11-27 is a Friday. WITA is UTC+8.
        ("day", "2026-11-27T03:00:00+00:00", "2026-11-27", "2026-11-28"),
        ("week", "2026-11-27T03:00:00+00:00", "2026-11-23", "2026-11-30"),
        ("month", "2026-11-27T03:00:00+00:00", "2026-11-01", "2026-12-01"),
        # 16:30 UTC on 30 November is already 1 December on the cooperative's clock.
        ("month", "2026-11-30T16:30:00+00:00", "2026-12-01", "2027-01-01"),
        ("day", "2026-12-31T15:59:00+00:00", "2026-12-31", "2027-01-01"),
        ("month", "2028-02-10T00:00:00+00:00", "2028-02-01", "2028-03-01"),
    ],
)
def test_quota_window_on_the_cooperatives_clock(period: str, now: str, starts_local: str, resets_on: str) -> None:
    window = quota_window(period, datetime.datetime.fromisoformat(now), "Asia/Makassar")
    local_start = window.starts_at.astimezone(datetime.timezone(datetime.timedelta(hours=8)))
    assert local_start.date().isoformat() == starts_local
    assert (local_start.hour, local_start.minute) == (0, 0)
    assert window.resets_on.isoformat() == resets_on
    assert window.starts_at.tzinfo is not None


def test_unknown_period_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="fortnight"):
        quota_window("fortnight", datetime.datetime.now(UTC), "Asia/Makassar")


def test_describe_lists_the_rules_for_the_product_page() -> None:
    assert describe(LPG) == [
        "Khusus anggota koperasi",
        "Wajib NIK terdaftar di profil",
        "Paling banyak 3 tabung per pesanan",
        "Kuota 15 tabung per bulan per pembeli",
    ]
    assert describe(Item()) == []
