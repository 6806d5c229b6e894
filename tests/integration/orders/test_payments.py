"""Payments over HTTP: the cooperative's static QRIS, each order's dynamic QRIS, transfer, confirmation, refund."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select

from app.models import Cooperative
from orders.qris import crc16_ccitt_false, parse, read_qr_image, validate_static
from tests.conftest import Stack
from tests.support import data
from tests.unit.orders.test_qris import BANK_WITH_TIP, EWALLET, NMID_IN_26, WITH_AMOUNT, signed, tlv, top_level

PAYMENT_COLUMNS = (
    "bank_name",
    "bank_account_number",
    "bank_account_name",
    "qris_payload",
    "qris_merchant_name",
    "qris_merchant_city",
    "qris_nmid",
    "qris_is_demo",
)


@pytest.fixture
async def tabanio_settings(stack: Stack) -> AsyncIterator[None]:
    """Tests here change Tabanio's payment settings; put the demo ones back afterwards."""
    async with stack.db.session() as session:
        coop = await session.scalar(select(Cooperative).where(Cooperative.slug == "tabanio"))
        assert coop is not None
        saved = {c: getattr(coop, c) for c in PAYMENT_COLUMNS}
    yield
    async with stack.db.session(write=True) as session:
        coop = await session.scalar(select(Cooperative).where(Cooperative.slug == "tabanio"))
        assert coop is not None
        for column, value in saved.items():
            setattr(coop, column, value)
        await session.commit()


def verifies(payload: str) -> bool:
    return payload[-8:-4] == "6304" and crc16_ccitt_false(payload[:-4]) == payload[-4:]


@pytest.mark.usefixtures("tabanio_settings")
@pytest.mark.parametrize("payload", [EWALLET, BANK_WITH_TIP, WITH_AMOUNT, NMID_IN_26, f"\n {EWALLET}\r\n"])
async def test_staff_set_a_real_looking_static_qris_as_it_is(stack: Stack, payload: str) -> None:
    staff = await data.staff(stack.url, "tabanio")
    try:
        response = await staff.put("/api/cooperatives/tabanio/qris", json={"payload": payload})
        assert response.status_code == 200, response.text
        info = validate_static(payload)
        assert response.json() == {
            "merchant_name": info.merchant_name,
            "merchant_city": info.merchant_city,
            "nmid": info.nmid,
        }
        async with stack.db.session() as session:
            coop = await session.scalar(select(Cooperative).where(Cooperative.slug == "tabanio"))
            assert coop is not None and coop.qris_payload == payload.strip() and coop.qris_is_demo is False
    finally:
        await staff.aclose()


def _without(tag: str) -> str:
    return signed(*[(t, v) for t, v in top_level(EWALLET)[:-1] if t != tag])


MALFORMED = {
    "bad CRC": (EWALLET[:-4] + ("0000" if EWALLET[-4:] != "0000" else "1111"), "crc", "CRC tidak cocok"),
    "truncated TLV": (EWALLET[:60], "truncated", "terpotong"),
    "missing tag 58": (_without("58"), "missing_tag", "kode negara (tag 58)"),
    "missing merchant name": (_without("59"), "missing_tag", "nama merchant (tag 59)"),
    "non-numeric length": ("000201010211" + "59X5WARUNG", "length", "panjang tag 59"),
    "empty": ("", "empty", "kosong"),
    "dynamic QR": (
        signed(*[(t, "12" if t == "01" else v) for t, v in top_level(EWALLET)[:-1]]),
        "not_static",
        "QRIS dinamis",
    ),
}


@pytest.mark.usefixtures("tabanio_settings")
@pytest.mark.parametrize("case", list(MALFORMED))
async def test_bad_qris_is_422_naming_the_fault(stack: Stack, case: str) -> None:
    payload, code, fragment = MALFORMED[case]
    staff = await data.staff(stack.url, "tabanio")
    try:
        response = await staff.put("/api/cooperatives/tabanio/qris", json={"payload": payload})
        assert response.status_code == 422, response.text
        problem = response.json()
        assert problem["qris_error"] == code
        assert fragment in problem["detail"]
        assert problem["errors"]["payload"] == problem["detail"]
    finally:
        await staff.aclose()


