"""Product photos: upload checks and thumbnails, where the files live, and who may see them.

The type is read from the content (never the file name), sizes are capped before decoding, and only small
thumbnails are kept, for slow village connections: WebP for the product page and lists, and a tiny card
picture (WebP, with a JPEG for browsers without WebP) for the shop's product cards.
"""

from __future__ import annotations

import asyncio
import io
import re
import secrets
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import anyio
import anyio.to_thread
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import CurrentUser
from app.errors import Conflict, InvalidInput, NotFound
from app.i18n import _
from app.storage import MediaStore
from catalog import outbox
from catalog.models import Product, ProductStatus
from producers.models import ProductPhoto
from producers.services.accounts import ProducerContext, get_own_product, producer_for_user

if TYPE_CHECKING:
    # Pillow is imported where photos are decoded: most workers never do, and it costs each ~2 MB.
    from PIL import Image

MAX_PHOTOS = 6
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# A phone camera makes 12-24 MP; anything larger is refused before it is decoded (decompression bombs,
# and a 50 MP PNG alone needs 200 MB of pixels).
MAX_PIXELS = 24_000_000
MAX_SIDE = 12_000
ALLOWED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
# Thumbnails: "md" for the product page, "sm" for lists; the largest first, each made from the one before.
SIZES = {"md": 640, "sm": 200}
WEBP_QUALITY = 72
# The shop card's picture, cropped to one shape so every card is the same height before it loads; a
# first screen of cards costs a few KiB each on a phone plan.
CARD = "xs"
CARD_BOX = (144, 108)
CARD_QUALITY = 40
# Every file a photo has in the store, by the end of its name, with its content type.
VARIANTS = {
    "md.webp": "image/webp",
    "sm.webp": "image/webp",
    f"{CARD}.webp": "image/webp",
    f"{CARD}.jpg": "image/jpeg",
}
# Decoding runs in threads (Pillow releases the GIL), at most this many at once: each may hold ~100 MB.
DECODERS = 2
_ROTATED = {5, 6, 7, 8}  # EXIF orientations that swap width and height
_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Thumbnails:
    width: int
    height: int
    # By variant ("md.webp", "xs.jpg", ...; see VARIANTS).
    files: dict[str, bytes]


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(message, field_errors={"photo": message})


def _open_checked(raw: bytes) -> tuple[Image.Image, int, int]:
    """The opened (not yet decoded) image and its upright size, or a refusal before any pixel is decoded."""
    from PIL import ExifTags, Image

    opened = Image.open(io.BytesIO(raw))
    if (opened.format or "") not in ALLOWED_FORMATS:
        raise _refuse(_("Berkas ini bukan foto JPEG, PNG atau WebP."))
    width, height = opened.size
    if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
        raise _refuse(
            _(
                "Ukuran gambar terlalu besar (%(width)s×%(height)s piksel). Paling besar %(limit)s "
                "megapiksel; kecilkan dulu fotonya.",
                width=width,
                height=height,
                limit=MAX_PIXELS // 1_000_000,
            )
        )
    if opened.getexif().get(ExifTags.Base.Orientation) in _ROTATED:
        width, height = height, width
    if opened.format == "JPEG":
        # The JPEG decoder scales by 1/2, 1/4 or 1/8 while decoding: a 24 MP photo is decoded at
        # about 1.5 MP for a 640 px thumbnail, a sixteenth of the memory and time.
        opened.draft("RGB", (SIZES["md"], SIZES["md"]))
    return opened, width, height


