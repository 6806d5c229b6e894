"""A cooperative's people: its team (staff and couriers) by role, invitations, role changes and removals."""

from __future__ import annotations

import datetime
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import msgspec
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app import tokens
from app.accounts import check_password, membership_with_user
from app.audit import Actor, record_action
from app.auth import CurrentUser, has_usable_password, hash_password_async, verify_password_async
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.forms import parse_phone, parse_text, raise_errors
from app.i18n import N_, _
from app.models import (
    Cooperative,
    Invitation,
    Membership,
    MembershipStatus,
    Role,
    User,
    role_label,
)
from app.tokens import IssuedLink, TokenInvalid, TokenPurpose

MAX_NAME = 120
LAST_PENGURUS = N_("Koperasi harus punya paling sedikit satu pengurus. Tambahkan pengurus lain lebih dulu.")

# Roles another package gives on acceptance (a producer's owner): role -> what to do with the new account.
AcceptHook = Callable[[AsyncSession, Invitation, User], Awaitable[None]]
_ACCEPT_HOOKS: dict[str, AcceptHook] = {}
# Where a person accepting such an invitation lands (a producer's owner: their portal).
_ACCEPT_HOMES: dict[str, str] = {}


def register_acceptance(role: str, hook: AcceptHook, *, home: str | None = None) -> None:
    """Let a package handle invitations for a role that is not a cooperative Role (e.g. "producer").

    Called once from the composition root; the hook runs inside the accepting request's transaction.
    `home` is the page the accepted person is sent to (`home_after_acceptance`).
    """
    _ACCEPT_HOOKS[role] = hook
    if home:
        _ACCEPT_HOMES[role] = home


def home_after_acceptance(role: str) -> str | None:
    """The page registered for an accepted invitation of this role, if its package named one."""
    return _ACCEPT_HOMES.get(role)


class InvitationIn(msgspec.Struct):
    """An invitation, from the team page's form or the JSON API (`POST /api/cooperatives/{slug}/invitations`)."""

    phone: str = ""
    name: str = ""
    role: str = ""


@dataclass(frozen=True)
class TeamMember:
    membership: Membership
    user: User

    @property
    def role_label(self) -> str:
        return role_label(self.membership.role)


async def team(session: AsyncSession, cooperative: Cooperative) -> list[TeamMember]:
    """Everyone with a role beyond member (pengurus, bendahara, pengawas, petugas, kurir), pengurus first."""
    order = [Role.PENGURUS, Role.BENDAHARA, Role.PENGAWAS, Role.PETUGAS, Role.KURIR]
    rows = await session.execute(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.cooperative_id == cooperative.id,
            Membership.status == MembershipStatus.APPROVED,
            Membership.role.in_(order),
        )
        .order_by(User.name)
    )
    people = [TeamMember(m, u) for m, u in rows.tuples()]
    return sorted(people, key=lambda p: order.index(Role(p.membership.role)))


async def open_invitations(
    session: AsyncSession, cooperative: Cooperative, now: datetime.datetime | None = None
) -> list[Invitation]:
    moment = now or datetime.datetime.now(datetime.UTC)
    rows = await session.scalars(
        select(Invitation)
        .where(
            Invitation.cooperative_id == cooperative.id,
            Invitation.accepted_at.is_(None),
            Invitation.cancelled_at.is_(None),
            Invitation.expires_at > moment,
        )
        .order_by(Invitation.id.desc())
    )
    return list(rows)


def _audit(
    session: AsyncSession,
    actor: Actor,
    cooperative: Cooperative,
    action: str,
    target: tuple[str, int],
    detail: Mapping[str, object] | None = None,
) -> None:
    record_action(
        session,
        actor,
        action,
        cooperative_id=cooperative.id,
        region_code=cooperative.kode_wilayah,
        target_type=target[0],
        target_id=target[1],
        detail=detail,
    )


async def _cancel_open(session: AsyncSession, cooperative_id: int, phone: str, now: datetime.datetime) -> None:
    """An earlier invitation of the same person to the same cooperative stops working."""
    ids = list(
        await session.scalars(
            select(Invitation.id).where(
                Invitation.cooperative_id == cooperative_id,
                Invitation.phone == phone,
                Invitation.accepted_at.is_(None),
                Invitation.cancelled_at.is_(None),
            )
        )
    )
    for invitation_id in ids:
        await tokens.revoke(session, TokenPurpose.INVITATION, invitation_id, now=now)
    if ids:
        await session.execute(update(Invitation).where(Invitation.id.in_(ids)).values(cancelled_at=now, updated_at=now))


