"""Facts about this installation kept in its database, such as its identity."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base

INSTANCE_ID = "instance_id"


class InstanceMeta(Base):
    __tablename__ = "instance_meta"

    key: Mapped[str] = mapped_column(String(60), unique=True)
    value: Mapped[str] = mapped_column(String(200))


async def instance_id(session: AsyncSession) -> str:
    """A random id written by the first migration: tells one database from another (search index)."""
    from sqlalchemy import select

    value = await session.scalar(select(InstanceMeta.value).where(InstanceMeta.key == INSTANCE_ID))
    return value or ""