def make_thumbnails(raw: bytes) -> Thumbnails:
    """Check an uploaded photo and return its WebP thumbnails, or raise InvalidInput with the reason.

    Blocking (it decodes): the web layer calls `make_thumbnails_off_loop`."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not raw:
        raise _refuse(_("Pilih foto dulu."))
    if len(raw) > MAX_UPLOAD_BYTES:
        raise _refuse(_("Foto terlalu besar (%(size)s MB). Paling besar 5 MB.", size=len(raw) // 1024 // 1024))
    try:
        opened, width, height = _open_checked(raw)
        opened.load()
        image: Image.Image = ImageOps.exif_transpose(opened)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse(_("Ukuran gambar terlalu besar untuk diproses. Kecilkan dulu fotonya.")) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise _refuse(_("Berkas ini bukan foto yang bisa dibaca (JPEG, PNG atau WebP).")) from None
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB")
    files: dict[str, bytes] = {}
    for name, side in SIZES.items():
        image.thumbnail((side, side), Image.Resampling.LANCZOS)
        if name == "md":
            files.update(card_files(image))
        out = io.BytesIO()
        # No EXIF is written: location and camera data from a phone photo are not published.
        image.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
        files[f"{name}.webp"] = out.getvalue()
    return Thumbnails(width=width, height=height, files=files)


def card_files(image: Image.Image) -> dict[str, bytes]:
    """The shop card's picture, centre-cropped to CARD_BOX, as WebP and as a JPEG fallback."""
    from PIL import Image, ImageOps

    card = ImageOps.fit(image, CARD_BOX, Image.Resampling.LANCZOS)
    webp, jpeg = io.BytesIO(), io.BytesIO()
    card.save(webp, "WEBP", quality=CARD_QUALITY, method=6)
    if card.mode != "RGB":
        # JPEG has no transparency: a transparent background becomes white, as it looks on the page.
        flat = Image.new("RGB", card.size, (255, 255, 255))
        flat.paste(card, mask=card.getchannel("A") if "A" in card.getbands() else None)
        card = flat
    card.save(jpeg, "JPEG", quality=CARD_QUALITY, optimize=True, progressive=True)
    return {f"{CARD}.webp": webp.getvalue(), f"{CARD}.jpg": jpeg.getvalue()}


def card_files_from_md(md_webp: bytes) -> dict[str, bytes]:
    """Card pictures for a photo stored before cards had them, made from its own 640 px WebP."""
    from PIL import Image

    with Image.open(io.BytesIO(md_webp)) as opened:
        opened.load()
        image = opened.convert("RGBA" if "A" in opened.getbands() else "RGB")
    return card_files(image)


async def make_thumbnails_off_loop(raw: bytes) -> Thumbnails:
    """`make_thumbnails` in a worker thread, at most DECODERS at once per process, so a large upload
    never stalls the other requests and a burst of uploads cannot exhaust memory."""
    return await anyio.to_thread.run_sync(make_thumbnails, raw, limiter=_limiter())


def _limiter() -> anyio.CapacityLimiter:
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = anyio.CapacityLimiter(DECODERS)
    return limiter


def photo_name(key: str, variant: str) -> str:
    """The file's name in the media store (`variant` as in VARIANTS: "md.webp", "xs.jpg", ...)."""
    return f"produk/{key}-{variant}"


async def photos_of(session: AsyncSession, product_id: int) -> Sequence[ProductPhoto]:
    return (
        await session.scalars(
            select(ProductPhoto)
            .where(ProductPhoto.product_id == product_id)
            .order_by(ProductPhoto.position, ProductPhoto.id)
        )
    ).all()


async def first_photo_keys(session: AsyncSession, product_ids: Sequence[int]) -> dict[int, str]:
    if not product_ids:
        return {}
    rows = await session.execute(
        select(ProductPhoto.product_id, ProductPhoto.key)
        .where(ProductPhoto.product_id.in_(product_ids))
        .order_by(ProductPhoto.product_id, ProductPhoto.position.desc(), ProductPhoto.id.desc())
    )
    return dict(rows.tuples().all())


async def add_photo(
    session: AsyncSession, ctx: ProducerContext, product_id: int, raw: bytes, media: MediaStore
) -> ProductPhoto:
    product = await get_own_product(session, ctx.producer, product_id)
    count = await session.scalar(select(func.count()).where(ProductPhoto.product_id == product.id)) or 0
    if count >= MAX_PHOTOS:
        raise Conflict(_("Paling banyak %(n)s foto per produk. Hapus satu dulu.", n=MAX_PHOTOS))
    return await store_photo(session, product, await make_thumbnails_off_loop(raw), media, position=count)


