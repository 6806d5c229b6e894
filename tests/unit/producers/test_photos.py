"""Photo uploads are judged by their content: wrong types, oversized files and decompression bombs are
refused with a message; good photos become small WebP thumbnails without EXIF."""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image

from app.errors import InvalidInput
from producers.services.photos import MAX_UPLOAD_BYTES, SIZES, make_thumbnails


def _image_bytes(size: tuple[int, int], fmt: str = "JPEG", mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, 0).save(out, fmt)
    return out.getvalue()


def test_a_photo_becomes_small_webp_thumbnails() -> None:
    thumbs = make_thumbnails(_image_bytes((2000, 1500)))
    assert set(thumbs.files) == set(SIZES)
    for name, content in thumbs.files.items():
        image = Image.open(io.BytesIO(content))
        assert image.format == "WEBP"
        assert max(image.size) == SIZES[name]
        assert "exif" not in image.info
    assert len(thumbs.files["sm"]) < 10_000


def test_png_and_palette_images_are_accepted() -> None:
    assert make_thumbnails(_image_bytes((300, 300), "PNG", "P")).files["md"]


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
