"""Roles outside one cooperative: operators over a region, pendamping (facilitators) and their assignments."""

from __future__ import annotations

import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import regions, tokens
from app.audit import Actor, record_action
from app.auth import unusable_password
from app.errors import Conflict, NotFound
from app.forms import parse_phone, parse_text, raise_errors
from app.i18n import _
from app.models import Cooperative, FacilitatorAssignment, PlatformGrant, PlatformRole, User
from app.password_links import PASSWORD_PURPOSES
from app.tokens import IssuedLink, TokenPurpose

WHOLE_COUNTRY = ""


async def _region(session: AsyncSession, code: str, errors: dict[str, str]) -> str:
    code = (code or "").strip()
    if code == WHOLE_COUNTRY:
        return code
    if not regions.is_region_code(code) or await regions.get(session, code) is None:
        errors["region"] = _(
            "Kode wilayah %(code)s tidak ada di daftar wilayah (contoh: 63 atau 63.03).", code=repr(code[:20])
        )
    return code


async def _person(session: AsyncSession, name: str, phone: str, errors: dict[str, str]) -> User | None:
    """The account with this phone, or a new one without a usable password (set through the link)."""
    cleaned_name = parse_text(name, "name", _("Nama"), errors, required=True, max_length=120)
    cleaned_phone = parse_phone(phone, "phone", errors)
    if errors:
        return None
    assert cleaned_name is not None and cleaned_phone is not None
    user = await session.scalar(select(User).where(User.phone == cleaned_phone))
    if user is None:
        user = User(phone=cleaned_phone, name=cleaned_name, password_hash=unusable_password())
        session.add(user)
        await session.flush()
    return user


async def grant(
    session: AsyncSession, actor: Actor, role: PlatformRole, name: str, phone: str, region_code: str = WHOLE_COUNTRY
) -> tuple[User, IssuedLink]:
    """Make a person operator (of a region; "" = the whole country) or pendamping, and issue a 48-hour link
    to set their password. Granting again adds the region and issues a new link (the old one stops working)."""
    errors: dict[str, str] = {}
    region = await _region(session, region_code, errors)
    user = await _person(session, name, phone, errors)
    raise_errors(errors)
    assert user is not None
    held = await session.scalar(
        select(PlatformGrant.id).where(
            PlatformGrant.user_id == user.id, PlatformGrant.role == role, PlatformGrant.region_code == region
        )
    )
    if held is None:
        session.add(PlatformGrant(user_id=user.id, role=role, region_code=region, granted_by_id=actor.user_id))
    await tokens.revoke(session, PASSWORD_PURPOSES, user.id)
    link = await tokens.issue_link(session, TokenPurpose.PASSWORD_SETUP, user.id, created_by=actor.user_id)
    record_action(
        session,
        actor,
        f"{role.value}.granted",
        region_code=region or None,
        target_type="user",
        target_id=user.id,
        detail={"name": user.name, "region": region, "link": link.purpose.value},
    )
    await session.flush()
    return user, link


async def assign(
    session: AsyncSession, actor: Actor, cooperative: Cooperative, pendamping_user_id: int
) -> FacilitatorAssignment:
    """Assign a registered pendamping to a cooperative (the operator's decision)."""
    registered = await session.scalar(
        select(PlatformGrant.id).where(
            PlatformGrant.user_id == pendamping_user_id, PlatformGrant.role == PlatformRole.PENDAMPING
        )
    )
    if registered is None:
        raise NotFound(_("Pendamping tidak ditemukan."))
    current = await session.scalar(
        select(FacilitatorAssignment).where(
            FacilitatorAssignment.user_id == pendamping_user_id,
            FacilitatorAssignment.cooperative_id == cooperative.id,
            FacilitatorAssignment.ended_at.is_(None),
        )
    )
    if current is not None:
        raise Conflict(_("Pendamping ini sudah ditugaskan di koperasi ini."))
    assignment = FacilitatorAssignment(
        user_id=pendamping_user_id, cooperative_id=cooperative.id, assigned_by_id=actor.user_id
    )
    session.add(assignment)
    await session.flush()
    record_action(
        session,
        actor,
        "pendamping.assigned",
        cooperative_id=cooperative.id,
        region_code=cooperative.kode_wilayah,
        target_type="user",
        target_id=pendamping_user_id,
    )
    return assignment


async def unassign(session: AsyncSession, actor: Actor, cooperative: Cooperative, pendamping_user_id: int) -> int:
    """End a pendamping's assignment to a cooperative (kept as history); how many ended."""
    rows = list(
        await session.scalars(
            select(FacilitatorAssignment).where(
                FacilitatorAssignment.user_id == pendamping_user_id,
                FacilitatorAssignment.cooperative_id == cooperative.id,
                FacilitatorAssignment.ended_at.is_(None),
            )
        )
    )
    moment = datetime.datetime.now(datetime.UTC)
    for row in rows:
        row.ended_at = moment
    if rows:
        record_action(
            session,
            actor,
            "pendamping.unassigned",
            cooperative_id=cooperative.id,
            region_code=cooperative.kode_wilayah,
            target_type="user",
            target_id=pendamping_user_id,
        )
    await session.flush()
    return len(rows)
