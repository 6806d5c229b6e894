"""Producers over HTTP: a listing from submission to the shop with its price split, ceilings at review,
photos, settlements, the members' books, the province overview, and who may see what."""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select, update

from app import clock
from app.auth import hash_password
from app.models import Membership, MembershipStatus, Role, User
from catalog.models import Product
from orders.models import Order, OrderEvent, OrderLine
from producers import services as producer_services
from producers.models import Producer, ProducerAccount, Settlement
from reports import sales
from tests.conftest import DEMO_PASSWORD, Stack
from tests.support import data

STAFF_LOK = "081200000101"
STAFF_TABANIO = "081200000303"
RESIDENT_LOK = "081200009001"
PRODUCER_A = "081200001001"  # Kelompok Tani Jukung Bahagia, Lok Baintan
PRODUCER_B = "081200001005"  # Wadai Banjar Galuh Pasar Terapung, Lok Baintan
_names = itertools.count(1)
ABOVE_HET = (
    "Harga jual Rp14.500 melebihi HET (harga eceran tertinggi) Rp14.000 (Kepbadan 299/2025). "
    "Turunkan harganya paling tinggi Rp14.000."
)


@asynccontextmanager
async def signed_in(stack: Stack, phone: str | None) -> AsyncIterator[httpx.AsyncClient]:
    async with stack.client() as client:
        if phone is not None:
            response = await data.login(client, phone, DEMO_PASSWORD)
            assert response.status_code == 303
        yield client


async def create_listing(
    client: httpx.AsyncClient, *, name: str | None = None, price: str = "8.000", submit: bool = True
) -> int:
    token = await data.csrf_token(client, "/produsen/produk/baru")
    response = await client.post(
        "/produsen/produk",
        data={
            "_csrf_token": token,
            "name": name or f"Amplang uji {next(_names)}",
            "category": "makanan-olahan",
            "unit": "bungkus",
            "pack_size": "200 gram",
            "producer_price": price,
            "description": "Kerupuk ikan pipih",
            "aksi": "ajukan" if submit else "simpan",
        },
    )
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


async def decide(
    client: httpx.AsyncClient, product_id: int, slug: str = "lok-baintan", **fields: str
) -> httpx.Response:
    token = await data.csrf_token(client, "/k/lok-baintan")
    return await client.post(f"/staf/{slug}/tinjauan/{product_id}", data={"_csrf_token": token, **fields})


async def product_row(stack: Stack, product_id: int) -> Product:
    async with stack.db.session() as session:
        product = await session.get(Product, product_id)
        assert product is not None
        return product


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (900, 600), (180, 90, 30)).save(out, "JPEG")
    return out.getvalue()


async def test_listing_goes_from_submission_to_approval_to_the_shop_with_its_price_split(stack: Stack) -> None:
    name = f"Amplang ikan tenggiri {stack.backend} {next(_names)}"
    async with signed_in(stack, PRODUCER_A) as producer, signed_in(stack, STAFF_LOK) as staff:
        product_id = await create_listing(producer, name=name, price="8.000")
        assert (await product_row(stack, product_id)).status == "pending_review"
        async with stack.client() as guest:
            before = await guest.get("/k/lok-baintan", params={"q": name})
            # The exact link: ids of other products may start with the same digits.
            assert before.status_code == 200 and f'/produk/{product_id}"' not in before.text
            assert (await guest.get(f"/k/lok-baintan/produk/{product_id}")).status_code == 404

        queue = await staff.get("/staf/lok-baintan/tinjauan")
        assert name in queue.text
        approved = await decide(staff, product_id, action="approved", margin_percent="25")
        assert approved.status_code == 303
        assert f"/staf/lok-baintan/tinjauan/{product_id}\"" not in (await staff.get("/staf/lok-baintan/tinjauan")).text

        mine = await producer.get(f"/produsen/produk/{product_id}")
        assert "Dijual" in mine.text and "Rp10.000" in mine.text

    async with stack.client() as guest:
        # Approval reaches the search index through the outbox relay: wait for it (not a speed check).
        await data.wait_until_findable(guest, "lok-baintan", name, product_id)
        shop = await guest.get("/k/lok-baintan", params={"q": name})
        assert f'/produk/{product_id}"' in shop.text
        assert "Rp8.000 untuk produsen (80%), Rp2.000 margin koperasi" in shop.text
        page = await guest.get(f"/k/lok-baintan/produk/{product_id}")
        assert "Rp8.000 untuk produsen (80%), Rp2.000 margin koperasi" in page.text
    async with stack.db.session() as session:
        history = await session.scalars(
            select(func.count()).select_from(OrderLine).where(OrderLine.product_id == product_id)
        )
        assert history.one() == 0


