"""Member-list uploads: phones and NIKs normalised, duplicates refused, an error per row and field."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from app.member_imports import ImportedMember, member_list_template, parse_member_list
from app.spreadsheets import FileRefused, RowError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "imports"
HEADER = "nama,no_hp,nomor_anggota,nik\n"


def test_the_sample_normalises_phones_and_names_the_bad_rows() -> None:
    result = parse_member_list((FIXTURES / "anggota_4_baris_2_salah.csv").read_bytes())
    assert result.rows == 4
    assert result.valid == [
        ImportedMember(
            row=1, name="Siti Aminah", phone="+6281234567890", member_number="A-0001", nik="6303045611900001"
        ),
        ImportedMember(row=2, name="Ahmad Fauzi", phone="+6281350001234", member_number="A-0002"),
    ]
    assert [(e.row, e.field) for e in result.errors] == [(3, "no_hp"), (4, "no_hp")]
    assert result.errors[0].message == "Sama dengan baris 1."


def test_english_headers_and_aliases() -> None:
    data = b"Name,Phone,Member Number\nSiti,081234567890,7\n"
    assert parse_member_list(data).valid[0].phone == "+6281234567890"
    data = b"Nama;No HP;No Anggota;NIK\nSiti;081234567890;7;6303 0456 1190 0001\n"
    assert parse_member_list(data).valid[0].nik == "6303045611900001"


def test_duplicates_against_the_cooperative_and_other_accounts() -> None:
    data = (
        (
            HEADER + "Siti,081234567890,A-1,\n"  # already a member
            "Ahmad,081350001234,a-9,\n"  # member number taken (any case)
            "Rusdi,081350009999,A-3,6303045611900001\n"  # NIK held by another phone
            "Nor,081350008888,A-4,6303045611900002\n"
            "Nor Dua,081350007777,A-5,6303045611900002\n"  # NIK twice in the file
        ).encode()
    )
    result = parse_member_list(
        data,
        existing_phones=["+6281234567890"],
        existing_member_numbers=["A-9"],
        nik_holders={"6303045611900001": "+6281300000000", "6303045611900003": "+6281350008888"},
    )
    assert result.errors == [
        RowError(1, "no_hp", "Nomor HP ini sudah menjadi anggota koperasi."),
        RowError(2, "nomor_anggota", "Nomor anggota ini sudah dipakai di koperasi."),
        RowError(3, "nik", "NIK ini sudah terdaftar pada akun dengan nomor HP lain."),
        RowError(5, "nik", "Sama dengan baris 4."),
    ]
    assert [m.name for m in result.valid] == ["Nor"]


@pytest.mark.parametrize(
    ("row", "field"),
    [
        (",081234567890,A-1,", "nama"),
        ("Siti,,A-1,", "no_hp"),
        ("Siti,0812abc,A-1,", "no_hp"),
        ("Siti,081234567890,,", "nomor_anggota"),
        ("Siti,081234567890,A-1,1234", "nik"),
        ("Siti,081234567890,A-1,6.30305E+15", "nik"),
        ("Siti,０８１２３４５６７８９０,A-1,", "no_hp"),
    ],
)
def test_bad_fields(row: str, field: str) -> None:
    result = parse_member_list(f"{HEADER}{row}\n".encode())
    assert [(e.row, e.field) for e in result.errors] == [(1, field)]


def test_xlsx_phone_as_number_and_nik_as_number() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["nama", "no_hp", "nomor_anggota", "nik"])
    sheet.append(["Siti", 81234567890, 12, None])  # Excel drops the leading 0 of a phone typed as a number
    sheet.append(["Ahmad", "081350001234", 13, 6303045611900001])
    out = io.BytesIO()
    book.save(out)
    result = parse_member_list(out.getvalue())
    assert [(m.phone, m.member_number) for m in result.valid] == [("+6281234567890", "12")]
    assert [(e.row, e.field) for e in result.errors] == [(2, "nik")]
    assert "teks" in result.errors[0].message.lower()


def test_refusals_are_shared_with_price_lists() -> None:
    with pytest.raises(FileRefused, match="Kolom wajib belum ada: nomor_anggota"):
        parse_member_list(b"nama,no_hp\nSiti,081234567890\n")
    with pytest.raises(FileRefused, match="Berkas kosong"):
        parse_member_list(b"")


def test_the_template_reads_back_without_errors() -> None:
    result = parse_member_list(member_list_template())
    assert result.errors == []
    assert len(result.valid) == 2