async def invite(
    session: AsyncSession,
    cooperative: Cooperative,
    actor: Actor,
    form: InvitationIn,
    *,
    producer_id: int | None = None,
    now: datetime.datetime | None = None,
) -> tuple[Invitation, IssuedLink]:
    """A one-time invitation link (7 days) for a person to take a role in the cooperative.

    The caller's guard decides who may invite (`requires_pengurus`). Roles outside `Role` need a hook
    (`register_acceptance`), e.g. "producer" with the producer's id.
    """
    moment = now or datetime.datetime.now(datetime.UTC)
    errors: dict[str, str] = {}
    phone = parse_phone(form.phone, "phone", errors)
    name = parse_text(form.name, "name", _("Nama"), errors, required=True, max_length=MAX_NAME)
    role = form.role.strip().lower() if isinstance(form.role, str) else ""
    if role not in set(Role) and role not in _ACCEPT_HOOKS:
        errors["role"] = _("Pilih peran: %(roles)s.", roles=", ".join(role_label(r) for r in Role))
    raise_errors(errors)
    assert phone is not None and name is not None
    holder = await session.scalar(
        select(Membership.role)
        .join(User, User.id == Membership.user_id)
        .where(
            User.phone == phone,
            Membership.cooperative_id == cooperative.id,
            Membership.status == MembershipStatus.APPROVED,
        )
    )
    if holder == role:
        message = _(
            "Nomor ini sudah menjadi %(role)s di %(cooperative)s.",
            role=role_label(role),
            cooperative=cooperative.short_name,
        )
        raise InvalidInput(message, field_errors={"phone": message})
    await _cancel_open(session, cooperative.id, phone, moment)
    invitation = Invitation(
        cooperative_id=cooperative.id,
        phone=phone,
        name=name,
        role=role,
        producer_id=producer_id,
        invited_by_id=actor.user_id,
        expires_at=moment + tokens.DEFAULT_TTL[TokenPurpose.INVITATION],
    )
    session.add(invitation)
    await session.flush()
    link = await tokens.issue_link(
        session, TokenPurpose.INVITATION, invitation.id, created_by=actor.user_id, now=moment
    )
    invitation.expires_at = link.expires_at
    detail = {"phone": phone, "name": name, "role": role}
    _audit(session, actor, cooperative, "invitation.created", ("invitation", invitation.id), detail)
    return invitation, link


def invitation_message(invitation: Invitation, cooperative: Cooperative) -> str:
    """The WhatsApp text sent with an invitation link (the link follows it)."""
    return _(
        "Halo %(name)s, Anda diundang menjadi %(role)s di %(cooperative)s lewat Pasar Desa. "
        "Buka tautan ini untuk menerima (berlaku 7 hari, hanya sekali pakai):",
        name=invitation.name,
        role=role_label(invitation.role),
        cooperative=cooperative.name,
    )


async def cancel_invitation(
    session: AsyncSession, cooperative: Cooperative, actor: Actor, invitation_id: int
) -> Invitation:
    invitation = await session.get(Invitation, invitation_id)
    if invitation is None or invitation.cooperative_id != cooperative.id:
        raise NotFound(_("Undangan tidak ditemukan."))
    if invitation.accepted_at is not None or invitation.cancelled_at is not None:
        raise Conflict(_("Undangan ini sudah diterima atau dibatalkan."))
    moment = datetime.datetime.now(datetime.UTC)
    await tokens.revoke(session, TokenPurpose.INVITATION, invitation.id, now=moment)
    invitation.cancelled_at = moment
    _audit(session, actor, cooperative, "invitation.cancelled", ("invitation", invitation.id))
    await session.flush()
    return invitation


@dataclass(frozen=True)
class InvitationView:
    """What the invitation page shows before it is accepted."""

    invitation: Invitation
    cooperative: Cooperative
    has_account: bool

    @property
    def role_label(self) -> str:
        return role_label(self.invitation.role)


async def _usable_invitation(session: AsyncSession, invitation_id: int) -> tuple[Invitation, Cooperative]:
    invitation = await session.get(Invitation, invitation_id)
    if invitation is None or invitation.accepted_at is not None or invitation.cancelled_at is not None:
        raise TokenInvalid
    cooperative = await session.get(Cooperative, invitation.cooperative_id)
    if cooperative is None or not cooperative.is_active:
        raise TokenInvalid
    return invitation, cooperative


async def invitation_for_link(session: AsyncSession, raw: object) -> InvitationView:
    """The invitation behind a link, without using it (the page that asks for a password)."""
    token = await tokens.find(session, TokenPurpose.INVITATION, raw)
    if token is None:
        raise TokenInvalid
    invitation, cooperative = await _usable_invitation(session, token.subject_id)
    user = await session.scalar(select(User).where(User.phone == invitation.phone))
    has_account = user is not None and has_usable_password(user.password_hash)
    return InvitationView(invitation, cooperative, has_account)


class AcceptIn(msgspec.Struct):
    """Accepting an invitation: the password of the existing account, or a new one (and a name)."""

    token: str = ""
    password: str = ""
    name: str = ""


