"""A fresh cooperative with one person in every role, signed in, for the access tests of roles and invitations."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import AuditEntry
from app.auth import hash_password_async
from app.db import DatabaseConfig
from app.models import (
    Cooperative,
    CooperativeStatus,
    FacilitatorAssignment,
    Invitation,
    Membership,
    MembershipStatus,
    PlatformGrant,
    PlatformRole,
    Role,
    User,
)
from app.tokens import OneTimeToken
from tests.support import data

PASSWORD = "sandi-peran-uji"
# Kabupaten Banjar (63.03) for the cooperative under test, Tanah Laut (63.01) for the other one.
HOME_DESA, OTHER_DESA = "63.03.04.2004", "63.01.01.2002"
ROLES = (
    "anonymous",
    "resident",
    "member",
    "petugas",
    "bendahara",
    "pengawas",
    "kurir",
    "pengurus",
    "other_pengurus",
    "unassigned_pendamping",
    "assigned_pendamping",
    "other_operator",
    "operator",
)
_serial = itertools.count(1)


@dataclass
class Cast:
    slug: str
    cooperative_id: int
    other_slug: str
    users: dict[str, int] = field(default_factory=dict)
    phones: dict[str, str] = field(default_factory=dict)
    memberships: dict[str, int] = field(default_factory=dict)
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)

    def csrf(self, role: str) -> str:
        return self.clients[role].cookies.get("csrftoken") or ""


async def _cooperative(session: AsyncSession, slug: str, desa_code: str, status: str) -> Cooperative:
    cooperative = Cooperative(
        slug=slug,
        name=f"Koperasi Uji {slug}",
        short_name=f"KU {slug}"[:80],
        order_prefix="UJI",
        desa="Desa Uji",
        kecamatan="Kecamatan Uji",
        kabupaten="Kabupaten Uji",
        provinsi="Kalimantan Selatan",
        kode_wilayah=desa_code,
        whatsapp="6281200000999",
        status=status,
    )
    session.add(cooperative)
    await session.flush()
    return cooperative


async def make_cast(db: DatabaseConfig, status: str = CooperativeStatus.ONBOARDING) -> Cast:
    """Users, memberships, platform grants and an assignment written straight to the database."""
    n = next(_serial)
    password_hash = await hash_password_async(PASSWORD)
    async with db.session(write=True) as session:
        home = await _cooperative(session, f"uji-peran-{n}-{data.new_phone()[-6:]}", HOME_DESA, status)
        other = await _cooperative(session, f"uji-lain-{n}-{data.new_phone()[-6:]}", OTHER_DESA, status)
        cast = Cast(slug=home.slug, cooperative_id=home.id, other_slug=other.slug)
        for role in ROLES[1:]:
            phone = data.new_phone()
            user = User(phone="+62" + phone[1:], name=f"Uji {role}", password_hash=password_hash)
            session.add(user)
            await session.flush()
            cast.users[role], cast.phones[role] = user.id, phone
        for role in ("member", "petugas", "bendahara", "pengawas", "kurir", "pengurus"):
            membership = Membership(
                user_id=cast.users[role], cooperative_id=home.id, role=role, status=MembershipStatus.APPROVED
            )
            session.add(membership)
            await session.flush()
            cast.memberships[role] = membership.id
        session.add(Membership(user_id=cast.users["other_pengurus"], cooperative_id=other.id, role=Role.PENGURUS))
        for role in ("unassigned_pendamping", "assigned_pendamping"):
            session.add(PlatformGrant(user_id=cast.users[role], role=PlatformRole.PENDAMPING, region_code="63"))
        session.add(FacilitatorAssignment(user_id=cast.users["assigned_pendamping"], cooperative_id=home.id))
        session.add(FacilitatorAssignment(user_id=cast.users["unassigned_pendamping"], cooperative_id=other.id))
        session.add(PlatformGrant(user_id=cast.users["operator"], role=PlatformRole.OPERATOR, region_code="63.03"))
        session.add(
            PlatformGrant(user_id=cast.users["other_operator"], role=PlatformRole.OPERATOR, region_code="63.01")
        )
        await session.commit()
    return cast


@asynccontextmanager
async def signed_in_cast(
    stack_url: str, db: DatabaseConfig, status: str = CooperativeStatus.ONBOARDING
) -> AsyncIterator[Cast]:
    cast = await make_cast(db, status)
    try:
        for role in ROLES:
            client = httpx.AsyncClient(base_url=stack_url, timeout=60)
            cast.clients[role] = client
            await data.csrf_token(client)
            if role != "anonymous":
                response = await client.post("/api/auth/login", json={"phone": cast.phones[role], "password": PASSWORD})
                assert response.status_code == 200, response.text
                await data.csrf_token(client)
        yield cast
    finally:
        for client in cast.clients.values():
            await client.aclose()


async def snapshot(db: DatabaseConfig, cooperative_id: int) -> tuple[int, ...]:
    """Counts a refused request must leave as they were."""
    async with db.session() as session:
        values = []
        for query in (
            select(func.count()).select_from(Invitation).where(Invitation.cooperative_id == cooperative_id),
            select(func.count()).select_from(OneTimeToken),
            select(func.count()).select_from(AuditEntry).where(AuditEntry.cooperative_id == cooperative_id),
            select(func.count()).select_from(Membership).where(Membership.cooperative_id == cooperative_id),
            select(func.count())
            .select_from(Membership)
            .where(Membership.cooperative_id == cooperative_id, Membership.role == Role.KURIR),
        ):
            values.append(int(await session.scalar(query) or 0))
        return tuple(values)
