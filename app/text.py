"""Pure helpers for the formats residents see: rupiah, phone numbers, WhatsApp links."""

from __future__ import annotations

import re
from urllib.parse import quote

_NON_DIGITS = re.compile(r"\D+")


class InvalidPhone(ValueError):
    """A phone number that cannot be an Indonesian mobile or landline number."""


def rupiah(amount: int) -> str:
    """`18500` → `Rp18.500`: no space, dot thousands separator, no decimals (Indonesian retail)."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError("rupiah amounts are integers")
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp{abs(amount):,}".replace(",", ".")


def normalise_phone(raw: str) -> str:
    """Return an Indonesian number in E.164 (`+6281234567890`) or raise InvalidPhone.

    Accepts what people type: `0812-3456-7890`, `+62 812 3456 7890`, `62812…`, `812…`.
    """
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidPhone("Nomor HP wajib diisi.")
    stripped = raw.strip()
    if re.search(r"[^\d\s\-+().]", stripped):
        raise InvalidPhone("Nomor HP hanya boleh berisi angka, spasi, tanda +, - atau tanda kurung.")
    digits = _NON_DIGITS.sub("", stripped)
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    elif digits.startswith("8"):
        digits = "62" + digits
    if not digits.startswith("62"):
        raise InvalidPhone("Nomor HP harus nomor Indonesia, diawali 08 atau +62.")
    national = digits[2:]
    # Mobile numbers are 9-12 digits after the country code and start with 8; landlines are shorter.
    if not 8 <= len(national) <= 12 or national.startswith("0"):
        raise InvalidPhone("Nomor HP tidak lengkap atau terlalu panjang. Contoh: 0812 3456 7890.")
    return "+" + digits


def display_phone(e164: str) -> str:
    """`+6281234567890` → `0812-3456-7890`, the way people write it locally."""
    digits = _NON_DIGITS.sub("", e164)
    local = "0" + digits[2:] if digits.startswith("62") else digits
    groups = [local[:4], local[4:8], local[8:]]
    return "-".join(g for g in groups if g)


def whatsapp_link(phone: str, text: str) -> str:
    """A `https://wa.me/62…?text=…` link; `phone` in any accepted format."""
    digits = _NON_DIGITS.sub("", normalise_phone(phone))
    return f"https://wa.me/{digits}?text={quote(text, safe='')}"


def is_digits(text: str) -> bool:
    """Only 0-9: `str.isdigit` also accepts "²" and other characters `int()` refuses."""
    return bool(text) and text.isascii() and text.isdigit()
