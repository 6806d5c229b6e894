"""Cooperatives, the tenant every other record belongs to: finding them and who works for which."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import CurrentUser
from app.errors import NotFound
from app.i18n import _
from app.models import Cooperative, CooperativeStatus


async def list_cooperatives(session: AsyncSession, *, open_only: bool = True) -> Sequence[Cooperative]:
    """Active cooperatives by name; by default only the shops that are open (listed on `/` and by the API)."""
    query = select(Cooperative).where(Cooperative.is_active.is_(True)).order_by(Cooperative.name)
    if open_only:
        query = query.where(Cooperative.status == CooperativeStatus.OPEN)
    result = await session.scalars(query)
    return result.all()


async def get_cooperative(session: AsyncSession, slug: str) -> Cooperative:
    """The active cooperative with this slug, or 404."""
    cooperative = await session.scalar(
        select(Cooperative).where(Cooperative.slug == slug, Cooperative.is_active.is_(True))
    )
    if cooperative is None:
        raise NotFound(_("Koperasi tidak ditemukan. Periksa kembali alamatnya."))
    return cooperative


async def get_cooperative_by_id(session: AsyncSession, cooperative_id: int) -> Cooperative:
    cooperative = await session.get(Cooperative, cooperative_id)
    if cooperative is None:
        raise NotFound(_("Koperasi tidak ditemukan."))
    return cooperative


async def cooperatives_of_staff(session: AsyncSession, user: CurrentUser | None) -> Sequence[Cooperative]:
    """Every active cooperative this person is staff of, by name: a person may work for several."""
    ids = user.staff_cooperative_ids if user else []
    if not ids:
        return []
    result = await session.scalars(
        select(Cooperative).where(Cooperative.id.in_(ids), Cooperative.is_active.is_(True)).order_by(Cooperative.name)
    )
    return result.all()
