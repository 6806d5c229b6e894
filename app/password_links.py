"""Passwords without SMS: one-time links to set a first password or a new one, issued by someone in charge."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import tokens
from app.accounts import check_password
from app.audit import Actor, record_action
from app.auth import CurrentUser, covers, hash_password_async, load_current_user
from app.errors import Forbidden, InvalidInput, NotFound
from app.forms import parse_phone, raise_errors
from app.i18n import N_, _
from app.models import STAFF_ROLES, Cooperative, Membership, Role, User
from app.tokens import IssuedLink, TokenInvalid, TokenPurpose

# Both lead to /atur-sandi/{token}: a first password (new operator) and a reset look the same to the person.
PASSWORD_PURPOSES = (TokenPurpose.PASSWORD_SETUP, TokenPurpose.PASSWORD_RESET)
OUT_OF_REACH = N_(
    "Akun ini juga memegang peran di tempat lain yang bukan wewenang Anda. "
    "Minta operator Dinas Koperasi membuatkan tautannya."
)


class PasswordSetupIn(msgspec.Struct):
    """`POST /api/auth/password-setup` and the `/atur-sandi/{token}` form."""

    token: str = ""
    password: str = ""


class ResetIn(msgspec.Struct):
    phone: str = ""


def may_help(user: CurrentUser, cooperative: Cooperative) -> bool:
    """Who may issue password links for a cooperative's people: its pengurus, its pendamping, its region's operator."""
    return (
        user.role_in(cooperative.id) == Role.PENGURUS
        or user.is_assigned_to(cooperative.id)
        or user.operates(cooperative.kode_wilayah)
    )


async def _within_reach(session: AsyncSession, actor: CurrentUser, target: CurrentUser) -> bool:
    """Whoever gets the link can take the account over: only the people the actor already answers for."""
    if target.id == actor.id:
        return True
    if not all(any(covers(mine, theirs) for mine in actor.operator_regions) for theirs in target.operator_regions):
        return False
    staff_places = {cid for cid, role in target.roles.items() if role in STAFF_ROLES or role == Role.KURIR}
    places = staff_places | set(target.assigned_cooperative_ids)
    if target.is_pendamping and not actor.is_operator:
        return False
    if not places:
        return True
    cooperatives = await session.scalars(select(Cooperative).where(Cooperative.id.in_(places)))
    found = list(cooperatives)
    if target.is_pendamping:
        return len(found) == len(places) and all(actor.operates(c.kode_wilayah) for c in found)
    return len(found) == len(places) and all(may_help(actor, c) for c in found)


async def issue_reset(
    session: AsyncSession, cooperative: Cooperative, actor: Actor, form: ResetIn
) -> tuple[User, IssuedLink]:
    """A reset link (48 h) for a person of this cooperative; an earlier link of theirs stops working."""
    if actor.user is None or not may_help(actor.user, cooperative):
        raise Forbidden(_("Hanya pengurus, pendamping atau operator wilayah yang dapat membuat tautan ini."))
    errors: dict[str, str] = {}
    phone = parse_phone(form.phone, "phone", errors)
    raise_errors(errors)
    target_user = await session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(User.phone == phone, Membership.cooperative_id == cooperative.id)
    )
    if target_user is None or not target_user.is_active:
        message = _("Nomor ini bukan anggota atau staf koperasi ini.")
        raise NotFound(message, field_errors={"phone": message})
    target = await load_current_user(session, target_user.id)
    if target is None or not await _within_reach(session, actor.user, target):
        raise Forbidden(_(OUT_OF_REACH))
    await tokens.revoke(session, PASSWORD_PURPOSES, target_user.id)
    link = await tokens.issue_link(session, TokenPurpose.PASSWORD_RESET, target_user.id, created_by=actor.user_id)
    record_action(
        session,
        actor,
        "password_link.issued",
        cooperative_id=cooperative.id,
        region_code=cooperative.kode_wilayah,
        target_type="user",
        target_id=target_user.id,
        detail={"name": target_user.name, "purpose": link.purpose.value},
    )
    return target_user, link


def reset_message(user: User) -> str:
    """The WhatsApp text sent with a reset link (the link follows it)."""
    return _(
        "Halo %(name)s, ini tautan untuk membuat kata sandi baru di Pasar Desa "
        "(berlaku 48 jam, hanya sekali pakai). Jangan teruskan ke orang lain:",
        name=user.name,
    )


@dataclass(frozen=True)
class LinkOwner:
    user: User
    first_time: bool


async def link_owner(session: AsyncSession, raw: object) -> LinkOwner:
    """Whose password a link sets, without using it (the form's page); TokenInvalid when it cannot be used."""
    token = await tokens.find(session, PASSWORD_PURPOSES, raw)
    user = await session.get(User, token.subject_id) if token else None
    if token is None or user is None or not user.is_active:
        raise TokenInvalid
    return LinkOwner(user, token.purpose == TokenPurpose.PASSWORD_SETUP)


async def set_password(session: AsyncSession, form: PasswordSetupIn, *, address: str | None = None) -> User:
    """Use the link once: the account gets this password; every other outstanding link of it stops working."""
    errors: dict[str, str] = {}
    check_password(form.password, errors)
    if errors:
        # A too-short password leaves the link usable (the request rolls back; checked first anyway).
        await link_owner(session, form.token)
        raise InvalidInput.of(errors)
    token = await tokens.consume(session, PASSWORD_PURPOSES, form.token)
    user = await session.get(User, token.subject_id)
    if user is None or not user.is_active:
        raise TokenInvalid
    user.password_hash = await hash_password_async(form.password)
    # Whoever still holds a session of this account (the reason for a reset, often) is signed out.
    user.session_epoch = (user.session_epoch or 0) + 1
    await tokens.revoke(session, PASSWORD_PURPOSES, user.id)
    me = CurrentUser(id=user.id, name=user.name, phone=user.phone, roles={})
    record_action(
        session,
        Actor(me, None, address),
        "password.set",
        target_type="user",
        target_id=user.id,
        detail={"purpose": token.purpose},
    )
    await session.flush()
    return user
