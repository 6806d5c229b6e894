"""Helpers for the onboarding tests: free desa codes, cooperative rows, pengurus-like roles."""

from __future__ import annotations

from sqlalchemy import select

from app.db import DatabaseConfig
from app.models import Cooperative
from app.regions import Region, RegionLevel

PENGURUS_LIKE = {"pengurus", "assigned_pendamping"}
_taken: set[str] = set()


async def free_desas(db: DatabaseConfig, prefix: str, count: int) -> list[str]:
    """Desa codes under `prefix` that no cooperative holds and no earlier test picked."""
    async with db.session() as session:
        used = set(await session.scalars(select(Cooperative.kode_wilayah).where(Cooperative.kode_wilayah.is_not(None))))
        codes = await session.scalars(
            select(Region.code)
            .where(Region.level == RegionLevel.DESA, Region.code.like(f"{prefix}.%"))
            .order_by(Region.code)
        )
        picked = [c for c in codes if c not in used and c not in _taken][:count]
    assert len(picked) == count
    _taken.update(picked)
    return picked


async def cooperative_row(db: DatabaseConfig, slug: str) -> Cooperative:
    async with db.session() as session:
        coop = await session.scalar(select(Cooperative).where(Cooperative.slug == slug))
        assert coop is not None
        return coop
