"""Price-list import on /staf/{slug}/produk/impor and POST /api/cooperatives/{slug}/products/import: a preview
with an error per row and field, then all rows or none."""

from __future__ import annotations

import io
import re
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from catalog.models import LedgerReason, Product, StockLedgerEntry
from tests.conftest import Stack
from tests.support import data

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "imports"
TWENTY_WITH_TWO_BAD = FIXTURES / "harga_20_baris_2_salah.csv"
LATIN1 = FIXTURES / "harga_latin1_titik_koma.csv"
HEADER = "nama,kategori,satuan,harga,stok\n"
SIX_MB = 6 * 1024 * 1024


def _renamed(text: str, tag: str) -> str:
    """The fixture's product names made unique, so each run (and each backend) imports fresh products."""
    lines = text.splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        name, rest = line.split(",", 1)
        out.append(f"{name} {tag},{rest}")
    return "\n".join(out) + "\n"


async def _upload(client: httpx.AsyncClient, slug: str, content: bytes, filename: str) -> httpx.Response:
    token = await data.csrf_token(client, f"/staf/{slug}/produk/impor")
    return await client.post(
        f"/staf/{slug}/produk/impor",
        data={"_csrf_token": token},
        files={"file": (filename, content, "application/octet-stream")},
    )


async def _apply(client: httpx.AsyncClient, slug: str, preview: httpx.Response) -> httpx.Response:
    match = re.search(r'name="key" value="([^"]+)"', preview.text)
    assert match, "the preview offers to apply"
    token = client.cookies.get("csrftoken") or ""
    return await client.post(f"/staf/{slug}/produk/impor/terapkan", data={"key": match.group(1), "_csrf_token": token})


async def _count(stack: Stack, tag: str) -> int:
    async with stack.db.session() as session:
        query = select(func.count()).select_from(Product).where(Product.name.like(f"%{tag}%"))
        return int(await session.scalar(query) or 0)


async def test_twenty_rows_with_two_bad_ones_then_the_fixed_file(stack: Stack) -> None:
    tag = uuid.uuid4().hex[:6]
    text = _renamed(TWENTY_WITH_TWO_BAD.read_text(encoding="utf-8"), tag)
    staff = await data.staff(stack.url, "telaga-bidadari")
    try:
        page = await staff.get("/staf/telaga-bidadari/produk/impor")
        assert page.status_code == 200 and "/staf/telaga-bidadari/produk/impor/templat" in page.text
        template = await staff.get("/staf/telaga-bidadari/produk/impor/templat")
        assert template.status_code == 200 and template.headers["content-type"].startswith("text/csv")
        assert template.content.startswith(b"\xef\xbb\xbfnama;kategori;satuan;harga;stok")

        preview = await _upload(staff, "telaga-bidadari", text.encode(), "harga.csv")
        assert preview.status_code == 422
        assert "20 baris dibaca, 18 siap ditambahkan" in preview.text
        assert "Stok harus berupa angka" in preview.text
        assert "Kategori Perkakas Dapur tidak dikenal" in preview.text
        rows = re.findall(r'<tr><td class="num">(\d+)</td><td>(\w+)</td>', preview.text)
        assert rows == [("14", "Stok"), ("19", "Kategori")]
        assert "Belum ada yang disimpan" in preview.text and 'name="key"' not in preview.text
        assert await _count(stack, tag) == 0

        fixed = text.replace("loyang,45.000,five", "loyang,45.000,5").replace("Perkakas Dapur", "Kerajinan")
        preview = await _upload(staff, "telaga-bidadari", fixed.encode(), "harga.csv")
        assert preview.status_code == 200 and "Tambahkan 20 produk" in preview.text
        assert await _count(stack, tag) == 0  # a preview writes no product
        applied = await _apply(staff, "telaga-bidadari", preview)
        assert applied.status_code == 303 and applied.headers["location"] == "/staf/telaga-bidadari/produk"
        assert "20 produk dari daftar harga ditambahkan" in (await staff.get(applied.headers["location"])).text
        assert await _count(stack, tag) == 20
        # Applying the same upload twice adds nothing more.
        again = await _apply(staff, "telaga-bidadari", preview)
        assert again.status_code == 404 and "Unggah berkasnya lagi" in again.text
        assert await _count(stack, tag) == 20

        async with stack.db.session() as session:
            kangkung = await session.scalar(select(Product).where(Product.name == f"Kangkung {tag}"))
            assert kangkung is not None and (kangkung.retail_price, kangkung.stock, kangkung.unit) == (3000, 35, "ikat")
            ledger = (
                await session.execute(
                    select(StockLedgerEntry.reason, StockLedgerEntry.delta).where(
                        StockLedgerEntry.product_id == kangkung.id
                    )
                )
            ).all()
            assert [tuple(r) for r in ledger] == [(LedgerReason.INITIAL, 35)]
        async with stack.client() as visitor:
            amplang = await _id(stack, f"Amplang Ikan 200 g {tag}")
            await data.wait_until_findable(visitor, "telaga-bidadari", f"amplang {tag}", amplang)
    finally:
        await staff.aclose()


