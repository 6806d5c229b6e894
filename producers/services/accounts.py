"""Who acts for which producer, and the checks that keep each business's listings and money its own.

A producer account acts for exactly one UMKM; every listing query is scoped by that producer, so a
producer never reads or changes another business's data. Which roles may open a page is the routes'
guards' business (`app.guards`); the functions here check the objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import CurrentUser
from app.errors import Forbidden, NotFound
from app.i18n import _
from app.models import Cooperative
from catalog.models import Product
from producers.models import Producer, ProducerAccount


@dataclass(frozen=True)
class ProducerContext:
    producer: Producer
    cooperative: Cooperative


async def producer_for_user(session: AsyncSession, user_id: int) -> Producer | None:
    return await session.scalar(
        select(Producer)
        .join(ProducerAccount, ProducerAccount.producer_id == Producer.id)
        .where(ProducerAccount.user_id == user_id)
    )


async def producer_context(session: AsyncSession, user: CurrentUser) -> ProducerContext:
    """The business this account acts for, and its cooperative; 403 for an account that acts for none."""
    producer = await producer_for_user(session, user.id)
    if producer is None:
        raise Forbidden(_("Halaman ini hanya untuk akun produsen (UMKM)."))
    cooperative = await session.get(Cooperative, producer.cooperative_id)
    assert cooperative is not None
    return ProducerContext(producer, cooperative)


async def get_own_product(session: AsyncSession, producer: Producer, product_id: int) -> Product:
    """A listing of this producer; another business's listing is "not found", never shown."""
    product = await session.get(Product, product_id)
    if product is None or product.producer_id != producer.id or product.cooperative_id != producer.cooperative_id:
        raise NotFound(_("Produk tidak ditemukan di daftar usaha Anda."))
    return product


async def producers_of(session: AsyncSession, cooperative_id: int) -> Sequence[Producer]:
    return (
        await session.scalars(
            select(Producer).where(Producer.cooperative_id == cooperative_id).order_by(Producer.business_name)
        )
    ).all()


async def get_producer(session: AsyncSession, cooperative_id: int, producer_id: int) -> Producer:
    producer = await session.get(Producer, producer_id)
    if producer is None or producer.cooperative_id != cooperative_id:
        raise NotFound(_("Produsen tidak ditemukan di koperasi ini."))
    return producer
