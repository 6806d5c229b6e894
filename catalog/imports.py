"""Reading a cooperative's existing price list (CSV or XLSX) into products to create, with errors per row and field."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import msgspec

from app.forms import parse_text
from app.i18n import N_, _
from app.spreadsheets import (
    Cell,
    CellError,
    Column,
    RowError,
    SheetRow,
    cell_text,
    parse_count,
    parse_rupiah,
    read_sheet,
    template_csv,
)

__all__ = [
    "PRICE_LIST_COLUMNS",
    "ImportResult",
    "ImportedProduct",
    "PriceCheck",
    "RowError",
    "parse_price_list",
    "price_list_template",
]

PRICE_LIST_COLUMNS = (
    Column("nama", ("name",)),
    Column("kategori", ("category",)),
    Column("satuan", ("unit",)),
    Column("harga", ("price",)),
    Column("stok", ("stock",)),
    Column("produsen", ("producer",), required=False),
    Column("harga_produsen", ("producer_price",), required=False),
)
_LABELS = {
    "nama": N_("Nama"),
    "kategori": N_("Kategori"),
    "satuan": N_("Satuan"),
    "harga": N_("Harga"),
    "stok": N_("Stok"),
    "produsen": N_("Produsen"),
    "harga_produsen": N_("Harga produsen"),
}
_TEMPLATE_EXAMPLES = (
    ("Gula Aren 500 g", "Sembako", "bungkus", "25.000", "20", "", ""),
    ("Keripik Pisang 250 g", "Makanan Olahan", "bungkus", "15.000", "30", "", ""),
)


class ImportedProduct(msgspec.Struct, frozen=True, kw_only=True):
    """One row that passed every check: what creating the product needs."""

    row: int
    name: str
    category: str
    category_id: int
    unit: str
    price: int
    stock: int
    producer: str | None = None
    producer_id: int | None = None
    producer_price: int | None = None


class ImportResult(msgspec.Struct, kw_only=True):
    """What the import API returns: data rows read, the rows ready to create, and every problem found."""

    rows: int
    valid: list[ImportedProduct]
    errors: list[RowError]

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.valid)


# Given a row that is valid otherwise, returns why its price is refused (an HET message) or None.
PriceCheck = Callable[[ImportedProduct], "str | None"]


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def price_list_template() -> bytes:
    """The CSV offered for download: the column header and two example rows."""
    return template_csv([c.key for c in PRICE_LIST_COLUMNS], _TEMPLATE_EXAMPLES)


class _RowReader:
    """Collects the problems of one row, field by field."""

    def __init__(self, row: SheetRow) -> None:
        self.row = row
        self.errors: dict[str, str] = {}
        self.name: str | None = None

    def text(self, key: str, *, required: bool, max_length: int) -> str | None:
        try:
            raw = cell_text(self.row.values.get(key))
        except CellError as error:
            self.errors[key] = str(error)
            return None
        # Runs of spaces (pasted text, padded cells) collapse, so "Gula  Pasir" is "Gula Pasir".
        raw = " ".join(raw.split())
        return parse_text(raw, key, _(_LABELS[key]), self.errors, required=required, max_length=max_length)

    def number(self, key: str, parse: Callable[[Cell, str], int], *, required: bool) -> int | None:
        cell = self.row.values.get(key)
        if cell is None or (isinstance(cell, str) and not cell):
            if required:
                self.errors[key] = _("%(field)s wajib diisi.", field=_(_LABELS[key]))
            return None
        try:
            return parse(cell, _(_LABELS[key]))
        except CellError as error:
            self.errors[key] = str(error)
            return None


def _producer_price(cell: Cell, what: str) -> int:
    # Zero is allowed: a product may carry no purchase price (the cooperative's own goods, a gift).
    return parse_count(cell, what, maximum=1_000_000_000)


def _read_row(
    reader: _RowReader,
    categories: Mapping[str, tuple[str, int]],
    producers: Mapping[str, tuple[str, int]],
) -> ImportedProduct | None:
    name = reader.name = reader.text("nama", required=True, max_length=200)
    category_name = reader.text("kategori", required=True, max_length=120)
    unit = reader.text("satuan", required=True, max_length=40)
    price = reader.number("harga", parse_rupiah, required=True)
    stock = reader.number("stok", parse_count, required=True)
    producer_name = reader.text("produsen", required=False, max_length=200)
    producer_price = reader.number("harga_produsen", _producer_price, required=bool(producer_name))
    category = categories.get(_key(category_name)) if category_name else None
    if category_name and category is None:
        known = ", ".join(sorted(label for label, _ in categories.values()))
        reader.errors["kategori"] = _(
            "Kategori %(name)s tidak dikenal. Pilih salah satu: %(known)s.", name=category_name, known=known
        )
    producer = producers.get(_key(producer_name)) if producer_name else None
    if producer_name and producer is None:
        reader.errors["produsen"] = _(
            "Produsen %(name)s belum terdaftar di koperasi ini. Tambahkan dulu.", name=producer_name
        )
    if price is not None and producer_price is not None and producer_price > price:
        reader.errors["harga_produsen"] = _("Harga produsen tidak boleh lebih tinggi dari harga jual.")
    if reader.errors or not (name and category and unit and price is not None and stock is not None):
        return None
    return ImportedProduct(
        row=reader.row.number,
        name=name,
        category=category[0],
        category_id=category[1],
        unit=unit,
        price=price,
        stock=stock,
        producer=producer[0] if producer else None,
        producer_id=producer[1] if producer else None,
        producer_price=producer_price,
    )


def parse_price_list(
    data: bytes,
    *,
    categories: Mapping[str, int],
    existing_names: Iterable[str] = (),
    producers: Mapping[str, int] | None = None,
    check_price: PriceCheck | None = None,
) -> ImportResult:
    """Check every row of an uploaded price list; raise FileRefused when the file itself is unusable.

    `categories` and `producers` map names to ids (matched without regard to case or extra spaces);
    `existing_names` are the cooperative's products, which the list may not repeat. Nothing is written:
    the caller creates `valid` in one transaction, and only when `errors` is empty.
    """
    sheet = read_sheet(data, PRICE_LIST_COLUMNS)
    category_index = {_key(name): (name, id_) for name, id_ in categories.items()}
    producer_index = {_key(name): (name, id_) for name, id_ in (producers or {}).items()}
    taken = {_key(name) for name in existing_names}
    first_row: dict[str, int] = {}
    valid: list[ImportedProduct] = []
    errors: list[RowError] = []
    for row in sheet.rows:
        reader = _RowReader(row)
        product = _read_row(reader, category_index, producer_index)
        name = reader.name
        if name:
            key = _key(name)
            if key in taken:
                reader.errors["nama"] = _("Produk %(name)s sudah ada di koperasi ini.", name=name)
            elif key in first_row:
                reader.errors["nama"] = _(
                    "Nama %(name)s sudah dipakai di baris %(row)s.", name=name, row=first_row[key]
                )
            else:
                first_row[key] = row.number
        if product is not None and not reader.errors and check_price is not None:
            refused = check_price(product)
            if refused:
                reader.errors["harga"] = refused
        if reader.errors:
            errors.extend(RowError(row.number, field, message) for field, message in reader.errors.items())
        elif product is not None:
            valid.append(product)
    return ImportResult(rows=len(sheet.rows), valid=valid, errors=errors)