async def _id(stack: Stack, name: str) -> int:
    async with stack.db.session() as session:
        product_id = await session.scalar(select(Product.id).where(Product.name == name))
        assert product_id is not None
        return int(product_id)


async def test_a_latin1_semicolon_csv_as_excel_writes_it(stack: Stack) -> None:
    tag = uuid.uuid4().hex[:6]
    raw = LATIN1.read_bytes()
    lines = raw.split(b"\r\n") if b"\r\n" in raw else raw.split(b"\n")
    suffix = rb"\1\2 " + tag.encode()
    named = [lines[0]] + [re.sub(rb"^(\"?)([^;\"]+)", suffix, line, count=1) for line in lines[1:] if line]
    staff = await data.staff(stack.url, "telaga-bidadari")
    try:
        preview = await _upload(staff, "telaga-bidadari", b"\r\n".join(named) + b"\r\n", "harga.csv")
        assert preview.status_code == 200, preview.text
        assert f"Kue Crème Pandan {tag}" in preview.text and "Rp120.000" in preview.text
        assert (await _apply(staff, "telaga-bidadari", preview)).status_code == 303
        assert await _count(stack, tag) == 3
    finally:
        await staff.aclose()


async def test_an_xlsx_made_here_imports(stack: Stack) -> None:
    import openpyxl

    tag = uuid.uuid4().hex[:6]
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Nama", "Kategori", "Satuan", "Harga", "Stok"])
    sheet.append([f"Gula Aren {tag}", "Sembako", "bungkus", 25000, 20])
    sheet.append([f"Teh Kelulut {tag}", "Minuman", "botol", "35.000", 9])
    buffer = io.BytesIO()
    book.save(buffer)
    staff = await data.staff(stack.url, "telaga-bidadari")
    try:
        preview = await _upload(staff, "telaga-bidadari", buffer.getvalue(), "harga.xlsx")
        assert preview.status_code == 200 and "Tambahkan 2 produk" in preview.text
        assert (await _apply(staff, "telaga-bidadari", preview)).status_code == 303
        assert await _count(stack, tag) == 2
    finally:
        await staff.aclose()


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "harga.xlsx", "bukan CSV atau XLSX (isinya gambar PNG)"),
        (b"", "harga.csv", "Berkas kosong"),
        (HEADER.encode() + b"Beras,Sembako,kg,1000,1\n" * 10_000, "harga.csv", "lebih dari 5.000 baris"),
        (HEADER.encode() + b"Beras,Sembako,kg,1000," + b"1" * SIX_MB + b"\n", "harga.csv", "Paling besar 5 MB"),
    ],
    ids=["png-renamed", "empty", "10000-rows", "6-mb"],
)
async def test_bad_files_are_refused_with_a_message(stack: Stack, content: bytes, filename: str, message: str) -> None:
    staff = await data.staff(stack.url, "telaga-bidadari")
    try:
        before = await _count(stack, "")
        response = await _upload(staff, "telaga-bidadari", content, filename)
        assert response.status_code in (413, 422), response.status_code
        assert message in response.text
        assert await _count(stack, "") == before
    finally:
        await staff.aclose()


