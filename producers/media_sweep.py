"""Photo files no row names: left when a transaction rolled back after the files were written."""

from __future__ import annotations

import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.storage import MediaStore
from producers.models import ProductPhoto

PREFIX = "produk/"
# Files are written before their row commits: a younger file may belong to an upload still on its way.
GRACE = datetime.timedelta(hours=1)


def key_of(name: str) -> str | None:
    """`produk/<key>-md.webp` → `<key>`; None for a name the app would not have written."""
    if not name.startswith(PREFIX):
        return None
    stem = name[len(PREFIX) :]
    key, dash, _variant = stem.rpartition("-")
    return key if dash and key else None


async def sweep_orphans(
    session: AsyncSession, media: MediaStore, *, now: datetime.datetime | None = None
) -> list[str]:
    """Delete photo files older than GRACE whose key no photo row has; returns what was deleted."""
    now = now or datetime.datetime.now(datetime.UTC)
    known = set(await session.scalars(select(ProductPhoto.key)))
    deleted = []
    for name, written in await media.listing(PREFIX):
        key = key_of(name)
        if key is None or key in known or now - written < GRACE:
            continue
        await media.delete(name)
        deleted.append(name)
    return deleted
