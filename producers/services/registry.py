"""Staff add the producers (UMKM) that supply their cooperative: business, owner, phone and permit numbers."""

from __future__ import annotations

import re
from collections.abc import Sequence

import msgspec
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app import people
from app.audit import Actor
from app.errors import Conflict
from app.forms import parse_phone, parse_text, raise_errors
from app.i18n import _
from app.models import Cooperative, Invitation
from app.tokens import IssuedLink
from producers.invitations import PRODUCER_ROLE
from producers.models import Producer, ProducerAccount

_PERMIT = re.compile(r"[0-9A-Za-z./\- ]+")


class ProducerForm(msgspec.Struct, kw_only=True):
    """The staff form and the API body (`name` is the business name)."""

    name: str = ""
    owner_name: str = ""
    phone: str = ""
    nib: str = ""
    pirt_number: str = ""
    halal_number: str = ""


class ProducerCreated(msgspec.Struct):
    id: int
    # The one-time link (`/undangan/{token}`) the owner opens to get an account that acts for this producer.
    invitation_url: str | None = None


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:100] or "produsen"


def _permit(value: str, field: str, label: str, errors: dict[str, str], max_length: int) -> str | None:
    text = parse_text(value, field, label, errors, required=False, max_length=max_length)
    if text and not _PERMIT.fullmatch(text):
        errors[field] = _("%(label)s hanya berisi huruf, angka, titik, garis miring atau tanda hubung.", label=label)
        return None
    return text


async def _free_slug(session: AsyncSession, cooperative_id: int, name: str) -> str:
    base = _slug(name)
    taken = set(
        (
            await session.scalars(
                select(Producer.slug).where(Producer.cooperative_id == cooperative_id, Producer.slug.like(f"{base}%"))
            )
        ).all()
    )
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


async def _check_unique(
    session: AsyncSession, cooperative_id: int, name: str | None, phone: str | None, errors: dict[str, str]
) -> None:
    if phone and await session.scalar(
        select(Producer.business_name).where(Producer.cooperative_id == cooperative_id, Producer.phone == phone)
    ):
        errors["phone"] = _("Nomor HP ini sudah dipakai produsen lain di koperasi ini.")
    if name and await session.scalar(
        select(Producer.id).where(
            Producer.cooperative_id == cooperative_id, func.lower(Producer.business_name) == name.casefold()
        )
    ):
        # Price lists name producers by business name, so two of the same name could not be told apart.
        errors["name"] = _("Produsen %(name)s sudah terdaftar di koperasi ini.", name=name)


async def register_producer(session: AsyncSession, cooperative: Cooperative, form: ProducerForm) -> Producer:
    """Add a producer to this cooperative. Its owner gets an account only by accepting an invitation.

    Refused (every field at once): missing names, a phone that is not Indonesian, a phone or business
    name already registered in this cooperative (409 for those two).
    """
    errors: dict[str, str] = {}
    name = parse_text(" ".join(form.name.split()), "name", _("Nama usaha"), errors, required=True, max_length=200)
    owner = parse_text(form.owner_name, "owner_name", _("Nama pemilik"), errors, required=True, max_length=120)
    phone = parse_phone(form.phone, "phone", errors)
    nib = _permit(form.nib, "nib", _("NIB"), errors, 20)
    pirt = _permit(form.pirt_number, "pirt_number", _("Nomor P-IRT"), errors, 40)
    halal = _permit(form.halal_number, "halal_number", _("Nomor sertifikat halal"), errors, 60)
    raise_errors(errors)
    await _check_unique(session, cooperative.id, name, phone, errors)
    if errors:
        raise Conflict(next(iter(errors.values())), field_errors=errors)
    assert name is not None
    producer = Producer(
        cooperative_id=cooperative.id,
        slug=await _free_slug(session, cooperative.id, name),
        business_name=name,
        owner_name=owner,
        phone=phone,
        nib=nib,
        pirt_number=pirt,
        halal_number=halal,
        desa=cooperative.desa,
        kecamatan=cooperative.kecamatan,
        kabupaten=cooperative.kabupaten,
    )
    session.add(producer)
    try:
        await session.flush()
    except IntegrityError:
        # Two staff added the same phone at the same moment: the unique index lets one through. The caller
        # rolls the request back, as for any refusal.
        message = _("Nomor HP ini sudah dipakai produsen lain di koperasi ini.")
        raise Conflict(message, field_errors={"phone": message}) from None
    return producer


async def invite_owner(
    session: AsyncSession, cooperative: Cooperative, actor: Actor, producer: Producer
) -> tuple[Invitation, IssuedLink]:
    """A one-time link for the producer's owner: accepting it signs them in as this producer (7 days, single use)."""
    form = people.InvitationIn(phone=producer.phone or "", name=producer.owner_name or "", role=PRODUCER_ROLE)
    return await people.invite(session, cooperative, actor, form, producer_id=producer.id)


async def registered_producers(session: AsyncSession, cooperative_id: int) -> Sequence[Producer]:
    """This cooperative's producers, newest first (the staff list)."""
    return (
        await session.scalars(
            select(Producer).where(Producer.cooperative_id == cooperative_id).order_by(Producer.id.desc())
        )
    ).all()


async def linked_producer_ids(session: AsyncSession, cooperative_id: int) -> set[int]:
    """This cooperative's producers whose owner has accepted an invitation (an account acts for them)."""
    rows = await session.scalars(
        select(ProducerAccount.producer_id).where(ProducerAccount.cooperative_id == cooperative_id)
    )
    return set(rows)