async def test_a_price_above_the_het_is_a_row_error(stack: Stack) -> None:
    tag = uuid.uuid4().hex[:6]
    text = HEADER + f"LPG 3 kg {tag},Sembako,tabung,25.000,10\nBeras Medium 5 kg {tag},Sembako,karung,70.000,4\n"
    staff = await data.staff(stack.url, "telaga-bidadari")
    try:
        preview = await _upload(staff, "telaga-bidadari", text.encode(), "harga.csv")
        assert preview.status_code == 422
        assert "melebihi HET (harga eceran tertinggi) Rp18.500" in preview.text
        # 5 kg of medium rice at Rp14.000/kg: Rp70.000 is exactly the HET, so that row is fine.
        assert "1 siap ditambahkan" in preview.text
        assert await _count(stack, tag) == 0
    finally:
        await staff.aclose()


async def test_the_api_checks_then_imports_all_or_nothing(stack: Stack) -> None:
    tag = uuid.uuid4().hex[:6]
    text = _renamed(TWENTY_WITH_TWO_BAD.read_text(encoding="utf-8"), tag)
    staff = await data.staff(stack.url, "telaga-bidadari")
    try:
        url = "/api/cooperatives/telaga-bidadari/products/import"
        bad = await staff.post(url, files={"file": ("harga.csv", text.encode())}, data={"dry_run": "false"})
        assert bad.status_code == 200, bad.text
        body = bad.json()
        assert (body["rows"], body["valid"], body["created"]) == (20, 18, 0)
        assert [(e["row"], e["field"]) for e in body["errors"]] == [(14, "stok"), (19, "kategori")]
        assert await _count(stack, tag) == 0
        fixed = text.replace("loyang,45.000,five", "loyang,45.000,5").replace("Perkakas Dapur", "Kerajinan")
        dry = (await staff.post(url, files={"file": ("harga.csv", fixed.encode())}, data={"dry_run": "true"})).json()
        assert (dry["valid"], dry["created"], dry["errors"]) == (20, 0, [])
        assert await _count(stack, tag) == 0
        done = (await staff.post(url, files={"file": ("harga.csv", fixed.encode())}, data={"dry_run": "false"})).json()
        assert (done["valid"], done["created"]) == (20, 20)
        assert await _count(stack, tag) == 20
        empty = await staff.post(url, files={"file": ("harga.csv", b"")}, data={"dry_run": "false"})
        assert empty.status_code == 422 and "Berkas kosong" in empty.json()["detail"]
    finally:
        await staff.aclose()


async def test_only_staff_of_this_cooperative_may_import(stack: Stack) -> None:
    content = (HEADER + f"Beras {uuid.uuid4().hex[:6]},Sembako,kg,1000,1\n").encode()
    other = await data.staff(stack.url, "lok-baintan")
    try:
        assert (await other.get("/staf/telaga-bidadari/produk/impor")).status_code == 403
        token = await data.csrf_token(other, "/staf/lok-baintan/produk/impor")
        refused = await other.post(
            "/staf/telaga-bidadari/produk/impor", data={"_csrf_token": token}, files={"file": ("h.csv", content)}
        )
        assert refused.status_code == 403
    finally:
        await other.aclose()
    async with stack.client() as visitor:
        page = await visitor.get("/staf/telaga-bidadari/produk/impor")
        assert page.status_code == 303


def test_the_categories_exist_without_the_demo(tmp_path: Path) -> None:
    """DEMO_MODE=0 loads no demo data, yet a price list needs categories: the migrations write them."""
    import sqlite3

    from app.cli import migrate
    from app.settings import Settings

    settings = Settings(var_dir=tmp_path, secret_key="k" * 40, demo_mode=False)
    migrate(settings)
    with sqlite3.connect(tmp_path / "pasardesa.sqlite3") as db:
        names = [row[0] for row in db.execute("SELECT name FROM category ORDER BY position")]
    assert names[:3] == ["Sembako", "Sayur & Buah", "Ikan & Daging"] and len(names) == 8