async def test_review_outcome_and_reason_reach_the_producer(stack: Stack) -> None:
    async with signed_in(stack, PRODUCER_A) as producer, signed_in(stack, STAFF_LOK) as staff:
        product_id = await create_listing(producer)
        too_short = await decide(staff, product_id, action="changes_requested", reason="")
        assert too_short.status_code == 422 and "alasan" in too_short.text.lower()
        asked = await decide(staff, product_id, action="changes_requested", reason="Foto kemasan belum ada")
        assert asked.status_code == 303
        page = await producer.get(f"/produsen/produk/{product_id}")
        assert "Perlu diperbaiki" in page.text and "Foto kemasan belum ada" in page.text
        token = await data.csrf_token(producer, f"/produsen/produk/{product_id}")
        resubmit = await producer.post(f"/produsen/produk/{product_id}/ajukan", data={"_csrf_token": token})
        assert resubmit.status_code == 303
        rejected = await decide(staff, product_id, action="rejected", reason="Bukan produk desa")
        assert rejected.status_code == 303
        assert "Bukan produk desa" in (await producer.get("/produsen")).text


async def test_retail_price_above_het_is_refused_and_above_hap_warns(stack: Stack) -> None:
    async with signed_in(stack, PRODUCER_A) as producer, signed_in(stack, STAFF_LOK) as staff:
        product_id = await create_listing(producer, price="12000")
        async with stack.db.session(write=True) as session:
            await session.execute(
                update(Product)
                .where(Product.id == product_id)
                .values(het=14_000, het_basis="Kepbadan 299/2025", hap=13_000)
            )
            await session.commit()
        refused = await decide(staff, product_id, action="approved", retail_price="14500")
        assert refused.status_code == 422
        assert ABOVE_HET in refused.text
        assert (await product_row(stack, product_id)).status == "pending_review"
        below_producer = await decide(staff, product_id, action="approved", retail_price="11000")
        assert below_producer.status_code == 422
        warned = await decide(staff, product_id, action="approved", retail_price="13500")
        assert warned.status_code == 303
        follow = await staff.get(warned.headers["location"])
        assert "di atas harga acuan pemerintah (HAP)" in follow.text
        product = await product_row(stack, product_id)
        assert (product.status, product.retail_price) == ("active", 13_500)
        # The staff price page refuses the same price with the same words: one ceiling check.
        token = await data.csrf_token(staff, f"/staf/lok-baintan/produk/{product_id}")
        form = {"_csrf_token": token, "retail_price": "14500"}
        terms = await staff.post(f"/staf/lok-baintan/produk/{product_id}", data=form)
        assert terms.status_code == 422
        assert ABOVE_HET in terms.text


async def test_photo_upload_checks_content_and_serves_webp(stack: Stack) -> None:
    async with signed_in(stack, PRODUCER_A) as producer:
        product_id = await create_listing(producer)
        token = await data.csrf_token(producer, f"/produsen/produk/{product_id}")
        fake = await producer.post(
            f"/produsen/produk/{product_id}/foto",
            data={"_csrf_token": token},
            files={"photo": ("kue.jpg", b"GIF89a? no: plain text pretending", "image/jpeg")},
        )
        assert fake.status_code == 422 and "bukan foto" in fake.text
        good = await producer.post(
            f"/produsen/produk/{product_id}/foto",
            data={"_csrf_token": token},
            files={"photo": ("kue.jpg", jpeg(), "image/jpeg")},
        )
        assert good.status_code == 303
        page = await producer.get(f"/produsen/produk/{product_id}")
        key = re.search(r"/media/produk/([A-Za-z0-9_\-]+)-sm\.webp", page.text)
        assert key
        image = await producer.get(f"/media/produk/{key.group(1)}-md.webp")
        assert image.status_code == 200 and image.headers["content-type"] == "image/webp"
        assert Image.open(io.BytesIO(image.content)).size == (640, 427)


