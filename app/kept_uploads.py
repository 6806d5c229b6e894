"""An uploaded list kept between its preview and "apply", in the shared session table under a namespace per import."""

from __future__ import annotations

import datetime
import secrets

import msgspec
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound
from app.i18n import N_, _
from app.models import WebSession

# How long an uploaded list waits between its preview and "apply".
UPLOAD_TTL = datetime.timedelta(hours=2)
UPLOAD_EXPIRED = N_("Berkas yang diunggah sudah kedaluwarsa atau tidak ditemukan. Unggah berkasnya lagi.")


class _KeptUpload(msgspec.Struct):
    cooperative_id: int
    user_id: int
    data: bytes


async def keep(session: AsyncSession, namespace: str, cooperative_id: int, user_id: int, data: bytes) -> str:
    """Keep an upload in the database (shared by every worker) until it is applied; returns its key.

    Rows live in the server-side session table, so the housekeeping that removes expired sessions removes
    forgotten uploads too, and nothing stays on a worker's disk. Each import has its own namespace, so a
    key kept for one import cannot be applied by another.
    """
    key = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            key=key,
            namespace=namespace,
            value=msgspec.msgpack.encode(_KeptUpload(cooperative_id, user_id, data)),
            expires_at=datetime.datetime.now(datetime.UTC) + UPLOAD_TTL,
        )
    )
    await session.flush()
    return key


async def kept(session: AsyncSession, namespace: str, key: str, cooperative_id: int, user_id: int) -> bytes:
    """The upload kept by `keep`, only for the person and cooperative that uploaded it; else 404."""
    row = await session.scalar(select(WebSession).where(WebSession.namespace == namespace, WebSession.key == key[:255]))
    if row is None or row.expires_at < datetime.datetime.now(datetime.UTC):
        raise NotFound(_(UPLOAD_EXPIRED))
    upload = msgspec.msgpack.decode(row.value, type=_KeptUpload)
    if upload.cooperative_id != cooperative_id or upload.user_id != user_id:
        raise NotFound(_(UPLOAD_EXPIRED))
    return upload.data


async def drop(session: AsyncSession, namespace: str, key: str) -> None:
    await session.execute(delete(WebSession).where(WebSession.namespace == namespace, WebSession.key == key[:255]))
