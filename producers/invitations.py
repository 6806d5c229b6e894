"""A producer's owner accepts the invitation staff sent when adding the producer: the account then acts for it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Conflict
from app.i18n import N_, _
from app.models import Invitation, User
from producers.models import Producer, ProducerAccount

# The invitation role this package handles (`app.people.register_acceptance`).
PRODUCER_ROLE = "producer"
GONE = N_("Produsen ini sudah tidak terdaftar di koperasi. Minta undangan baru ke pengurus koperasi.")


async def link_producer_owner(session: AsyncSession, invitation: Invitation, user: User) -> None:
    """Let the accepting account act for the invited producer (`ProducerAccount`).

    One account acts for at most one producer: an account that already runs another business is told so
    (the request rolls back, the link stays usable). Accepting for the producer it already runs changes nothing.
    """
    producer = await session.get(Producer, invitation.producer_id) if invitation.producer_id else None
    if producer is None or producer.cooperative_id != invitation.cooperative_id:
        raise Conflict(_(GONE))
    current = await session.scalar(select(ProducerAccount).where(ProducerAccount.user_id == user.id))
    if current is not None:
        if current.producer_id == producer.id:
            return
        other = await session.get(Producer, current.producer_id)
        name = other.business_name if other else _("usaha lain")
        raise Conflict(
            _(
                "Akun dengan nomor ini sudah mengelola %(name)s. Satu akun hanya untuk satu produsen; "
                "minta pengurus mengundang nomor lain.",
                name=name,
            )
        )
    session.add(ProducerAccount(user_id=user.id, producer_id=producer.id, cooperative_id=producer.cooperative_id))
    await session.flush()