async def test_only_that_cooperatives_staff_set_its_qris(stack: Stack, http: httpx.AsyncClient) -> None:
    other = await data.staff(stack.url, "lok-baintan")
    member = await data.resident(stack.url, stack.db, member_of="tabanio")
    try:
        assert (await http.put("/api/cooperatives/tabanio/qris", json={"payload": EWALLET})).status_code == 401
        assert (await other.put("/api/cooperatives/tabanio/qris", json={"payload": EWALLET})).status_code == 403
        assert (await member.put("/api/cooperatives/tabanio/qris", json={"payload": EWALLET})).status_code == 403
    finally:
        await other.aclose()
        await member.aclose()


@pytest.mark.usefixtures("tabanio_settings")
async def test_staff_upload_a_photo_of_the_sticker(stack: Stack) -> None:
    from orders.qris import qr_png

    staff = await data.staff(stack.url, "tabanio")
    try:
        token = await data.csrf_token(staff, "/staf/tabanio/pengaturan")
        response = await staff.post(
            "/staf/tabanio/pengaturan/qris",
            data={"_csrf_token": token, "payload": ""},
            files={"image": ("qris.png", qr_png(BANK_WITH_TIP), "image/png")},
        )
        assert response.status_code == 303, response.text
        page = await staff.get("/staf/tabanio/pengaturan")
        assert "KOPERASI TELAGA MAKMUR" in page.text and "ID2021000000042" in page.text
        refused = await staff.post(
            "/staf/tabanio/pengaturan/qris",
            data={"_csrf_token": token, "payload": ""},
            files={"image": ("qris.jpg", b"%PDF-1.4 this is not a picture", "image/jpeg")},
        )
        assert refused.status_code == 422
        assert "tidak bisa dibaca sebagai gambar" in refused.text
    finally:
        await staff.aclose()


async def test_every_qris_order_gets_its_exact_total(stack: Stack, http: httpx.AsyncClient) -> None:
    product = await data.make_product(stack.db, stock=20, price=17_250)
    body = data.order_body(
        product.id, 3, payment_method="qris", fulfilment="delivery", address={"dusun": "Seberang sungai (jukung)"}
    )
    created = await http.post("/api/cooperatives/lok-baintan/orders", json=body)
    assert created.status_code == 201, created.text
    order = created.json()
    assert (order["subtotal"], order["delivery_fee"], order["total"]) == (51_750, 10_000, 61_750)

    response = await http.get(f"/api/orders/{order['number']}/qris", params={"token": order["token"]})
    assert response.status_code == 200
    qris = response.json()
    assert qris["amount"] == 61_750
    payload = qris["payload"]
    assert verifies(payload)
    fields = {f.tag: f.value for f in parse(payload)}
    assert fields["01"] == "12" and fields["54"] == "61750"
    assert dict(top_level(fields["62"]))["01"] == order["number"]
    assert "ID.PASARDESA.DEMO" in payload  # the demo cooperative's made-up QRIS

    page = await http.get(f"/pesanan/{order['number']}", params={"token": order["token"]})
    assert '<svg width="' in page.text and 'class="qris"' in page.text
    assert "QRIS contoh untuk demo" in page.text
    png = await http.get(f"/pesanan/{order['number']}/qris.png", params={"token": order["token"]})
    assert png.headers["content-type"] == "image/png"
    assert read_qr_image(png.content) == payload
    assert (await http.get(f"/api/orders/{order['number']}/qris", params={"token": "salah"})).status_code == 404


