"""Rupiah formatting, phone normalisation and WhatsApp links."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from app.text import InvalidPhone, display_phone, normalise_phone, rupiah, whatsapp_link


@pytest.mark.parametrize(
    ("amount", "expected"),
    [(0, "Rp0"), (500, "Rp500"), (18500, "Rp18.500"), (1_250_000, "Rp1.250.000"), (-15000, "-Rp15.000")],
)
def test_rupiah(amount: int, expected: str) -> None:
    assert rupiah(amount) == expected


@pytest.mark.parametrize("bad", [1.5, "1000", True])
def test_rupiah_refuses_non_integers(bad: object) -> None:
    with pytest.raises(TypeError):
        rupiah(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "raw",
    ["081234567890", "0812-3456-7890", "+62 812 3456 7890", "62812 3456 7890", "(0812) 3456-7890", "81234567890"],
)
def test_normalise_phone_accepts_what_people_type(raw: str) -> None:
    assert normalise_phone(raw) == "+6281234567890"


@pytest.mark.parametrize(
    "raw", ["", "   ", "abc", "0812", "+1 415 555 0100", "08123456789012345", "0812<script>", "620812345678"]
)
def test_normalise_phone_rejects_with_message(raw: str) -> None:
    with pytest.raises(InvalidPhone) as info:
        normalise_phone(raw)
    assert str(info.value)


def test_display_phone_is_local_format() -> None:
    assert display_phone("+6281234567890") == "0812-3456-7890"


def test_whatsapp_link_encodes_text() -> None:
    link = whatsapp_link("0812-0000-0101", "Pesanan LBA-1 & total Rp18.500\nterima kasih")
    assert link.startswith("https://wa.me/6281200000101?text=")
    assert " " not in link and "\n" not in link and "&total" not in link
    assert unquote(link.split("text=", 1)[1]) == "Pesanan LBA-1 & total Rp18.500\nterima kasih"


def test_local_time_shows_the_cooperative_clock() -> None:
    import datetime

    from app.web import local_time

    moment = datetime.datetime(2026, 11, 27, 23, 30, tzinfo=datetime.UTC)
    assert local_time(moment, "Asia/Makassar") == "28/11/2026 07:30 WITA"
    assert local_time(moment, "Asia/Jakarta") == "28/11/2026 06:30 WIB"
    assert local_time(moment, "Not/AZone") == "28/11/2026 07:30 WITA"
