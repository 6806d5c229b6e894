"""From an empty production instance to a first completed order, on phones, through the pages only: the CLI's
operator registers a cooperative in Sungai Sipai, its pengurus builds the team, stocks and opens the shop,
a resident orders and the petugas fulfils the order. No SQL and no demo data; the database is only read."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from app.models import Cooperative
from tests.browser.conftest import ARTIFACTS, open_page
from tests.support import data
from tests.support.onboarding import (
    PRICE_LIST,
    SUNGAI_SIPAI,
    FreshSite,
    assert_empty,
    fixed_price_list,
    fresh_site,
)

PASSWORD = "sandi-rahasia-123"


@pytest.fixture(params=["sqlite", "postgres"])
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FreshSite]:
    with fresh_site(request, tmp_path / "site", request.param, "pasardesa_journey_browser") as made:
        yield made


class Phones:
    """One phone (browser context) per person, as each uses their own."""

    def __init__(self, browser: Browser, url: str) -> None:
        self.browser = browser
        self.url = url
        self.contexts: list[BrowserContext] = []

    async def new(self, *, javascript: bool = True) -> Page:
        context = await self.browser.new_context(
            java_script_enabled=javascript,
            viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="id-ID",
            base_url=self.url,
        )
        self.contexts.append(context)
        return await context.new_page()


@pytest.fixture
async def phones(browser: Browser, site: FreshSite) -> AsyncIterator[Phones]:
    made = Phones(browser, site.url)
    yield made
    for context in made.contexts:
        await context.close()


async def fits_the_screen(page: Page) -> None:
    overflow = await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the phone"


async def _operator_registers(site: FreshSite, phone: Page) -> str:
    """The CLI's link, a password, then the registration form with the region pickers. Returns the pengurus' link."""
    path = site.create_operator("Dinas Koperasi Kalimantan Selatan", data.new_phone(), "63")
    await phone.goto(path)
    await phone.get_by_label("Kata sandi").fill(PASSWORD)
    await phone.get_by_role("button", name="Simpan kata sandi").click()
    await expect(phone).to_have_url(re.compile(r"/operator$"))

    await phone.goto("/koperasi-baru")
    await _pick_sungai_sipai(phone)
    await phone.get_by_label("Nama koperasi").fill("Koperasi Desa Merah Putih Sungai Sipai")
    await phone.get_by_label(re.compile("Nomor badan hukum")).fill("AHU-0002009.AH.01.29.TAHUN 2025")
    await phone.get_by_label("Nomor WhatsApp koperasi").fill("0812 5100 2009")
    await phone.get_by_label(re.compile("Nama pengurus pertama")).fill("Hj. Rusmini")
    await phone.get_by_label("Nomor HP pengurus").fill(data.new_phone())
    await fits_the_screen(phone)
    await phone.get_by_role("button", name="Daftarkan koperasi").click()
    issued = phone.locator("#issued")
    await expect(issued).to_contain_text("Hj. Rusmini")
    await expect(issued.get_by_role("link", name="Kirim lewat WhatsApp")).to_have_attribute(
        "href", re.compile(r"^https://wa\.me/62")
    )
    return await issued.get_by_label("Tautan undangan").input_value()


async def _pick_sungai_sipai(phone: Page) -> None:
    """Kabupaten, kecamatan, desa: with htmx each choice reloads the pickers; without it, a button does."""
    scripted = await phone.evaluate("() => window.htmx !== undefined")
    next_choices = phone.get_by_role("button", name="Tampilkan pilihan berikutnya")
    await phone.get_by_label("Kabupaten/kota").select_option(label="Kabupaten Banjar")
    if not scripted:
        await next_choices.click()
    await phone.get_by_label("Kecamatan").select_option(label="Martapura")
    if not scripted:
        await next_choices.click()
    await phone.get_by_label("Desa/kelurahan").select_option(value=SUNGAI_SIPAI)
    if scripted:
        await phone.wait_for_load_state("networkidle")
    await expect(phone.get_by_label("Desa/kelurahan")).to_have_value(SUNGAI_SIPAI)


async def _accept(page: Page, url: str) -> None:
    await open_page(page, url)
    await page.get_by_label(re.compile("Buat kata sandi")).fill(PASSWORD)
    await page.get_by_role("button", name="Terima undangan").click()
    await expect(page.locator(".flash-ok")).to_contain_text("Selamat datang")


async def _invite(page: Page, slug: str, name: str, role: str) -> str:
    await open_page(page, f"/staf/{slug}/tim")
    await page.get_by_label("Nama", exact=True).fill(name)
    await page.get_by_label("Nomor HP / WhatsApp").fill(data.new_phone())
    await page.get_by_label("Peran", exact=True).select_option(label=role)
    await page.get_by_role("button", name="Buat tautan undangan").click()
    await expect(page.locator("#issued")).to_be_visible()
    return await page.locator("#issued").get_by_label("Tautan").input_value()


async def _stock_the_shop(pengurus: Page, slug: str) -> None:
    await open_page(pengurus, f"/staf/{slug}/produsen")
    await pengurus.get_by_label(re.compile("Nama usaha")).fill("UMKM Wadai Sipai")
    await pengurus.get_by_label(re.compile("Nama pemilik")).fill("Ibu Salmah")
    await pengurus.get_by_label(re.compile("Nomor HP")).fill(data.new_phone())
    await pengurus.get_by_role("button", name="Tambah produsen").click()
    issued = pengurus.locator("#issued")
    await expect(issued).to_contain_text("UMKM Wadai Sipai ditambahkan")
    await expect(issued.get_by_role("link", name="Kirim lewat WhatsApp")).to_have_attribute(
        "href", re.compile(r"^https://wa\.me/62")
    )

    await open_page(pengurus, f"/staf/{slug}/produk/impor")
    await pengurus.get_by_label("Berkas daftar harga").set_input_files(str(PRICE_LIST))
    await pengurus.get_by_role("button", name="Periksa daftar").click()
    errors = pengurus.locator("#import-errors tbody tr")
    await expect(errors).to_have_count(2)
    await expect(errors.nth(0)).to_contain_text("14")
    await expect(errors.nth(0)).to_contain_text("Stok")
    await expect(errors.nth(1)).to_contain_text("19")
    await expect(errors.nth(1)).to_contain_text("Kategori")
    await expect(pengurus.get_by_role("button", name=re.compile("Tambahkan"))).to_have_count(0)
    await fits_the_screen(pengurus)
    await pengurus.screenshot(path=str(ARTIFACTS / "onboarding-import-errors.png"), full_page=True)

    await pengurus.get_by_role("link", name="unggah lagi").click()
    fixed = {"name": "harga_20_baris_2_salah.csv", "mimeType": "text/csv", "buffer": fixed_price_list()}
    await pengurus.get_by_label("Berkas daftar harga").set_input_files(fixed)  # type: ignore[arg-type]
    await pengurus.get_by_role("button", name="Periksa daftar").click()
    await pengurus.get_by_role("button", name="Tambahkan 20 produk").click()
    await expect(pengurus.locator(".flash-ok")).to_contain_text("20 produk dari daftar harga ditambahkan")


async def _open_the_shop(pengurus: Page, slug: str) -> None:
    await open_page(pengurus, f"/staf/{slug}/siap")
    await expect(pengurus.locator("#checklist h2")).to_have_text("Persiapan 2/6")
    await expect(pengurus.get_by_role("button", name=re.compile("lengkapi persiapan dulu"))).to_be_disabled()
    await pengurus.get_by_label("Jam buka").fill("Senin–Sabtu 07.30–16.00")
    await pengurus.get_by_label("Alamat pengambilan barang").fill("Balai Desa Sungai Sipai, Martapura")
    await pengurus.locator('input[name="pay_cash"]').check()
    await pengurus.get_by_label("Hanya ambil di koperasi").check()
    await pengurus.get_by_role("button", name="Simpan data toko").click()
    await expect(pengurus.locator("#checklist h2")).to_have_text("Persiapan 6/6")
    await expect(pengurus.locator("#checklist li.notice")).to_have_count(0)
    await expect(pengurus.locator("#checklist li.success")).to_have_count(6)
    await fits_the_screen(pengurus)
    await pengurus.screenshot(path=str(ARTIFACTS / "onboarding-checklist.png"), full_page=True)
    await pengurus.get_by_role("button", name="Buka toko").click()
    await expect(pengurus.locator("#shop-status")).to_have_text("Buka")


async def _resident_orders(site: FreshSite, resident: Page, slug: str) -> str:
    product = next(p for p in await _products(site, slug) if p["name"] == "Gula Aren 500 g")
    async with site.client() as api:
        await data.wait_until_findable(api, slug, "Gula Aren", int(product["id"]))
    await open_page(resident, "/")
    await resident.get_by_role("link", name=re.compile("Sungai Sipai")).first.click()
    await expect(resident.locator("h1")).to_contain_text("Sungai Sipai")
    await resident.get_by_role("button", name="Tambah Gula Aren 500 g ke keranjang").click()
    await expect(resident.locator("#cart-badge .badge")).to_have_text("1")
    await resident.locator("#cart-badge").click()
    await resident.get_by_role("link", name="Lanjut ke pemesanan").click()
    await resident.get_by_label("Nama").fill("Ibu Aminah")
    await resident.get_by_label("Nomor HP / WhatsApp").fill("0812 3456 2009")
    await resident.get_by_role("button", name=re.compile("Pesan sekarang")).click()
    await expect(resident.get_by_role("heading", name="Pesanan diterima")).to_be_visible()
    await expect(resident.locator(".total")).to_contain_text("Rp25.000")
    return await resident.locator(".order-number").first.inner_text()


async def _products(site: FreshSite, slug: str) -> list[dict[str, Any]]:
    async with site.client() as api:
        body = (await api.get(f"/api/cooperatives/{slug}/products", params={"per_page": 100})).json()
    return list(body["items"])


async def _petugas_fulfils(site: FreshSite, petugas: Page, slug: str, number: str) -> None:
    await open_page(petugas, f"/staf/{slug}/pesanan")
    card = petugas.locator(f"#o-{number}")
    for button, label in (("Konfirmasi", "Dikonfirmasi"), ("Tandai dikemas", "Dikemas"),
                          ("Siap diambil", "Siap diambil")):  # fmt: skip
        await card.get_by_role("button", name=button).click()
        await expect(petugas.locator("#board")).to_contain_text(f"Pesanan {number}: {label}.")
    await fits_the_screen(petugas)
    await card.get_by_role("link", name="Rincian").click()
    await petugas.get_by_role("button", name="Tandai lunas Rp25.000").click()
    await expect(petugas.get_by_text("Catat uang dikembalikan", exact=True)).to_be_visible()
    await petugas.get_by_role("button", name="Selesaikan").click()
    await expect(petugas.get_by_role("button", name="Selesaikan")).to_have_count(0)
    await fits_the_screen(petugas)
    await petugas.screenshot(path=str(ARTIFACTS / "onboarding-order-completed.png"), full_page=True)
    order = await data.order_row(site.db, number)
    assert (order.status, order.payment_status) == ("completed", "paid")


async def test_an_empty_instance_becomes_a_selling_cooperative_on_phones(site: FreshSite, phones: Phones) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await assert_empty(site.db)
    # The operator registers with htmx on; the test below checks the pickers keep the chosen desa.
    operator = await phones.new()
    pengurus_link = await _operator_registers(site, operator)
    coop = await _only_cooperative(site)
    assert coop.kode_wilayah == SUNGAI_SIPAI and coop.status == "onboarding"
    slug = coop.slug

    pengurus = await phones.new()
    await _accept(pengurus, pengurus_link)
    petugas_link = await _invite(pengurus, slug, "Rahmadi", "Petugas")
    kurir_link = await _invite(pengurus, slug, "Udin Kurir", "Kurir")
    petugas = await phones.new()
    await _accept(petugas, petugas_link)
    await _accept(await phones.new(), kurir_link)

    await _stock_the_shop(pengurus, slug)
    await _open_the_shop(pengurus, slug)
    number = await _resident_orders(site, await phones.new(), slug)
    await _petugas_fulfils(site, petugas, slug, number)


async def _only_cooperative(site: FreshSite) -> Cooperative:
    async with site.db.session() as session:
        rows = list(await session.scalars(select(Cooperative)))
    assert len(rows) == 1
    return rows[0]


async def test_the_htmx_region_pickers_keep_the_chosen_desa(site: FreshSite, phones: Phones) -> None:
    path = site.create_operator("Dinas Koperasi Kabupaten Banjar", data.new_phone(), "63.03")
    operator = await phones.new()
    await open_page(operator, path)
    await operator.get_by_label("Kata sandi").fill(PASSWORD)
    await operator.get_by_role("button", name="Simpan kata sandi").click()
    await expect(operator).to_have_url(re.compile(r"/operator$"))
    await open_page(operator, "/koperasi-baru")
    await _pick_sungai_sipai(operator)
