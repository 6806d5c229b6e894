"""Product photo checks and thumbnails: the type is read from the content (never the file name), sizes are
capped before decoding, and only small WebP thumbnails are kept, for slow village connections."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from app.errors import InvalidInput

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# A phone camera makes 12-50 MP; anything larger is refused before it is decoded (decompression bombs).
MAX_PIXELS = 50_000_000
MAX_SIDE = 12_000
ALLOWED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
# Thumbnails: "md" for the product page, "sm" for lists.
SIZES = {"md": 640, "sm": 200}
WEBP_QUALITY = 72


@dataclass(frozen=True)
class Thumbnails:
    width: int
    height: int
    files: dict[str, bytes]


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(message, field_errors={"photo": message})


def make_thumbnails(raw: bytes) -> Thumbnails:
    """Check an uploaded photo and return its WebP thumbnails, or raise InvalidInput with the reason."""
    if not raw:
        raise _refuse("Pilih foto dulu.")
    if len(raw) > MAX_UPLOAD_BYTES:
        raise _refuse(f"Foto terlalu besar ({len(raw) // 1024 // 1024} MB). Paling besar 5 MB.")
    try:
        with warnings.catch_warnings():
            # Pillow only warns about moderately huge images; treat that as a refusal too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(raw))
            kind = opened.format or ""
            if kind not in ALLOWED_FORMATS:
                raise _refuse("Berkas ini bukan foto JPEG, PNG atau WebP.")
            width, height = opened.size
            if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
                raise _refuse(
                    f"Ukuran gambar terlalu besar ({width}×{height} piksel). Paling besar {MAX_PIXELS // 1_000_000} "
                    "megapiksel; kecilkan dulu fotonya."
                )
            opened.load()
            image: Image.Image = ImageOps.exif_transpose(opened)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse("Ukuran gambar terlalu besar untuk diproses. Kecilkan dulu fotonya.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise _refuse("Berkas ini bukan foto yang bisa dibaca (JPEG, PNG atau WebP).") from None
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB")
    files: dict[str, bytes] = {}
    for name, side in SIZES.items():
        copy = image.copy()
        copy.thumbnail((side, side), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        # No EXIF is written: location and camera data from a phone photo are not published.
        copy.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
        files[name] = out.getvalue()
    return Thumbnails(width=image.width, height=image.height, files=files)
