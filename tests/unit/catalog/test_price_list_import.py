"""Price-list uploads: formats people really send, every refusal, and an error per row and field."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from app.spreadsheets import MAX_BYTES, FileRefused, RowError, parse_rupiah
from catalog.imports import ImportedProduct, parse_price_list, price_list_template

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "imports"
CATEGORIES = {
    name: i
    for i, name in enumerate(
        [
            "Sembako",
            "Sayur & Buah",
            "Ikan & Daging",
            "Makanan Olahan",
            "Minuman",
            "Kerajinan",
            "Kebutuhan Rumah Tangga",
        ],
        start=1,
    )
}
HEADER = "nama,kategori,satuan,harga,stok\n"


def parse(data: bytes, **kwargs: object):
    return parse_price_list(data, categories=CATEGORIES, **kwargs)  # type: ignore[arg-type]


def errors_of(result) -> set[tuple[int, str]]:
    return {(e.row, e.field) for e in result.errors}


def xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_twenty_row_sample_names_both_bad_rows_and_keeps_the_rest() -> None:
    result = parse((FIXTURES / "harga_20_baris_2_salah.csv").read_bytes())
    assert result.rows == 20
    assert len(result.valid) == 18
    assert errors_of(result) == {(14, "stok"), (19, "kategori")}
    by_row = {e.row: e.message for e in result.errors}
    assert by_row[14] == "Stok harus berupa angka, misalnya 15000 atau 15.000."
    assert by_row[19].startswith("Kategori Perkakas Dapur tidak dikenal.")
    minyak = next(p for p in result.valid if p.name == "Minyak Kelapa 1 L")
    assert (minyak.price, minyak.stock, minyak.category_id) == (28000, 15, CATEGORIES["Sembako"])
    assert not result.ok


def test_the_fixed_file_imports_cleanly() -> None:
    text = (FIXTURES / "harga_20_baris_2_salah.csv").read_text(encoding="utf-8")
    fixed = text.replace("45.000,five", "45.000,5").replace("Perkakas Dapur", "Kebutuhan Rumah Tangga")
    result = parse(fixed.encode())
    assert result.errors == []
    assert len(result.valid) == 20
    assert result.ok


def test_latin1_with_semicolons_as_excel_writes_it_is_read_correctly() -> None:
    result = parse((FIXTURES / "harga_latin1_titik_koma.csv").read_bytes())
    assert result.errors == []
    assert [(p.name, p.category, p.price) for p in result.valid] == [
        ("Kue Crème Pandan", "Makanan Olahan", 35000),
        ("Dodol Kandangan", "Makanan Olahan", 17500),
        ("Madu Kelulut 250 ml; asli", "Minuman", 120000),
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_encodings_excel_may_use(encoding: str) -> None:
    separator = "\t" if encoding == "utf-16" else ";"
    text = f"Nama{separator}Kategori{separator}Satuan{separator}Harga{separator}Stok\r\n"
    text += f"Kopi Café{separator}Minuman{separator}bungkus{separator}12.000{separator}3\r\n"
    result = parse(text.encode(encoding))
    assert [(p.name, p.price) for p in result.valid] == [("Kopi Café", 12000)]


def test_english_headers_any_case_and_spacing_with_optional_producer_columns() -> None:
    data = (
        b" Name ,CATEGORY,unit,Price,stock,Producer,Producer Price\n"
        b"Keripik Talas,makanan olahan,bungkus,15000,5,ud sumber rejeki,11000\n"
    )
    result = parse(data, producers={"UD Sumber Rejeki": 7})
    assert result.errors == []
    assert result.valid == [
        ImportedProduct(
            row=1,
            name="Keripik Talas",
            category="Makanan Olahan",
            category_id=CATEGORIES["Makanan Olahan"],
            unit="bungkus",
            price=15000,
            stock=5,
            producer="UD Sumber Rejeki",
            producer_id=7,
            producer_price=11000,
        )
    ]


def test_producer_rules() -> None:
    data = (
        b"nama,kategori,satuan,harga,stok,produsen,harga_produsen\n"
        b"A,Sembako,kg,10000,1,Tidak Ada,5000\n"  # unknown producer
        b"B,Sembako,kg,10000,1,UD Maju,\n"  # producer without its price
        b"C,Sembako,kg,10000,1,UD Maju,12000\n"  # producer price above the retail price
        b"D,Sembako,kg,10000,1,,8000\n"  # the cooperative's own goods with a purchase price
    )
    result = parse(data, producers={"UD Maju": 1})
    assert errors_of(result) == {(1, "produsen"), (2, "harga_produsen"), (3, "harga_produsen")}
    assert [p.name for p in result.valid] == ["D"]


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("15000", 15000),
        ("15.000", 15000),
        ("Rp 15.000", 15000),
        ("Rp15.000", 15000),
        ("rp. 15.000", 15000),
        ("IDR 15000", 15000),
        ("Rp 15.000,-", 15000),
        ("15.000,00", 15000),
        ("1.250.000", 1250000),
        (15000, 15000),
        (15000.0, 15000),
    ],
)
def test_whole_rupiah_amounts_as_people_type_them(typed: object, amount: int) -> None:
    assert parse_rupiah(typed) == amount  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "price", ["15.000,50", "15.5", "15,000", "1.50", "lima ribu", "", "0", "-5000", "Rp", "١٥٠٠٠", "15 000 000 000 000"]
)
def test_prices_that_are_not_whole_positive_rupiah_are_refused_per_row(price: str) -> None:
    result = parse(f'{HEADER}Gula,Sembako,kg,"{price}",3\n'.encode())
    assert errors_of(result) == {(1, "harga")}
    assert result.valid == []


@pytest.mark.parametrize(
    ("stock", "message"), [("-1", "Stok tidak boleh negatif."), ("2,5", "bilangan bulat"), ("x", "angka")]
)
def test_non_numeric_or_negative_stock(stock: str, message: str) -> None:
    result = parse(f'{HEADER}Gula,Sembako,kg,15000,"{stock}"\n'.encode())
    assert [(e.row, e.field) for e in result.errors] == [(1, "stok")]
    assert message in result.errors[0].message


def test_empty_required_fields_are_named_one_by_one() -> None:
    result = parse(f"{HEADER} ,,,,3\nGula,Sembako,kg,15000,\n".encode())
    assert errors_of(result) == {(1, "nama"), (1, "kategori"), (1, "satuan"), (1, "harga"), (2, "stok")}
    assert any(e.message == "Nama wajib diisi." for e in result.errors)


def test_duplicate_names_within_the_file_and_against_existing_products() -> None:
    data = f"{HEADER}Gula Pasir,Sembako,kg,15000,3\ngula  pasir,Sembako,kg,16000,3\nBeras,Sembako,kg,14000,3\n"
    result = parse(data.encode(), existing_names=["BERAS"])
    assert result.errors == [
        RowError(2, "nama", "Nama gula pasir sudah dipakai di baris 1."),
        RowError(3, "nama", "Produk Beras sudah ada di koperasi ini."),
    ]


def test_price_above_the_ceiling_uses_the_callers_check() -> None:
    seen: list[ImportedProduct] = []

    def het(product: ImportedProduct) -> str | None:
        seen.append(product)
        return "Harga di atas HET Rp19.000." if product.name.startswith("LPG") and product.price > 19000 else None

    result = parse(
        f"{HEADER}LPG 3 kg,Sembako,tabung,21000,10\nLPG 5.5 kg,Sembako,tabung,19000,10\n".encode(), check_price=het
    )
    assert result.errors == [RowError(1, "harga", "Harga di atas HET Rp19.000.")]
    assert [p.name for p in seen] == ["LPG 3 kg", "LPG 5.5 kg"]


def test_blank_rows_are_skipped_but_keep_row_numbers_in_step_with_the_spreadsheet() -> None:
    result = parse(f"\n{HEADER}Gula,Sembako,kg,15000,3\n,,,,\n\nTeh,Minuman,kotak,x,1\n".encode())
    assert result.rows == 2
    assert errors_of(result) == {(4, "harga")}


def test_a_csv_formula_is_kept_as_text_and_never_evaluated() -> None:
    result = parse(f'{HEADER}"=HYPERLINK(""http://x"")",Sembako,kg,=1000*15,3\n'.encode())
    assert errors_of(result) == {(1, "harga")}
    result = parse(f"{HEADER}=1+1,Sembako,kg,15000,3\n".encode())
    assert [p.name for p in result.valid] == ["=1+1"]


def test_markup_and_control_characters_in_text() -> None:
    result = parse(f"{HEADER}<script>,Sembako,kg,15000,3\nGula\x07 Merah,Sembako,kg,15000,3\n".encode())
    assert errors_of(result) == {(1, "nama")}
    assert [p.name for p in result.valid] == ["Gula Merah"]


# --- XLSX -------------------------------------------------------------------------------------------


def test_xlsx_made_with_the_library() -> None:
    data = xlsx(
        [
            ["Nama", "Kategori", "Satuan", "Harga", "Stok"],
            ["Gula", "Sembako", "kg", 15000, 3],
            ["Teh", "Minuman", "kotak", 7500.5, 2],
        ]
    )
    result = parse(data)
    assert [(p.name, p.price, p.stock) for p in result.valid] == [("Gula", 15000, 3)]
    assert errors_of(result) == {(2, "harga")}


def _with_cached_value(data: bytes, formula: str, value: str) -> bytes:
    """Excel saves a formula's last result next to it; openpyxl does not, so add it as Excel would."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(
                    rf"<f>{re.escape(formula)}</f><v\s*/>".encode(), f"<f>{formula}</f><v>{value}</v>".encode(), content
                )
            target.writestr(item, content)
    return out.getvalue()