async def accept_invitation(
    session: AsyncSession, form: AcceptIn, *, address: str | None = None
) -> tuple[User, Invitation]:
    """Use the link: sign in the account with the invited phone (its password) or create it; take the role.

    A wrong password raises before anything is kept: the request rolls back and the link stays usable.
    """
    token = await tokens.consume(session, TokenPurpose.INVITATION, form.token)
    invitation, cooperative = await _usable_invitation(session, token.subject_id)
    user = await session.scalar(select(User).where(User.phone == invitation.phone))
    errors: dict[str, str] = {}
    if user is not None and not user.is_active:
        raise Forbidden(_("Akun dengan nomor ini dinonaktifkan. Hubungi pengurus koperasi."))
    if user is not None and has_usable_password(user.password_hash):
        if not await verify_password_async(user.password_hash, form.password[:200]):
            wrong = _("Kata sandi salah. Pakai kata sandi akun Anda yang sudah ada.")
            raise InvalidInput(wrong, field_errors={"password": wrong})
    else:
        name = parse_text(form.name, "name", _("Nama"), errors, required=False, max_length=MAX_NAME) or invitation.name
        check_password(form.password, errors)
        raise_errors(errors)
        password_hash = await hash_password_async(form.password)
        if user is None:
            user = User(phone=invitation.phone, name=name, password_hash=password_hash)
            session.add(user)
            await session.flush()
        else:
            user.password_hash, user.name = password_hash, name
    if invitation.role in set(Role):
        await _set_membership_role(session, cooperative, user.id, invitation.role)
    elif hook := _ACCEPT_HOOKS.get(invitation.role):
        await hook(session, invitation, user)
    else:
        raise Conflict(_("Undangan ini belum bisa diterima. Minta undangan baru ke pengurus koperasi."))
    invitation.accepted_at = datetime.datetime.now(datetime.UTC)
    invitation.accepted_by_id = user.id
    accepted_by = Actor(CurrentUser(id=user.id, name=user.name, phone=user.phone, roles={}), invitation.role, address)
    _audit(
        session,
        accepted_by,
        cooperative,
        "invitation.accepted",
        ("invitation", invitation.id),
        {"role": invitation.role},
    )
    await session.flush()
    return user, invitation


async def _pengurus_left(session: AsyncSession, cooperative_id: int, without_user: int) -> int:
    """Pengurus other than `without_user`, with their rows locked (PostgreSQL) so two demotions cannot race."""
    rows = await session.scalars(
        select(Membership.user_id)
        .where(
            Membership.cooperative_id == cooperative_id,
            Membership.role == Role.PENGURUS,
            Membership.status == MembershipStatus.APPROVED,
        )
        .with_for_update()
    )
    return sum(1 for user_id in rows if user_id != without_user)


async def _set_membership_role(session: AsyncSession, cooperative: Cooperative, user_id: int, role: str) -> Membership:
    membership = await session.scalar(
        select(Membership).where(Membership.user_id == user_id, Membership.cooperative_id == cooperative.id)
    )
    if membership is None:
        membership = Membership(
            user_id=user_id, cooperative_id=cooperative.id, role=role, status=MembershipStatus.APPROVED
        )
        session.add(membership)
    else:
        demoted = membership.role == Role.PENGURUS and role != Role.PENGURUS
        if demoted and await _pengurus_left(session, cooperative.id, user_id) == 0:
            raise Conflict(_(LAST_PENGURUS))
        membership.role, membership.status = role, MembershipStatus.APPROVED
    await session.flush()
    return membership


async def _team_member(session: AsyncSession, cooperative: Cooperative, membership_id: int) -> TeamMember:
    membership, user = await membership_with_user(
        session, cooperative, membership_id, _("Orang ini tidak tercatat di koperasi ini.")
    )
    return TeamMember(membership, user)


class RoleIn(msgspec.Struct):
    role: str = ""


async def change_role(
    session: AsyncSession, cooperative: Cooperative, actor: Actor, membership_id: int, form: RoleIn
) -> TeamMember:
    """Give a person of the cooperative another role; the last pengurus keeps theirs."""
    person = await _team_member(session, cooperative, membership_id)
    role = form.role.strip().lower() if isinstance(form.role, str) else ""
    if role not in set(Role):
        message = _("Pilih peran: %(roles)s.", roles=", ".join(role_label(r) for r in Role))
        raise InvalidInput(message, field_errors={"role": message})
    before = person.membership.role
    if before != role:
        await _set_membership_role(session, cooperative, person.user.id, role)
        detail = {"name": person.user.name, "from": before, "to": role}
        _audit(session, actor, cooperative, "role.changed", ("user", person.user.id), detail)
    return person


async def remove(session: AsyncSession, cooperative: Cooperative, actor: Actor, membership_id: int) -> TeamMember:
    """Take a person out of the cooperative (their account stays); never the last pengurus."""
    person = await _team_member(session, cooperative, membership_id)
    if person.membership.role == Role.PENGURUS and await _pengurus_left(session, cooperative.id, person.user.id) == 0:
        raise Conflict(_(LAST_PENGURUS))
    detail = {"name": person.user.name, "role": person.membership.role}
    _audit(session, actor, cooperative, "member.removed", ("user", person.user.id), detail)
    await session.delete(person.membership)
    await session.flush()
    return person
