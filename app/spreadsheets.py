"""Reading uploaded lists (CSV or XLSX) into header-mapped rows, with the limits and refusals every import shares."""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import zip_longest

import msgspec

from app.errors import InvalidInput
from app.i18n import N_, _, format_number
from app.text import strip_control

__all__ = [
    "MAX_BYTES",
    "MAX_ROWS",
    "Cell",
    "CellError",
    "Column",
    "FileRefused",
    "FormulaWithoutValue",
    "RowError",
    "Sheet",
    "SheetRow",
    "cell_text",
    "parse_count",
    "parse_rupiah",
    "read_sheet",
    "template_csv",
]

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
# An XLSX is a zip: 5 MB of it may inflate a thousandfold. Past this the file is refused unread.
MAX_UNCOMPRESSED = 64 * 1024 * 1024
MAX_COLUMNS = 60
MAX_CELL = 1000

_SIGNATURES = (
    (b"\x89PNG", N_("gambar PNG")),
    (b"\xff\xd8\xff", N_("gambar JPEG")),
    (b"GIF8", N_("gambar GIF")),
    (b"%PDF", "PDF"),
    (b"RIFF", N_("gambar atau suara")),
)
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_NOT_A_LIST = N_("Berkas ini bukan CSV atau XLSX%(what)s. Unggah daftar dalam format .csv atau .xlsx.")


class FileRefused(InvalidInput):
    """The whole file cannot be read as a list; `message` says why, in the request's language."""

    code = "file_refused"


class CellError(ValueError):
    """One cell's value is not acceptable; the message is shown next to the row and column."""


@dataclass(frozen=True)
class FormulaWithoutValue:
    """An XLSX formula cell saved without its computed result (files written by scripts, not Excel)."""

    formula: str


Cell = str | int | float | bool | datetime.datetime | datetime.date | datetime.time | FormulaWithoutValue | None


class RowError(msgspec.Struct, frozen=True):
    """One problem in an uploaded list: `row` counts data rows from 1, `field` is the column's key."""

    row: int
    field: str
    message: str


@dataclass(frozen=True)
class Column:
    key: str
    aliases: tuple[str, ...]
    required: bool = True


@dataclass(frozen=True)
class SheetRow:
    number: int  # data rows from 1, blank rows counted, so row n is line n + 1 of the spreadsheet
    values: dict[str, Cell]


@dataclass
class Sheet:
    kind: str  # "csv" or "xlsx"
    columns: list[str]
    rows: list[SheetRow] = field(default_factory=list)


def _header_key(text: object) -> str:
    return re.sub(r"[\s\-]+", "_", str(text or "").replace("\ufeff", "").strip().casefold())


