"""Photo uploads are judged by their content: wrong types, oversized files and decompression bombs are
refused with a message; good photos become small WebP thumbnails without EXIF."""

from __future__ import annotations

import asyncio
import io
import os
import threading
import time

import pytest
from PIL import ExifTags, Image, JpegImagePlugin

from app.errors import InvalidInput
from producers.services import photos
from producers.services.photos import MAX_UPLOAD_BYTES, SIZES, make_thumbnails


def _image_bytes(size: tuple[int, int], fmt: str = "JPEG", mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, 0).save(out, fmt)
    return out.getvalue()


def test_a_photo_becomes_small_webp_thumbnails() -> None:
    thumbs = make_thumbnails(_image_bytes((2000, 1500)))
    assert set(thumbs.files) == set(photos.VARIANTS)
    for name, side in SIZES.items():
        image = Image.open(io.BytesIO(thumbs.files[f"{name}.webp"]))
        assert image.format == "WEBP"
        assert max(image.size) == side
        assert "exif" not in image.info
    assert len(thumbs.files["sm.webp"]) < 10_000


def test_the_shop_card_gets_a_small_cropped_webp_and_a_jpeg_fallback() -> None:
    # A tall photo is cropped to the card's shape, so every card is the same height before it loads.
    thumbs = make_thumbnails(_image_bytes((1200, 1600)))
    webp = Image.open(io.BytesIO(thumbs.files["xs.webp"]))
    jpeg = Image.open(io.BytesIO(thumbs.files["xs.jpg"]))
    assert (webp.format, webp.size) == ("WEBP", photos.CARD_BOX)
    assert (jpeg.format, jpeg.size) == ("JPEG", photos.CARD_BOX)
    assert "exif" not in jpeg.info


def test_card_pictures_can_be_made_later_from_a_stored_photo() -> None:
    md = make_thumbnails(_image_bytes((900, 600), "PNG", "RGBA")).files["md.webp"]
    files = photos.card_files_from_md(md)
    assert Image.open(io.BytesIO(files["xs.jpg"])).size == photos.CARD_BOX


def test_png_and_palette_images_are_accepted() -> None:
    assert make_thumbnails(_image_bytes((300, 300), "PNG", "P")).files["md.webp"]


def test_text_named_like_a_jpeg_is_refused() -> None:
    # The name never reaches this function: only the bytes decide.
    with pytest.raises(InvalidInput) as refused:
        make_thumbnails(b"<?php echo 'not a photo'; ?>" * 10)
    assert "bukan foto" in refused.value.message


def test_unsupported_image_type_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        make_thumbnails(_image_bytes((50, 50), "GIF", "P"))
    assert "JPEG, PNG atau WebP" in refused.value.message


def test_oversized_upload_is_refused() -> None:
    noise = Image.frombytes("RGB", (1400, 1400), os.urandom(1400 * 1400 * 3))
    out = io.BytesIO()
    noise.save(out, "PNG")
    raw = out.getvalue()
    assert len(raw) > MAX_UPLOAD_BYTES
    with pytest.raises(InvalidInput) as refused:
        make_thumbnails(raw)
    assert "terlalu besar" in refused.value.message


def test_decompression_bomb_is_refused_before_decoding() -> None:
    # 30000×30000 pixels in a few kilobytes: decoding it would take ~900 MB.
    raw = _image_bytes((30_000, 30_000), "PNG", "1")
    assert len(raw) < MAX_UPLOAD_BYTES
    with pytest.raises(InvalidInput) as refused:
        make_thumbnails(raw)
    assert "terlalu besar" in refused.value.message


def test_empty_upload_asks_for_a_photo() -> None:
    with pytest.raises(InvalidInput, match="Pilih foto"):
        make_thumbnails(b"")


def test_a_photo_above_24_megapixels_is_refused_before_decoding() -> None:
    # 28 MP of a 1-bit PNG is a few kilobytes: accepted (and decoded) under the old 50 MP cap.
    raw = _image_bytes((7_000, 4_000), "PNG", "1")
    assert len(raw) < MAX_UPLOAD_BYTES
    with pytest.raises(InvalidInput) as refused:
        make_thumbnails(raw)
    assert refused.value.message == (
        "Ukuran gambar terlalu besar (7000×4000 piksel). Paling besar 24 megapiksel; kecilkan dulu fotonya."
    )
    assert refused.value.field_errors == {"photo": refused.value.message}


def test_a_large_jpeg_is_decoded_at_a_reduced_scale(monkeypatch: pytest.MonkeyPatch) -> None:
    decoded: list[tuple[int, int]] = []
    load = JpegImagePlugin.JpegImageFile.load

    def spy(self: JpegImagePlugin.JpegImageFile) -> object:
        result = load(self)
        decoded.append(self.size)
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "load", spy)
    thumbs = make_thumbnails(_image_bytes((4_000, 3_000)))
    # A quarter of each side (1/16 of the pixels), still larger than the 640 px thumbnail.
    assert decoded and decoded[0] == (1_000, 750)
    assert (thumbs.width, thumbs.height) == (4_000, 3_000)  # the photo's own size is kept
    assert Image.open(io.BytesIO(thumbs.files["md.webp"])).size == (640, 480)


def test_a_rotated_phone_photo_keeps_its_upright_size() -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # taken holding the phone upright
    out = io.BytesIO()
    Image.new("RGB", (2_000, 1_500)).save(out, "JPEG", exif=exif)
    thumbs = make_thumbnails(out.getvalue())
    assert (thumbs.width, thumbs.height) == (1_500, 2_000)
    assert Image.open(io.BytesIO(thumbs.files["md.webp"])).size == (480, 640)


async def test_decoding_runs_off_the_event_loop_at_most_two_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    loop_thread = threading.get_ident()
    running = 0
    most = 0
    threads: set[int] = set()
    guard = threading.Lock()

    def slow(raw: bytes) -> photos.Thumbnails:
        nonlocal running, most
        with guard:
            running += 1
            most = max(most, running)
            threads.add(threading.get_ident())
        time.sleep(0.05)
        with guard:
            running -= 1
        return photos.Thumbnails(width=1, height=1, files={})

    monkeypatch.setattr(photos, "make_thumbnails", slow)
    await asyncio.gather(*[photos.make_thumbnails_off_loop(b"x") for _ in range(6)])
    assert loop_thread not in threads
    assert most == photos.DECODERS == 2
