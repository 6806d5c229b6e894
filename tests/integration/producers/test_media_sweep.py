"""Photo files no row names (an upload whose transaction failed) are swept; a photo in use never is."""

from __future__ import annotations

import datetime
from pathlib import Path

from sqlalchemy import select

from app.db import DatabaseConfig
from app.settings import Settings
from app.storage import open_media_store
from catalog.models import Product, ProductStatus
from producers.media_sweep import GRACE, key_of, sweep_orphans
from producers.services import photos
from tests.support.photos import camera_like


def test_only_names_the_app_writes_have_a_key() -> None:
    assert key_of("produk/Ab_c-12-md.webp") == "Ab_c-12"
    assert key_of("produk/tanpa") is None
    assert key_of("lain/abc-md.webp") is None


async def test_a_failed_uploads_files_are_swept_and_a_kept_photo_stays(
    quiet_settings: Settings, tmp_path: Path
) -> None:
    media = open_media_store(Settings(var_dir=tmp_path))
    db = DatabaseConfig(quiet_settings)
    thumbs = photos.make_thumbnails(camera_like(7, (400, 300)))
    try:
        async with db.session(write=True) as session:
            product = await session.scalar(select(Product).where(Product.status == ProductStatus.ACTIVE).limit(1))
            assert product is not None
            kept = await photos.store_photo(session, product, thumbs, media, position=0)
            await session.commit()
        # The same files for a photo whose row never committed.
        async with db.session(write=True) as session:
            product = await session.scalar(select(Product).where(Product.id == kept.product_id))
            assert product is not None
            lost = await photos.store_photo(session, product, thumbs, media, position=1)
            lost_key = lost.key
            await session.rollback()
        names = {name for name, _ in await media.listing("produk/")}
        assert {n for n in names if lost_key in n} and {n for n in names if kept.key in n}

        async with db.session() as session:
            # Just written: it may be an upload still on its way, so it stays.
            assert await sweep_orphans(session, media) == []
            later = datetime.datetime.now(datetime.UTC) + GRACE + datetime.timedelta(minutes=1)
            deleted = await sweep_orphans(session, media, now=later)
        assert deleted and all(lost_key in name for name in deleted)
        left = {name for name, _ in await media.listing("produk/")}
        assert not any(lost_key in name for name in left)
        assert {photos.photo_name(kept.key, variant) for variant in thumbs.files} <= left
    finally:
        await db.dispose()