# --- who may see what --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def b_listing() -> dict[str, object]:
    return {}


async def _b_listing(stack: Stack, cache: dict[str, object]) -> tuple[int, str]:
    """A pending listing of producer B, with a photo."""
    if stack.backend not in cache:
        async with signed_in(stack, PRODUCER_B) as producer:
            product_id = await create_listing(producer, name=f"Wadai rahasia B {stack.backend}")
            token = await data.csrf_token(producer, f"/produsen/produk/{product_id}")
            await producer.post(
                f"/produsen/produk/{product_id}/foto",
                data={"_csrf_token": token},
                files={"photo": ("b.jpg", jpeg(), "image/jpeg")},
            )
            page = await producer.get(f"/produsen/produk/{product_id}")
            match = re.search(r"/media/produk/([A-Za-z0-9_\-]+)-sm\.webp", page.text)
            assert match
            cache[stack.backend] = (product_id, match.group(1))
    result = cache[stack.backend]
    assert isinstance(result, tuple)
    return result


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/produsen/produk/{pid}"),
        ("POST", "/produsen/produk/{pid}"),
        ("POST", "/produsen/produk/{pid}/ajukan"),
        ("POST", "/produsen/produk/{pid}/foto"),
        ("POST", "/produsen/produk/{pid}/foto/{key}/hapus"),
        ("GET", "/media/produk/{key}-sm.webp"),
    ],
)
async def test_producer_a_cannot_read_or_change_producer_b_listing(
    stack: Stack, b_listing: dict[str, object], method: str, path: str
) -> None:
    product_id, key = await _b_listing(stack, b_listing)
    before = await product_row(stack, product_id)
    async with signed_in(stack, PRODUCER_A) as producer:
        url = path.format(pid=product_id, key=key)
        if method == "GET":
            response = await producer.get(url)
        else:
            token = await data.csrf_token(producer, "/produsen")
            form = {
                "_csrf_token": token,
                "name": "Diubah A",
                "category": "minuman",
                "unit": "botol",
                "producer_price": "1",
            }
            if url.endswith("/foto"):
                response = await producer.post(
                    url, data={"_csrf_token": token}, files={"photo": ("x.jpg", jpeg(), "image/jpeg")}
                )
            else:
                response = await producer.post(url, data=form)
        assert response.status_code == 404
        assert "Wadai rahasia B" not in response.text
    after = await product_row(stack, product_id)
    assert (after.name, after.producer_price, after.status) == (before.name, before.producer_price, before.status)
    async with signed_in(stack, PRODUCER_B) as owner:
        assert (await owner.get(f"/media/produk/{key}-sm.webp")).status_code == 200


async def test_producer_statements_show_only_their_own_sales(stack: Stack) -> None:
    async with stack.db.session() as session:
        b = await session.scalar(select(Producer).where(Producer.phone == "+6281200001005"))
        assert b is not None
        b_names = set(
            (await session.scalars(select(OrderLine.name).where(OrderLine.producer_id == b.id).distinct())).all()
        )
    assert b_names
    period = clock.period_containing("month", clock.local_today(await data.cooperative(stack.db, "lok-baintan")))
    async with signed_in(stack, PRODUCER_A) as producer:
        for key in (period.previous().key, period.previous().previous().key):
            page = await producer.get("/produsen/tagihan", params={"jenis": "bulan", "periode": key})
            csv = await producer.get(
                "/produsen/tagihan.csv", params={"jenis": "bulan", "periode": key, "produsen": b.id}
            )
            assert page.status_code == csv.status_code == 200
            assert "Kelompok Tani Jukung Bahagia" in csv.text
            for name in b_names:
                assert name not in page.text and name not in csv.text
        # The staff statement pages are not a way around it.
        for path in (f"/staf/setoran/{b.id}", f"/staf/setoran/{b.id}/unduh"):
            assert (await producer.get(path)).status_code == 403
        for path in (f"/staf/lok-baintan/bayar-produsen/{b.id}", f"/staf/lok-baintan/bayar-produsen/{b.id}/unduh"):
            assert (await producer.get(path)).status_code == 403