def test_xlsx_formula_uses_its_saved_result_or_is_refused_for_that_cell() -> None:
    data = xlsx(
        [
            ["nama", "kategori", "satuan", "harga", "stok"],
            ["Gula", "Sembako", "kg", "=1000*15", 3],
            ["Teh", "Minuman", "kotak", "=500*15", 2],
        ]
    )
    result = parse(_with_cached_value(data, "1000*15", "15000"))
    assert [(p.name, p.price) for p in result.valid] == [("Gula", 15000)]
    assert [(e.row, e.field) for e in result.errors] == [(2, "harga")]
    assert "rumus" in result.errors[0].message


# --- refusals of the whole file ---------------------------------------------------------------------


def refused(data: bytes) -> str:
    with pytest.raises(FileRefused) as caught:
        parse(data)
    return caught.value.message


@pytest.mark.parametrize("data", [b"", b"   \r\n\r\n", b"\xef\xbb\xbf", b",,,,\n,,,\n"])
def test_empty_file(data: bytes) -> None:
    assert refused(data).startswith("Berkas kosong")


def test_header_only() -> None:
    assert refused(HEADER.encode()) == "Daftar belum berisi baris data di bawah judul kolom."


def test_no_header_row() -> None:
    assert (
        refused(b"Gula,Sembako,kg,15000,3\n")
        == "Baris pertama harus berisi judul kolom: nama, kategori, satuan, harga, stok."
    )