async def store_photo(
    session: AsyncSession, product: Product, thumbs: Thumbnails, media: MediaStore, *, position: int
) -> ProductPhoto:
    """Keep checked thumbnails as the product's photo at `position` (the caller checked who may add it)."""
    key = secrets.token_urlsafe(15)
    # Files first, row after: a row never names a missing file; a failed transaction leaves orphans,
    # which `app.cli sweep-media` removes.
    for variant, content in thumbs.files.items():
        await media.put(photo_name(key, variant), content, VARIANTS[variant])
    photo = ProductPhoto(
        product_id=product.id,
        cooperative_id=product.cooperative_id,
        key=key,
        width=thumbs.width,
        height=thumbs.height,
        size_bytes=sum(len(c) for c in thumbs.files.values()),
        position=position,
    )
    session.add(photo)
    await outbox.enqueue(session, [product.id])
    await session.flush()
    return photo


async def delete_photo(
    session: AsyncSession, ctx: ProducerContext, product_id: int, key: str, media: MediaStore
) -> None:
    product = await get_own_product(session, ctx.producer, product_id)
    photo = await session.scalar(
        select(ProductPhoto).where(ProductPhoto.product_id == product.id, ProductPhoto.key == key[:40])
    )
    if photo is None:
        raise NotFound(_("Foto tidak ditemukan."))
    # The stored key, never the one from the URL: only names the app made reach the store.
    stored_key = photo.key
    await session.delete(photo)
    await outbox.enqueue(session, [product.id])
    await session.flush()
    for variant in VARIANTS:
        await media.delete(photo_name(stored_key, variant))


@dataclass(frozen=True)
class PhotoFile:
    content: bytes
    content_type: str
    public: bool


async def photo_for_viewer(
    session: AsyncSession, key: str, variant: str, user: CurrentUser | None, media: MediaStore
) -> PhotoFile:
    """A photo's file and whether it is public. Photos of unpublished listings are seen only by
    their producer and the cooperative's staff; to anyone else they do not exist."""
    if variant not in VARIANTS or not re.fullmatch(r"[A-Za-z0-9_\-]{10,40}", key):
        raise NotFound(_("Foto tidak ditemukan."))
    row = (
        await session.execute(
            select(ProductPhoto, Product.status, Product.producer_id)
            .join(Product, Product.id == ProductPhoto.product_id)
            .where(ProductPhoto.key == key)
        )
    ).first()
    if row is None:
        raise NotFound(_("Foto tidak ditemukan."))
    photo, status, producer_id = row
    public = status == ProductStatus.ACTIVE
    if not public:
        allowed = False
        if user is not None:
            if user.is_staff_of(photo.cooperative_id):
                allowed = True
            else:
                own = await producer_for_user(session, user.id)
                allowed = own is not None and own.id == producer_id
        if not allowed:
            raise NotFound(_("Foto tidak ditemukan."))
    content = await media.get(photo_name(photo.key, variant))
    if content is None and variant.startswith(f"{CARD}."):
        content = await _make_missing_card(photo.key, variant, media)
    if content is None:
        raise NotFound(_("Foto tidak ditemukan."))
    return PhotoFile(content, VARIANTS[variant], public)


async def _make_missing_card(key: str, variant: str, media: MediaStore) -> bytes | None:
    """A photo from before the shop cards showed photos gets its card pictures the first time one is asked."""
    from PIL import UnidentifiedImageError

    md = await media.get(photo_name(key, "md.webp"))
    if md is None:
        return None
    try:
        files = await anyio.to_thread.run_sync(card_files_from_md, md, limiter=_limiter())
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    for name, content in files.items():
        await media.put(photo_name(key, name), content, VARIANTS[name])
    return files[variant]