async def test_a_producer_cannot_approve_their_own_listing(stack: Stack) -> None:
    async with signed_in(stack, PRODUCER_A) as producer:
        product_id = await create_listing(producer)
        response = await decide(producer, product_id, action="approved", retail_price="9000")
        assert response.status_code == 403
    # Someone who is staff and also acts for the business may not approve it either.
    phone = "+62812000077" + ("11" if stack.backend == "sqlite" else "22")
    async with stack.db.session(write=True) as session:
        coop = await data.cooperative(stack.db, "lok-baintan")
        account = await session.scalar(
            select(ProducerAccount).join(User, User.id == ProducerAccount.user_id).where(User.phone == "+6281200001001")
        )
        assert account is not None
        user = User(phone=phone, name="Staf merangkap produsen", password_hash=hash_password(DEMO_PASSWORD))
        session.add(user)
        await session.flush()
        session.add(
            Membership(user_id=user.id, cooperative_id=coop.id, role=Role.PENGURUS, status=MembershipStatus.APPROVED)
        )
        session.add(ProducerAccount(user_id=user.id, producer_id=account.producer_id, cooperative_id=coop.id))
        await session.commit()
    async with signed_in(stack, "0" + phone[3:]) as both:
        response = await decide(both, product_id, action="approved", retail_price="9000")
        assert response.status_code == 403
        assert "usaha Anda sendiri" in response.text
    assert (await product_row(stack, product_id)).status == "pending_review"


@pytest.mark.parametrize(
    ("phone", "slug", "expected"),
    [
        (RESIDENT_LOK, "lok-baintan", 200),
        (RESIDENT_LOK, "tabanio", 403),
        (STAFF_LOK, "lok-baintan", 200),
        (STAFF_LOK, "tabanio", 403),
        (STAFF_TABANIO, "lok-baintan", 403),
        (PRODUCER_A, "lok-baintan", 200),
        (PRODUCER_A, "telaga-bidadari", 403),
        (None, "lok-baintan", 303),
    ],
)
async def test_only_members_and_staff_of_a_cooperative_open_its_books(
    stack: Stack, phone: str | None, slug: str, expected: int
) -> None:
    async with signed_in(stack, phone) as client:
        response = await client.get(f"/k/{slug}/laporan")
        assert response.status_code == expected
        if expected == 200:
            assert "Laporan keuangan" in response.text
        else:
            assert "tanpa ongkos kirim" not in response.text
        if expected == 303:
            assert response.headers["location"].startswith("/masuk")


@pytest.mark.parametrize(
    "path",
    [
        "/produsen",
        "/produsen/tagihan",
        "/staf/tinjauan",
        "/staf/setoran",
        "/staf/lok-baintan/tinjauan",
        "/staf/lok-baintan/bayar-produsen",
    ],
)
async def test_guests_are_sent_to_login_from_private_pages(stack: Stack, path: str) -> None:
    async with stack.client() as guest:
        response = await guest.get(path)
        assert response.status_code == 303 and response.headers["location"] == f"/masuk?lanjut={path}"


async def test_guests_see_the_public_province_overview_without_personal_data(stack: Stack) -> None:
    async with stack.client() as guest:
        page = await guest.get("/provinsi")
        api = await guest.get("/api/provinsi")
    assert page.status_code == 200 and api.status_code == 200
    body = api.json()
    assert body["cooperatives"] >= 3
    assert {row["kabupaten"] for row in body["kabupaten"]} >= {"Kabupaten Banjar", "Kabupaten Tanah Laut"}
    assert sum(m["orders"] for m in body["months"]) > 0
    for text in (page.text, api.text):
        assert not re.search(r"(\+62|08)\d{8,}", text)  # no phone numbers
        assert "Ibu Rahmah" not in text and "Kelompok Tani" not in text  # no buyer or producer names


