"""Product photos for tests: camera-like pictures made with Pillow, stored as the app stores uploads."""

from __future__ import annotations

import io
import random
from collections.abc import Sequence

from PIL import Image, ImageDraw, ImageFilter
from sqlalchemy import select

from app.models import Cooperative
from app.storage import open_media_store
from catalog.models import Product, ProductStatus
from producers.services import photos
from tests.conftest import Stack


def camera_like(seed: int, size: tuple[int, int] = (1200, 900)) -> bytes:
    """A JPEG with broad shapes and fine texture: its thumbnails weigh what a real product photo's do
    (a flat colour would make a card picture of a few hundred bytes and flatter the page weight)."""
    rnd = random.Random(seed)
    width, height = size
    image = Image.new("RGB", size, (rnd.randrange(120, 230), rnd.randrange(90, 200), rnd.randrange(60, 160)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y, r = rnd.randrange(width), rnd.randrange(height), rnd.randrange(60, 300)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)))
    for _ in range(900):
        x, y, r = rnd.randrange(width), rnd.randrange(height), rnd.randrange(4, 22)
        shade = rnd.randrange(-60, 60)
        colour = tuple(max(0, min(255, v + shade)) for v in image.getpixel((x, y)))  # type: ignore[union-attr]
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    out = io.BytesIO()
    image.filter(ImageFilter.GaussianBlur(1.5)).save(out, "JPEG", quality=88)
    return out.getvalue()


async def give_photos(stack: Stack, product_ids: Sequence[int]) -> None:
    """One photo for each product, through the same thumbnails and store as a producer's upload."""
    media = open_media_store(stack.settings)
    async with stack.db.session(write=True) as session:
        for product_id in product_ids:
            product = await session.get(Product, product_id)
            assert product is not None
            thumbs = photos.make_thumbnails(camera_like(product_id))
            await photos.store_photo(session, product, thumbs, media, position=0)
        await session.commit()


async def active_product_ids(stack: Stack, slug: str = "lok-baintan") -> list[int]:
    async with stack.db.session() as session:
        rows = await session.scalars(
            select(Product.id)
            .join(Cooperative, Cooperative.id == Product.cooperative_id)
            .where(Cooperative.slug == slug, Product.status == ProductStatus.ACTIVE)
        )
        return list(rows)
