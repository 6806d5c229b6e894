"""Form parsing: one parser each for whole numbers, rupiah, dates, phone numbers and free text.

Every parser takes `(value, field, label, errors)`: it returns the clean value, or records one message in
the request's language under `field` in `errors` and returns None, so a form reports every bad field at once.
`raise_errors(errors)` then turns the collected messages into `InvalidInput`.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping

from app.errors import InvalidInput
from app.i18n import _
from app.text import InvalidPhone, normalise_phone, rupiah, strip_control

# Absurd amounts are typos (a pasted account number), and int() of a huge string is slow.
MAX_RUPIAH = 10**12
MAX_WHOLE = 10**12
_MAX_NUMBER_TEXT = 40
# ASCII digits only: `\d` also matches Arabic-Indic and other digits nobody types in a price field.
_PLAIN = re.compile(r"-?[0-9]+")
# Indonesian thousands: 15.000 and 1.250.000 (a space in the same places is accepted too).
_GROUPED = re.compile(r"-?[0-9]{1,3}([. ])[0-9]{3}(?:\1[0-9]{3})*")
_RP_PREFIX = re.compile(r"^(?:rp|idr)\.?\s*", re.IGNORECASE)
# "Rp15.000,-" and "15.000,00" are common ways of writing a whole amount.
_NO_CENTS = re.compile(r",(?:-|0{1,2})$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_MARKUP = re.compile(r"[<>]")
_RT_RW = re.compile(r"^[0-9]{1,3}$")
FIRST_DAY = datetime.date(2000, 1, 1)
LAST_DAY = datetime.date(2100, 12, 31)
MAX_LANDMARK = 200


def raise_errors(errors: Mapping[str, str]) -> None:
    """Raise `InvalidInput` with every field's message when any parser recorded one."""
    if errors:
        raise InvalidInput.of(errors)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _whole_number(text: str) -> int | None:
    """`1500`, `1.500`, `1 500` → 1500 (ASCII digits, an optional minus); anything else None."""
    if len(text) > _MAX_NUMBER_TEXT:
        return None
    if _GROUPED.fullmatch(text):
        text = text.replace(".", "").replace(" ", "")
    return int(text) if _PLAIN.fullmatch(text) else None


def _in_range(
    number: int, field: str, label: str, errors: dict[str, str], low: int, high: int, *, money: bool
) -> int | None:
    show = rupiah if money else str
    if number < low:
        errors[field] = _("%(label)s paling sedikit %(n)s.", label=label, n=show(low))
        return None
    if number > high:
        errors[field] = _("%(label)s paling banyak %(n)s.", label=label, n=show(high))
        return None
    return number


def parse_int(
    value: object,
    field: str,
    label: str,
    errors: dict[str, str],
    *,
    low: int = 0,
    high: int = MAX_WHOLE,
    required: bool = True,
    blank: int | None = None,
) -> int | None:
    """A whole number (a count, a quantity) within [low, high]: `12`, `1.500`; an int from JSON as is.

    Empty gives `blank` when set, else None, with "wajib diisi" when `required`.
    """
    if _blank(value):
        if blank is None and required:
            errors[field] = _("%(label)s wajib diisi.", label=label)
        return blank
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        errors[field] = _("%(label)s harus angka bulat.", label=label)
        return None
    number = value if isinstance(value, int) else _whole_number(value.strip())
    if number is None:
        errors[field] = _("%(label)s harus angka bulat, tanpa koma.", label=label)
        return None
    return _in_range(number, field, label, errors, low, high, money=False)