def _is_blank(values: Iterable[Cell]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _refuse_by_content(data: bytes) -> None:
    if len(data) > MAX_BYTES:
        raise FileRefused(_("Berkas terlalu besar. Paling besar 5 MB; bagi daftar menjadi beberapa berkas."))
    if not data.replace(b"\xef\xbb\xbf", b"", 1).strip():
        raise FileRefused(_("Berkas kosong. Isi daftar dengan judul kolom di baris pertama lalu unggah lagi."))
    if data.startswith(_OLE2):
        raise FileRefused(
            _("Format .xls lama belum bisa dibaca. Simpan ulang sebagai .xlsx atau CSV lalu unggah lagi.")
        )
    for signature, what in _SIGNATURES:
        if data.startswith(signature):
            raise FileRefused(_(_NOT_A_LIST, what=_(" (isinya %(what)s)", what=_(what))))


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")  # Excel's "Unicode Text" (tab separated)
    if b"\x00" in data[:8192]:
        raise FileRefused(_(_NOT_A_LIST, what=""))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Excel on Indonesian Windows writes "CSV (dipisahkan koma)" in cp1252; latin-1 takes what cp1252 leaves.
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    unquoted = re.sub(r'"[^"]*"', "", first)
    counts = {sep: unquoted.count(sep) for sep in (";", ",", "\t", "|")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _csv_rows(data: bytes) -> Iterator[list[Cell]]:
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        for record in reader:
            yield list(record[:MAX_COLUMNS])
    except csv.Error:
        raise FileRefused(_("Berkas CSV ini rusak atau bukan daftar (ada tanda kutip yang tidak ditutup?).")) from None


def _xlsx_rows(data: bytes) -> Iterator[list[Cell]]:
    import openpyxl  # imported on use: only uploads need it

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        raise FileRefused(_(_NOT_A_LIST, what=_(" (berkas zip rusak)"))) from None
    if "xl/workbook.xml" not in names:
        raise FileRefused(_(_NOT_A_LIST, what=_(" (berkas zip lain, bukan lembar kerja Excel)")))
    if inflated > MAX_UNCOMPRESSED:
        raise FileRefused(
            _("Isi berkas XLSX terlalu besar. Paling banyak 5.000 baris; bagi daftar menjadi beberapa berkas.")
        )
    try:
        # Two views of the first sheet: cached results, and the formulas themselves (to tell an empty
        # cell from a formula that was never computed).
        values = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        formulas = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False).worksheets[0]
        for cached, written in zip_longest(
            values.iter_rows(values_only=True), formulas.iter_rows(values_only=True), fillvalue=()
        ):
            row: list[Cell] = []
            for value, source in zip_longest(cached[:MAX_COLUMNS], written[:MAX_COLUMNS]):
                if value is None and isinstance(source, str) and source.startswith("="):
                    row.append(FormulaWithoutValue(source))
                else:
                    row.append(value)
            yield row
    except FileRefused:
        raise
    except Exception:  # openpyxl raises many kinds (KeyError, XML errors, IndexError) for broken files
        raise FileRefused(
            _("Berkas XLSX ini rusak atau tidak bisa dibaca. Simpan ulang dari Excel lalu unggah lagi.")
        ) from None


def _clean(cell: Cell) -> Cell:
    if isinstance(cell, str):
        return strip_control(cell).strip()[:MAX_CELL]
    return cell


def _map_header(header: Sequence[Cell], columns: Sequence[Column]) -> dict[str, int]:
    known = {alias: col.key for col in columns for alias in (col.key, *col.aliases)}
    mapped: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = known.get(_header_key(cell))
        if key is None:
            continue
        if key in mapped:
            raise FileRefused(_("Kolom %(key)s muncul dua kali di baris judul. Hapus salah satunya.", key=key))
        mapped[key] = index
    required = [c.key for c in columns if c.required]
    if not mapped:
        raise FileRefused(_("Baris pertama harus berisi judul kolom: %(columns)s.", columns=", ".join(required)))
    missing = [key for key in required if key not in mapped]
    if missing:
        raise FileRefused(
            _(
                "Kolom wajib belum ada: %(missing)s. Judul kolom yang dibutuhkan: %(columns)s.",
                missing=", ".join(missing),
                columns=", ".join(required),
            )
        )
    return mapped


def read_sheet(data: bytes, columns: Sequence[Column], *, max_rows: int = MAX_ROWS) -> Sheet:
    """The rows of an uploaded CSV or XLSX, keyed by column, or FileRefused saying why not.

    The format is told from the content, never the file name. Blank rows are skipped but counted, so
    row numbers match what people see in their spreadsheet. CSV cells are text and never evaluated.
    """
    _refuse_by_content(data)
    kind = "xlsx" if data.startswith(b"PK\x03\x04") else "csv"
    source = _xlsx_rows(data) if kind == "xlsx" else _csv_rows(data)
    header: list[Cell] | None = None
    for raw in source:
        if not _is_blank(raw):
            header = raw
            break
    if header is None:
        raise FileRefused(_("Berkas kosong. Isi daftar dengan judul kolom di baris pertama lalu unggah lagi."))
    mapping = _map_header(header, columns)
    sheet = Sheet(kind=kind, columns=list(mapping))
    for number, raw in enumerate(source, start=1):
        if _is_blank(raw):
            continue
        if len(sheet.rows) >= max_rows:
            limit = format_number(max_rows)
            raise FileRefused(
                _("Daftar terlalu panjang: lebih dari %(limit)s baris. Bagi menjadi beberapa berkas.", limit=limit)
            )
        values = {key: _clean(raw[index]) if index < len(raw) else None for key, index in mapping.items()}
        sheet.rows.append(SheetRow(number=number, values=values))
    if not sheet.rows:
        raise FileRefused(_("Daftar belum berisi baris data di bawah judul kolom."))
    return sheet


def cell_text(cell: Cell) -> str:
    """A cell as text: whole numbers without `.0`, dates as YYYY-MM-DD, empty for nothing."""
    if cell is None:
        return ""
    if isinstance(cell, FormulaWithoutValue):
        raise CellError(
            _("Sel ini berisi rumus tanpa hasil tersimpan. Buka dan simpan ulang di Excel, atau tulis nilainya.")
        )
    if isinstance(cell, bool):
        return "1" if cell else "0"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime.datetime | datetime.date | datetime.time):
        return cell.isoformat()
    return str(cell).strip()