async def test_residents_cannot_reach_staff_or_producer_pages(stack: Stack) -> None:
    async with signed_in(stack, RESIDENT_LOK) as resident:
        for path in (
            "/produsen",
            "/staf/tinjauan",
            "/staf/setoran",
            "/staf/lok-baintan/tinjauan",
            "/staf/lok-baintan/bayar-produsen",
        ):
            assert (await resident.get(path)).status_code == 403


# --- settlements and the books ---------------------------------------------------------------------------


async def _completed_sums(stack: Stack, slug: str, period: clock.Period) -> tuple[int, int, int]:
    """(sales, producer share of UMKM lines, cost of the cooperative's own goods), straight from the rows."""
    coop = await data.cooperative(stack.db, slug)
    start, end = clock.bounds(coop, period.start, period.end)
    async with stack.db.session() as session:
        completed = (
            select(OrderEvent.order_id)
            .where(OrderEvent.to_status == "completed", OrderEvent.created_at >= start, OrderEvent.created_at < end)
            .subquery()
        )
        lines = (
            await session.execute(
                select(OrderLine.line_total, OrderLine.producer_price, OrderLine.quantity, OrderLine.producer_id)
                .join(Order, Order.id == OrderLine.order_id)
                .where(Order.cooperative_id == coop.id, Order.status == "completed", Order.id.in_(select(completed)))
            )
        ).all()
    sales = sum(int(r[0]) for r in lines)
    umkm = sum(r[1] * r[2] for r in lines if r[3] is not None)
    own = sum(r[1] * r[2] for r in lines if r[3] is None)
    return sales, umkm, own


def _amount(html: str, element_id: str) -> int:
    match = re.search(rf'id="{element_id}">(-?)Rp([\d.]+)<', html)
    assert match, element_id
    return int(match.group(2).replace(".", "")) * (-1 if match.group(1) else 1)


async def test_members_books_for_the_demo_month_add_up_to_the_rupiah(stack: Stack) -> None:
    coop = await data.cooperative(stack.db, "lok-baintan")
    demo_month = clock.period_containing("month", clock.local_today(coop)).previous()
    sales, umkm, own = await _completed_sums(stack, "lok-baintan", demo_month)
    assert sales > 0
    async with signed_in(stack, RESIDENT_LOK) as member:
        page = await member.get("/k/lok-baintan/laporan", params={"bulan": demo_month.key})
    assert page.status_code == 200
    shown = {k: _amount(page.text, k) for k in ("sales", "producer-share", "supplier-cost", "margin", "paid", "owed")}
    assert shown["sales"] == sales
    assert shown["producer-share"] == umkm
    assert shown["supplier-cost"] == own
    assert shown["sales"] == shown["margin"] + shown["producer-share"] + shown["supplier-cost"]
    async with stack.db.session() as session:
        paid = await session.scalar(
            select(func.coalesce(func.sum(Settlement.amount_paid), 0)).where(
                Settlement.cooperative_id == coop.id,
                Settlement.paid_on >= demo_month.start,
                Settlement.paid_on < demo_month.end,
            )
        )
    assert shown["paid"] == int(paid or 0) > 0
    assert "Penjualan (pesanan selesai)" in page.text
    assert f"Selama {demo_month.label}, " + f"Rp{umkm:,}".replace(",", ".") in page.text


