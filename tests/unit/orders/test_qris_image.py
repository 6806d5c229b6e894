"""Reading a QRIS from the photo or screenshot staff upload, and the PNG buyers save."""

from __future__ import annotations

import io

import pytest
import segno
from PIL import Image

from orders.qris import QrisError, make_demo_static, qr_png, read_qr_image, to_dynamic, validate_static
from tests.unit.orders.test_qris import EWALLET, crc_ok, top_level


def test_png_round_trip() -> None:
    assert read_qr_image(qr_png(EWALLET)) == EWALLET


def test_a_photo_like_jpeg_with_a_margin_is_read() -> None:
    sticker = Image.open(io.BytesIO(qr_png(EWALLET, scale=6))).convert("RGB")
    photo = Image.new("RGB", (sticker.width + 300, sticker.height + 400), (200, 40, 40))  # a red QRIS stand
    photo.paste(sticker, (150, 250))
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", quality=80)
    assert read_qr_image(buffer.getvalue()) == EWALLET


def test_the_buyers_png_carries_the_order_amount() -> None:
    dynamic = to_dynamic(make_demo_static("KDMP LOK BAINTAN", "BANJAR", "70653", "ID9999000000101"), 23_500)
    read = read_qr_image(qr_png(dynamic))
    assert crc_ok(read)
    assert dict(top_level(read))["54"] == "23500"
    assert validate_static(read).point_of_initiation == "12"


def _png(draw: Image.Image) -> bytes:
    buffer = io.BytesIO()
    draw.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "kosong"),
        (b"%PDF-1.4 not an image at all", "tidak bisa dibaca sebagai gambar"),
        (b"\x89PNG\r\n\x1a\n truncated", "tidak bisa dibaca sebagai gambar"),
        (_png(Image.new("L", (200, 200), 255)), "Tidak ada kode QR"),
        (b"x" * (5 * 1024 * 1024 + 1), "terlalu besar"),
    ],
)
def test_unusable_uploads_are_refused_with_a_message(data: bytes, fragment: str) -> None:
    with pytest.raises(QrisError) as caught:
        read_qr_image(data)
    assert caught.value.code == "image"
    assert fragment in caught.value.message


def test_two_codes_in_one_picture_are_refused() -> None:
    first = Image.open(io.BytesIO(qr_png(EWALLET)))
    second = Image.open(io.BytesIO(qr_png("HELLO-OTHER-CODE")))
    both = Image.new("L", (first.width + second.width + 40, max(first.height, second.height)), 255)
    both.paste(first, (0, 0))
    both.paste(second, (first.width + 40, 0))
    with pytest.raises(QrisError, match="lebih dari satu kode QR"):
        read_qr_image(_png(both))


def test_a_huge_canvas_is_refused_before_decoding() -> None:
    # A small file that claims 8000 x 8000 pixels (a decompression bomb in miniature).
    with pytest.raises(QrisError, match="terlalu besar"):
        read_qr_image(_png(Image.new("1", (8000, 8000), 1)))


def test_a_non_qr_barcode_is_not_taken_for_a_qris() -> None:
    code = segno.make_micro("12345")
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=10, border=4)
    with pytest.raises(QrisError):
        read_qr_image(buffer.getvalue())
