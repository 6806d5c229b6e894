"""Pure helpers for the formats residents see: rupiah, phone numbers, NIK, WhatsApp links."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import phonenumbers

from app.i18n import _, group_separator

_NON_DIGITS = re.compile(r"\D+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class InvalidPhone(ValueError):
    """A phone number that cannot be an Indonesian mobile or landline number."""


class InvalidNik(ValueError):
    """Not a 16-digit Indonesian NIK (Nomor Induk Kependudukan)."""


def rupiah(amount: int) -> str:
    """`18500` → `Rp18.500` (Indonesian) or `Rp18,500` (English): no space, no decimals, as shops write it."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError("rupiah amounts are integers")
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp{abs(amount):,}".replace(",", group_separator())


def strip_control(text: str) -> str:
    """Text without control characters (pasted from other apps they break layouts and CSV files)."""
    return _CONTROL.sub("", text)


def normalise_nik(raw: str) -> str:
    """Return the 16 digits of a NIK typed with or without spaces, or raise InvalidNik.

    Beyond the length, the birth date inside (digits 7-12, day + 40 for women) must be a possible date:
    that catches most typos without rejecting any real NIK.
    """
    digits = re.sub(r"[\s.\-]", "", raw or "")
    if not re.fullmatch(r"\d{16}", digits):
        raise InvalidNik(_("NIK harus 16 angka, sesuai yang tertulis di KTP."))
    day, month = int(digits[6:8]), int(digits[8:10])
    if day > 40:
        day -= 40
    if not (1 <= day <= 31 and 1 <= month <= 12) or digits[:6] == "000000":
        raise InvalidNik(_("NIK tidak valid. Periksa lagi 16 angka NIK di KTP Anda."))
    return digits


def mask_nik(nik: str | None) -> str:
    """`6303045611900001` → `630304••••••0001`: enough for staff to compare with a KTP, no more."""
    if not nik:
        return ""
    return nik[:6] + "•" * 6 + nik[-4:]


def normalise_phone(raw: str) -> str:
    """Return an Indonesian number in E.164 (`+6281234567890`) or raise InvalidPhone.

    Accepts what people type: `0812-3456-7890`, `+62 812 3456 7890`, `62812…`, `812…`; libphonenumber's
    metadata (the `phonenumbers` package) decides what is a real Indonesian number.
    """
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidPhone(_("Nomor HP wajib diisi."))
    stripped = raw.strip()
    if re.search(r"[^\d\s\-+().]", stripped, re.ASCII):
        raise InvalidPhone(_("Nomor HP hanya boleh berisi angka, spasi, tanda +, - atau tanda kurung."))
    digits = _NON_DIGITS.sub("", stripped)
    if stripped.startswith("+") and not digits.startswith("62"):
        raise InvalidPhone(_("Nomor HP harus nomor Indonesia, diawali 08 atau +62."))
    if digits.startswith("62"):
        digits = digits[2:]
    elif digits.startswith("0"):
        digits = digits[1:]
    if digits.startswith("0") or not digits:
        raise InvalidPhone(_("Nomor HP harus nomor Indonesia, diawali 08 atau +62."))
    try:
        number = phonenumbers.parse("+62" + digits, None)
    except phonenumbers.NumberParseException as error:
        raise InvalidPhone(_("Nomor HP tidak lengkap atau terlalu panjang. Contoh: 0812 3456 7890.")) from error
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(_("Nomor HP tidak lengkap atau terlalu panjang. Contoh: 0812 3456 7890."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    """`+6281234567890` → `0812-3456-7890`, written the way Indonesia writes its numbers (libphonenumber)."""
    try:
        number = phonenumbers.parse(e164, "ID")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def whatsapp_link(phone: str, text: str) -> str:
    """A `https://wa.me/62…?text=…` link; `phone` in any accepted format."""
    digits = _NON_DIGITS.sub("", normalise_phone(phone))
    return f"https://wa.me/{digits}?text={quote(text, safe='')}"


def is_digits(text: str) -> bool:
    """Only 0-9: `str.isdigit` also accepts "²" and other characters `int()` refuses."""
    return bool(text) and text.isascii() and text.isdigit()


# Moved to app.forms and app.clock; these names stay importable from here until callers move.
# (Imported lazily: app.forms itself imports this module.)
if TYPE_CHECKING:
    from app.clock import tanggal as tanggal
    from app.forms import MAX_LANDMARK as MAX_LANDMARK
    from app.forms import parse_address, parse_text

    clean_text = parse_text
    clean_address = parse_address

_MOVED = {
    "clean_text": ("app.forms", "parse_text"),
    "clean_address": ("app.forms", "parse_address"),
    "MAX_LANDMARK": ("app.forms", "MAX_LANDMARK"),
    "tanggal": ("app.clock", "tanggal"),
}


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        import importlib

        module, attribute = _MOVED[name]
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