async def test_staff_pay_a_producer_once_and_the_producer_sees_it(stack: Stack) -> None:
    coop = await data.cooperative(stack.db, "lok-baintan")
    demo_month = clock.period_containing("month", clock.local_today(coop)).previous()
    async with signed_in(stack, STAFF_LOK) as staff:
        old = await staff.get("/staf/setoran", params={"jenis": "bulan", "periode": demo_month.key})
        payments = "/staf/lok-baintan/bayar-produsen"
        assert old.status_code == 303 and old.headers["location"] == f"{payments}?jenis=bulan&periode={demo_month.key}"
        overview = await staff.get(payments, params={"jenis": "bulan", "periode": demo_month.key})
        assert overview.status_code == 200
        # The demo leaves every other producer unpaid for the demo month; take the first such one.
        match = re.search(r'name="producer_id" value="(\d+)"', overview.text)
        assert match, "an unpaid producer in the demo month"
        producer_id = int(match.group(1))
        statement = await staff.get(
            f"{payments}/{producer_id}", params={"jenis": "bulan", "periode": demo_month.key}
        )
        owed = _amount(statement.text, "payable")
        assert owed == _amount(statement.text, "producer-total") > 0
        token = await data.csrf_token(staff, payments)
        form = {
            "_csrf_token": token,
            "producer_id": str(producer_id),
            "jenis": "bulan",
            "periode": demo_month.key,
            "method": "transfer",
            "reference": "TRF-UJI-1",
            "paid_on": "",
        }
        assert (await staff.post(payments, data=form)).status_code == 303
        again = await staff.post(payments, data=form)
        assert again.status_code == 409 and "sudah dibayar" in again.text
        week = await staff.post(
            payments,
            data={
                **form,
                "jenis": "minggu",
                "periode": f"{demo_month.start.isocalendar()[0]}-W{demo_month.start.isocalendar()[1] + 1:02d}",
            },
        )
        assert week.status_code == 409  # a week inside a paid month is not paid twice
        after = await staff.get(f"{payments}/{producer_id}", params={"jenis": "bulan", "periode": demo_month.key})
        assert _amount(after.text, "payable") == 0 and "TRF-UJI-1" in after.text
        current = clock.period_containing("month", clock.local_today(coop))
        early = await staff.post(payments, data={**form, "periode": current.key})
        assert early.status_code == 422
    async with stack.db.session() as session:
        rows = (
            await session.scalars(
                select(Settlement).where(Settlement.producer_id == producer_id, Settlement.reference == "TRF-UJI-1")
            )
        ).all()
        assert len(rows) == 1 and rows[0].amount_paid == owed


async def test_statement_csv_keeps_empty_cells_empty(stack: Stack) -> None:
    coop = await data.cooperative(stack.db, "lok-baintan")
    demo_month = clock.period_containing("month", clock.local_today(coop)).previous()
    async with signed_in(stack, PRODUCER_A) as producer:
        response = await producer.get("/produsen/tagihan.csv", params={"jenis": "bulan", "periode": demo_month.key})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    cells = [cell for row in rows for cell in row]
    assert "'" not in cells
    total = next(row for row in rows if row and row[0] == "Jumlah")
    assert total[1] == ""
    assert "Penjualan (pesanan selesai, Rp)" in cells


async def test_statements_and_producer_sales_figures_agree_for_a_month(stack: Stack) -> None:
    """The producer's statement and the per-producer sales figure staff export count the same sales."""
    coop = await data.cooperative(stack.db, "lok-baintan")
    demo_month = clock.period_containing("month", clock.local_today(coop)).previous()
    start, end = clock.bounds(coop, demo_month.start, demo_month.end)
    async with stack.db.session() as session:
        figures = await sales.by_producer(session, coop, start, end, basis=sales.Basis.COMPLETED)
        umkm = [f for f in figures if f.producer_id is not None]
        assert umkm
        for figure in umkm:
            producer = await session.get(Producer, figure.producer_id)
            assert producer is not None
            statement = await producer_services.statement(session, coop, producer, demo_month)
            assert (statement.units_sold, statement.sales_total, statement.producer_total) == (
                figure.units,
                figure.sales,
                figure.producer_share,
            )


# --- staff of two cooperatives, and rupiah typed the Indonesian way ---------------------------------------