def parse_rupiah(
    value: object,
    field: str,
    label: str,
    errors: dict[str, str],
    *,
    low: int = 1,
    high: int = MAX_RUPIAH,
    required: bool = True,
    blank: int | None = None,
) -> int | None:
    """An amount of whole rupiah: `15000`, `15.000`, `Rp15.000`, `Rp 15.000,-`, `15.000,00` → 15000.

    The dot is the thousands separator, as Indonesians write it; a comma with cents (`15.000,50`), a comma
    as thousands separator (`15,000`) and digits other than 0-9 are refused with a message.
    """
    if _blank(value):
        if blank is None and required:
            errors[field] = _("%(label)s wajib diisi.", label=label)
        return blank
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        errors[field] = _("%(label)s harus berupa angka rupiah.", label=label)
        return None
    if isinstance(value, int):
        return _in_range(value, field, label, errors, low, high, money=True)
    text = _NO_CENTS.sub("", _RP_PREFIX.sub("", value.strip())).strip()
    number = _whole_number(text)
    if number is None:
        if "," in text:
            errors[field] = _(
                "%(label)s ditulis dalam rupiah tanpa sen dan tanpa koma, misalnya 15000 atau 15.000.", label=label
            )
        else:
            errors[field] = _("%(label)s ditulis dengan angka rupiah, misalnya 15000 atau 15.000.", label=label)
        return None
    return _in_range(number, field, label, errors, low, high, money=True)


def parse_date(
    value: object, field: str, label: str, errors: dict[str, str], *, required: bool = False
) -> datetime.date | None:
    """`2026-11-27` (what a date input sends) between the years 2000 and 2100; empty gives None."""
    if _blank(value):
        if required:
            errors[field] = _("%(label)s wajib diisi.", label=label)
        return None
    if not isinstance(value, str) or not _DATE.match(value.strip()):
        errors[field] = _("%(label)s harus berupa tanggal, misalnya 2026-11-27.", label=label)
        return None
    try:
        day = datetime.date.fromisoformat(value.strip())
    except ValueError:
        errors[field] = _("%(label)s bukan tanggal yang ada di kalender.", label=label)
        return None
    if not FIRST_DAY <= day <= LAST_DAY:
        errors[field] = _("%(label)s di luar rentang yang masuk akal.", label=label)
        return None
    return day


def parse_phone(
    value: object, field: str, errors: dict[str, str], *, label: str | None = None, required: bool = True
) -> str | None:
    """An Indonesian phone number in E.164 (`+6281234567890`) from what people type (`0812-3456-7890`)."""
    label = label or _("Nomor HP")
    if _blank(value):
        if required:
            errors[field] = _("%(label)s wajib diisi.", label=label)
        return None
    if not isinstance(value, str):
        errors[field] = _("%(label)s harus berupa teks.", label=label)
        return None
    try:
        return normalise_phone(value[:_MAX_NUMBER_TEXT])
    except InvalidPhone as exc:
        errors[field] = str(exc)
        return None


def parse_text(
    value: object, field: str, label: str, errors: dict[str, str], *, required: bool, max_length: int
) -> str | None:
    """Trimmed text without control characters or markup, or None when empty."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = _("%(label)s harus berupa teks.", label=label)
        return None
    cleaned = strip_control(value).strip()
    if required and not cleaned:
        errors[field] = _("%(label)s wajib diisi.", label=label)
    elif len(cleaned) > max_length:
        errors[field] = _("%(label)s terlalu panjang (paling banyak %(n)s huruf).", label=label, n=max_length)
    elif _MARKUP.search(cleaned):
        errors[field] = _("%(label)s tidak boleh berisi tanda < atau >.", label=label)
    else:
        return cleaned or None
    return None


def parse_address(
    dusun: object, rt: object, rw: object, landmark: object, errors: dict[str, str], *, dusun_required: bool = False
) -> tuple[str | None, str | None, str | None, str | None]:
    """A village address (dusun, RT, RW, landmark) as residents type it."""
    cleaned_dusun = parse_text(dusun, "dusun", _("Dusun"), errors, required=dusun_required, max_length=120)
    cleaned_rt = parse_text(rt, "rt", "RT", errors, required=False, max_length=3)
    cleaned_rw = parse_text(rw, "rw", "RW", errors, required=False, max_length=3)
    cleaned_landmark = parse_text(landmark, "landmark", _("Patokan"), errors, required=False, max_length=MAX_LANDMARK)
    for key, value in (("rt", cleaned_rt), ("rw", cleaned_rw)):
        if value and not _RT_RW.match(value):
            errors[key] = _("%(field)s diisi angka saja, misalnya 004.", field=key.upper())
    return cleaned_dusun, cleaned_rt, cleaned_rw, cleaned_landmark