_PLAIN = re.compile(r"\d+")
_DOTTED = re.compile(r"\d{1,3}(?:\.\d{3})+")
_CURRENCY = re.compile(r"^(?:rp\.?|idr)\s*", re.IGNORECASE)
_ZERO_CENTS = re.compile(r"(?:,0{1,2}|,-|\.-)$")


def _whole(cell: Cell, what: str) -> int:
    if isinstance(cell, bool):
        raise CellError(_("%(what)s harus berupa angka.", what=what))
    if isinstance(cell, int):
        return cell
    if isinstance(cell, float):
        if not cell.is_integer():
            raise CellError(_("%(what)s harus bilangan bulat, tanpa angka di belakang koma.", what=what))
        return int(cell)
    text = cell_text(cell).replace(" ", "").replace("\u00a0", "")
    negative = text.startswith("-")
    text = _CURRENCY.sub("", text.lstrip("-"))
    text = _ZERO_CENTS.sub("", text)
    if not text.isascii():
        raise CellError(_("%(what)s harus berupa angka, misalnya 15000 atau 15.000.", what=what))
    if _PLAIN.fullmatch(text):
        value = int(text)
    elif _DOTTED.fullmatch(text):
        value = int(text.replace(".", ""))
    elif re.fullmatch(r"\d+[.,]\d+", text):
        raise CellError(
            _("%(what)s harus bilangan bulat. Tulis 15000 atau 15.000, tanpa angka di belakang koma.", what=what)
        )
    else:
        raise CellError(_("%(what)s harus berupa angka, misalnya 15000 atau 15.000.", what=what))
    return -value if negative else value


def parse_rupiah(cell: Cell, what: str | None = None, *, maximum: int = 1_000_000_000) -> int:
    """A whole rupiah amount as people type it: `15000`, `15.000`, `Rp 15.000`, `Rp15.000,-`, `15.000,00`."""
    what = what or _("Harga")
    value = _whole(cell, what)
    if value <= 0:
        raise CellError(_("%(what)s harus lebih dari 0.", what=what))
    if value > maximum:
        raise CellError(_("%(what)s terlalu besar.", what=what))
    return value


def parse_count(cell: Cell, what: str | None = None, *, maximum: int = 10_000_000) -> int:
    """A whole, non-negative quantity: `12`, `1.000`."""
    what = what or _("Stok")
    value = _whole(cell, what)
    if value < 0:
        raise CellError(_("%(what)s tidak boleh negatif.", what=what))
    if value > maximum:
        raise CellError(_("%(what)s terlalu besar.", what=what))
    return value


def template_csv(header: Sequence[str], examples: Iterable[Sequence[str]], *, separator: str = ";") -> bytes:
    """A CSV to fill in: UTF-8 with a BOM and `;` by default, which Excel on Indonesian Windows opens as columns."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=separator, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(examples)
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")