async def test_staff_of_two_cooperatives_review_and_pay_in_both_without_crossing(stack: Stack) -> None:
    """Review and producer payments used to open only the first cooperative of someone who is staff of two."""
    lok, tabanio = await data.cooperative(stack.db, "lok-baintan"), await data.cooperative(stack.db, "tabanio")
    async with signed_in(stack, PRODUCER_A) as producer:
        lok_listing = await create_listing(producer)
    staff = await data.resident(stack.url, stack.db)
    try:
        async with stack.db.session(write=True) as session:
            staff_id = await session.scalar(select(User.id).order_by(User.id.desc()).limit(1))
            sold = await session.scalar(
                select(Product).where(Product.cooperative_id == tabanio.id, Product.producer_id.is_not(None)).limit(1)
            )
            assert staff_id is not None and sold is not None
            fields = {"cooperative_id", "producer_id", "category_id", "unit", "producer_price", "retail_price"}
            listing = Product(name=f"Ikan asin uji {next(_names)}", stock=0, status="pending_review", search_aliases=[])
            for name in fields:
                setattr(listing, name, getattr(sold, name))
            session.add(listing)
            session.add_all(
                Membership(user_id=staff_id, cooperative_id=c.id, role=Role.PENGURUS) for c in (lok, tabanio)
            )
            await session.commit()
            tabanio_listing = listing.id
        chooser = await staff.get("/staf/tinjauan")
        assert 'href="/staf/lok-baintan/tinjauan"' in chooser.text and 'href="/staf/tabanio/tinjauan"' in chooser.text
        queues = {slug: (await staff.get(f"/staf/{slug}/tinjauan")).text for slug in ("lok-baintan", "tabanio")}
        assert f"/staf/lok-baintan/tinjauan/{lok_listing}\"" in queues["lok-baintan"]
        assert f"/staf/tabanio/tinjauan/{tabanio_listing}\"" in queues["tabanio"]
        assert f"/tinjauan/{lok_listing}\"" not in queues["tabanio"]
        assert all(f'href="/staf/tabanio{path}"' in queues["tabanio"] for path in ("", "/setoran", "/bayar-produsen"))
        # Approving through the other cooperative's URL finds nothing and changes nothing.
        crossed = await decide(staff, lok_listing, "tabanio", action="approved", retail_price="9.000")
        assert crossed.status_code == 404 and (await product_row(stack, lok_listing)).status == "pending_review"
        approved = await decide(staff, tabanio_listing, "tabanio", action="approved", margin_percent="10")
        assert approved.status_code == 303 and approved.headers["location"] == "/staf/tabanio/tinjauan"
        assert (await product_row(stack, tabanio_listing)).status == "active"
        assert (await product_row(stack, lok_listing)).status == "pending_review"
        demo_month = clock.period_containing("month", clock.local_today(lok)).previous()
        paths = {s: f"/staf/{s}/bayar-produsen?periode={demo_month.key}" for s in ("lok-baintan", "tabanio")}
        pages = {s: await staff.get(path) for s, path in paths.items()}
        assert all(p.status_code == 200 and "Pembayaran ke produsen" in p.text for p in pages.values())
        unpaid = re.findall(r'name="producer_id" value="(\d+)"', pages["lok-baintan"].text)
        assert unpaid, "an unpaid producer of Lok Baintan in the demo month"
        form = {"_csrf_token": await data.csrf_token(staff, "/staf/tabanio/bayar-produsen"), "producer_id": unpaid[-1]}
        form |= {"jenis": "bulan", "periode": demo_month.key, "method": "cash", "reference": "", "paid_on": ""}
        assert (await staff.post("/staf/tabanio/bayar-produsen", data=form)).status_code == 404
        paid = await staff.post("/staf/lok-baintan/bayar-produsen", data=form)
        assert paid.status_code == 303 and paid.headers["location"].startswith("/staf/lok-baintan/bayar-produsen?")
        async with stack.db.session() as session:
            rows = (await session.scalars(select(Settlement).where(Settlement.paid_by_user_id == staff_id))).all()
        assert [(r.cooperative_id, r.producer_id) for r in rows] == [(lok.id, int(unpaid[-1]))]
    finally:
        await staff.aclose()


async def test_rupiah_with_thousands_dots_is_accepted_on_listing_and_review(stack: Stack) -> None:
    async with signed_in(stack, PRODUCER_A) as producer, signed_in(stack, STAFF_LOK) as staff:
        product_id = await create_listing(producer, price="15.000")
        assert (await product_row(stack, product_id)).producer_price == 15000
        refused = await decide(staff, product_id, action="approved", retail_price="16.000,50")
        assert refused.status_code == 422 and "tanpa sen" in refused.text
        approved = await decide(staff, product_id, action="approved", retail_price="Rp 16.000,-")
        assert approved.status_code == 303
    assert (await product_row(stack, product_id)).retail_price == 16000
