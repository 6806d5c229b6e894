"""Reading a cooperative's existing member list (CSV or XLSX) into members to invite, with errors per row and field."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import msgspec

from app.i18n import _
from app.spreadsheets import CellError, Column, RowError, SheetRow, cell_text, read_sheet, template_csv
from app.text import InvalidNik, InvalidPhone, clean_text, normalise_nik, normalise_phone

__all__ = [
    "MEMBER_LIST_COLUMNS",
    "ImportedMember",
    "MemberImportResult",
    "member_list_template",
    "parse_member_list",
]

MEMBER_LIST_COLUMNS = (
    Column("nama", ("name", "nama_lengkap")),
    Column("no_hp", ("hp", "nomor_hp", "telepon", "no_telepon", "whatsapp", "phone")),
    Column("nomor_anggota", ("no_anggota", "member_number")),
    Column("nik", ("no_nik",), required=False),
)
_TEMPLATE_EXAMPLES = (
    ("Siti Aminah", "0812-3456-7890", "A-0001", ""),
    ("Ahmad Fauzi", "0813 5000 1234", "A-0002", ""),
)


class ImportedMember(msgspec.Struct, frozen=True, kw_only=True):
    row: int
    name: str
    phone: str  # E.164: +62…
    member_number: str
    nik: str | None = None


class MemberImportResult(msgspec.Struct, kw_only=True):
    rows: int
    valid: list[ImportedMember]
    errors: list[RowError]

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.valid)


def member_list_template() -> bytes:
    return template_csv([c.key for c in MEMBER_LIST_COLUMNS], _TEMPLATE_EXAMPLES)


def _nik(row: SheetRow, errors: dict[str, str]) -> str | None:
    cell = row.values.get("nik")
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        # Excel keeps 15 significant digits: a NIK typed as a number has already lost its last digit.
        errors["nik"] = _("Tulis NIK sebagai teks (format sel Teks di Excel): sebagai angka, digit terakhirnya hilang.")
        return None
    try:
        text = cell_text(cell)
    except CellError as error:
        errors["nik"] = str(error)
        return None
    if not text:
        return None
    if "e+" in text.casefold():
        errors["nik"] = _(
            "Excel mengubah NIK menjadi angka seperti 6,3E+15. Format kolom NIK sebagai Teks, ketik lagi."
        )
        return None
    try:
        return normalise_nik(text)
    except InvalidNik as error:
        errors["nik"] = str(error)
        return None


def _read_row(row: SheetRow) -> tuple[dict[str, str], ImportedMember | None]:
    errors: dict[str, str] = {}
    texts: dict[str, str] = {}
    for key in ("nama", "no_hp", "nomor_anggota"):
        try:
            texts[key] = cell_text(row.values.get(key))
        except CellError as error:
            errors[key] = str(error)
    name = clean_text(texts.get("nama", ""), "nama", _("Nama"), errors, required=True, max_length=120)
    number = clean_text(
        texts.get("nomor_anggota", ""), "nomor_anggota", _("Nomor anggota"), errors, required=True, max_length=40
    )
    phone: str | None = None
    if "no_hp" not in errors:
        try:
            phone = normalise_phone(texts.get("no_hp", ""))
        except InvalidPhone as error:
            errors["no_hp"] = str(error)
    nik = _nik(row, errors)
    if errors or not (name and number and phone):
        return errors, None
    return errors, ImportedMember(row=row.number, name=name, phone=phone, member_number=number, nik=nik)


def parse_member_list(
    data: bytes,
    *,
    existing_phones: Iterable[str] = (),
    existing_member_numbers: Iterable[str] = (),
    nik_holders: Mapping[str, str] | None = None,
) -> MemberImportResult:
    """Check every row of an uploaded member list; raise FileRefused when the file itself is unusable.

    Refused as duplicates: a phone or member number already in the cooperative (`existing_*`, phones in
    E.164) or earlier in the file, and a NIK held by an account with another phone (`nik_holders`: NIK →
    E.164 phone) or earlier in the file. Phones are normalised to +62…, NIKs to 16 digits.
    """
    sheet = read_sheet(data, MEMBER_LIST_COLUMNS)
    taken_phones = set(existing_phones)
    taken_numbers = {n.strip().casefold() for n in existing_member_numbers}
    holders = dict(nik_holders or {})
    seen: dict[str, dict[str, int]] = {"no_hp": {}, "nomor_anggota": {}, "nik": {}}
    valid: list[ImportedMember] = []
    errors: list[RowError] = []
    for row in sheet.rows:
        row_errors, member = _read_row(row)
        if member is not None:
            if member.phone in taken_phones:
                row_errors["no_hp"] = _("Nomor HP ini sudah menjadi anggota koperasi.")
            if member.member_number.casefold() in taken_numbers:
                row_errors["nomor_anggota"] = _("Nomor anggota ini sudah dipakai di koperasi.")
            if member.nik and holders.get(member.nik, member.phone) != member.phone:
                row_errors["nik"] = _("NIK ini sudah terdaftar pada akun dengan nomor HP lain.")
            keys = {"no_hp": member.phone, "nomor_anggota": member.member_number.casefold(), "nik": member.nik}
            for field, value in keys.items():
                if value is None or field in row_errors:
                    continue
                if value in seen[field]:
                    row_errors[field] = _("Sama dengan baris %(row)s.", row=seen[field][value])
                else:
                    seen[field][value] = row.number
        if row_errors:
            errors.extend(RowError(row.number, field, message) for field, message in row_errors.items())
        elif member is not None:
            valid.append(member)
    return MemberImportResult(rows=len(sheet.rows), valid=valid, errors=errors)