async def test_staff_confirm_payment_with_reference_then_refund(stack: Stack, http: httpx.AsyncClient) -> None:
    product = await data.make_product(stack.db, stock=5, price=10_000)
    order = (
        await http.post(
            "/api/cooperatives/lok-baintan/orders", json=data.order_body(product.id, 2, payment_method="transfer")
        )
    ).json()
    page = await http.get(f"/pesanan/{order['number']}", params={"token": order["token"]})
    assert "Bank Kalsel" in page.text and "0000000101" in page.text and "Rekening contoh untuk demo" in page.text

    staff = await data.staff(stack.url)
    other = await data.staff(stack.url, "tabanio")
    try:
        number = order["number"]
        assert (await http.post(f"/api/orders/{number}/payment", json={"status": "paid"})).status_code == 401
        assert (await other.post(f"/api/orders/{number}/payment", json={"status": "paid"})).status_code == 404
        no_ref = await staff.post(f"/api/orders/{number}/payment", json={"status": "paid"})
        assert no_ref.status_code == 422 and "referensi" in no_ref.json()["detail"]
        refund_first = await staff.post(f"/api/orders/{number}/payment", json={"status": "refunded"})
        assert refund_first.status_code == 409
        paid = await staff.post(f"/api/orders/{number}/payment", json={"status": "paid", "reference": "TRF-8812"})
        assert paid.status_code == 200, paid.text
        body = paid.json()
        assert body["payment_status"] == "paid"
        (payment,) = body["payments"]
        assert (payment["kind"], payment["method"], payment["amount"], payment["reference"]) == (
            "paid",
            "transfer",
            20_000,
            "TRF-8812",
        )
        assert payment["actor"].startswith("Staf: ") and payment["at"]
        twice = await staff.post(f"/api/orders/{number}/payment", json={"status": "paid", "reference": "TRF-8812"})
        assert twice.status_code == 409 and twice.json()["detail"] == "Pesanan ini sudah lunas."
        # A paid order has nothing to scan any more.
        assert (await http.get(f"/api/orders/{number}/qris", params={"token": order["token"]})).status_code == 409
        refunded = await staff.post(f"/api/orders/{number}/payment", json={"status": "refunded", "note": "batal"})
        assert refunded.status_code == 200 and refunded.json()["payment_status"] == "refunded"
        rows = await data.payments_of(stack.db, number)
        assert [(p.kind, p.amount) for p in rows] == [("paid", 20_000), ("refunded", 20_000)]
    finally:
        await staff.aclose()
        await other.aclose()


async def test_cash_needs_no_reference_and_cancelled_orders_cannot_be_paid(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    product = await data.make_product(stack.db, stock=5)
    staff = await data.staff(stack.url)
    try:
        cash = (await http.post("/api/cooperatives/lok-baintan/orders", json=data.order_body(product.id))).json()
        paid = await staff.post(f"/api/orders/{cash['number']}/payment", json={"status": "paid"})
        assert paid.status_code == 200 and paid.json()["payments"][0]["method"] == "cash"
        gone = (await http.post("/api/cooperatives/lok-baintan/orders", json=data.order_body(product.id))).json()
        await http.post(f"/api/orders/{gone['number']}/cancel", json={}, params={"token": gone["token"]})
        refused = await staff.post(f"/api/orders/{gone['number']}/payment", json={"status": "paid"})
        assert refused.status_code == 409 and "dibatalkan" in refused.json()["detail"]
    finally:
        await staff.aclose()


@pytest.mark.usefixtures("tabanio_settings")
async def test_methods_the_cooperative_has_not_set_up_are_refused(stack: Stack, http: httpx.AsyncClient) -> None:
    product = await data.make_product(stack.db, "tabanio", stock=5)
    staff = await data.staff(stack.url, "tabanio")
    try:
        token = await data.csrf_token(staff, "/staf/tabanio/pengaturan")
        cleared = await staff.post(
            "/staf/tabanio/pengaturan/rekening",
            data={"_csrf_token": token, "bank_name": "", "account_number": "", "account_name": ""},
        )
        assert cleared.status_code == 303
        async with stack.db.session(write=True) as session:
            coop = await session.scalar(select(Cooperative).where(Cooperative.slug == "tabanio"))
            assert coop is not None
            coop.qris_payload = None
            await session.commit()
        for method in ("transfer", "qris"):
            response = await http.post(
                "/api/cooperatives/tabanio/orders", json=data.order_body(product.id, payment_method=method)
            )
            assert response.status_code == 422
            assert "belum menerima" in response.json()["errors"]["payment_method"]
        checkout_choices = await http.post(
            "/api/cooperatives/tabanio/orders", json=data.order_body(product.id, payment_method="cash")
        )
        assert checkout_choices.status_code == 201
        bad = await staff.post(
            "/staf/tabanio/pengaturan/rekening",
            data={"_csrf_token": token, "bank_name": "Bank Kalsel", "account_number": "12ab", "account_name": ""},
        )
        assert bad.status_code == 422
        assert "Nomor rekening diisi angka saja" in bad.text and "Nama pemilik rekening wajib diisi" in bad.text
    finally:
        await staff.aclose()


def test_helpers_agree_with_the_module() -> None:
    assert verifies(EWALLET) and not verifies(EWALLET[:-1] + "0")
    assert tlv(("59", "A")) == "5901A"