def test_missing_required_column() -> None:
    assert refused(b"nama,kategori,satuan,harga\nGula,Sembako,kg,15000\n").startswith("Kolom wajib belum ada: stok.")


def test_a_column_given_twice() -> None:
    assert "Kolom nama muncul dua kali" in refused(b"nama,name,kategori,satuan,harga,stok\n")


def test_a_fifty_megabyte_file() -> None:
    data = (HEADER + "Gula,Sembako,kg,15000,3\n" * (50 * 1024 * 1024 // 24)).encode()
    assert len(data) > 10 * MAX_BYTES
    assert refused(data).startswith("Berkas terlalu besar")


def test_ten_thousand_rows() -> None:
    data = (HEADER + "".join(f"Barang {i},Sembako,kg,15000,3\n" for i in range(10_000))).encode()
    assert len(data) < MAX_BYTES
    assert refused(data) == "Daftar terlalu panjang: lebih dari 5.000 baris. Bagi menjadi beberapa berkas."


def test_five_thousand_rows_are_accepted() -> None:
    data = (HEADER + "".join(f"Barang {i},Sembako,kg,15000,3\n" for i in range(5000))).encode()
    assert len(parse(data).valid) == 5000


def test_a_png_renamed_xlsx() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)
    assert refused(png).startswith("Berkas ini bukan CSV atau XLSX (isinya gambar PNG)")


@pytest.mark.parametrize(
    ("data", "start"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "Format .xls lama"),
        (b"PK\x03\x04 broken zip", "Berkas ini bukan CSV atau XLSX (berkas zip rusak)"),
        (b"%PDF-1.7\n", "Berkas ini bukan CSV atau XLSX (isinya PDF)"),
        (b"nama\x00kategori" + bytes(50), "Berkas ini bukan CSV atau XLSX."),
        (b'nama,kategori,satuan,harga,stok\n"Gula,Sembako' + b"x" * 200_000, "Berkas CSV ini rusak"),
    ],
)
def test_other_files_that_are_not_lists(data: bytes, start: str) -> None:
    assert refused(data).startswith(start)


def test_a_zip_that_is_not_a_workbook() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert "bukan lembar kerja Excel" in refused(out.getvalue())


def test_an_xlsx_that_inflates_past_the_limit() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/sharedStrings.xml", b" " * (80 * 1024 * 1024))
    assert len(out.getvalue()) < MAX_BYTES
    assert refused(out.getvalue()).startswith("Isi berkas XLSX terlalu besar")


def test_a_broken_workbook() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "not xml at all")
    assert refused(out.getvalue()).startswith("Berkas XLSX ini rusak")


def test_the_template_reads_back_without_errors() -> None:
    template = price_list_template()
    assert template.startswith(b"\xef\xbb\xbfnama;kategori;satuan;harga;stok;produsen;harga_produsen\r\n")
    result = parse(template)
    assert result.errors == []
    assert len(result.valid) == 2
