"""Accounts: password hashing, login, the current user, and role checks scoped to a cooperative."""

from __future__ import annotations

import asyncio
import os
import secrets
import time
import weakref
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from litestar import Request
from litestar.connection import ASGIConnection
from sqlalchemy import BigInteger, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Forbidden, InvalidInput, Unauthenticated
from app.i18n import remember
from app.models import (
    NOT_YET_OPEN,
    STAFF_ROLES,
    Cooperative,
    FacilitatorAssignment,
    Membership,
    MembershipStatus,
    PlatformGrant,
    PlatformRole,
    Role,
    User,
)
from app.text import InvalidPhone, normalise_phone

_hasher = PasswordHasher()
SESSION_USER_KEY = "uid"
MIN_PASSWORD_LENGTH = 8


# Each argon2 call takes ~0.16 s of CPU and 64 MiB: a few at a time, off the event loop, so a burst
# of sign-ups neither stalls every other request nor exhausts memory.
HASHING_CONCURRENCY = max(1, min(4, os.cpu_count() or 1))
_hashing_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


# A stored hash starting with "!" matches no password: accounts created for someone who sets theirs
# through a one-time link (the first operator, invited people before they accept).
UNUSABLE_PREFIX = "!"


def unusable_password() -> str:
    return UNUSABLE_PREFIX + secrets.token_hex(16)


def has_usable_password(password_hash: str) -> bool:
    return not password_hash.startswith(UNUSABLE_PREFIX)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    if not has_usable_password(password_hash):
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _slots() -> asyncio.Semaphore:
    # One semaphore per event loop: a semaphore is bound to the loop it first waited on.
    loop = asyncio.get_running_loop()
    if loop not in _hashing_slots:
        _hashing_slots[loop] = asyncio.Semaphore(HASHING_CONCURRENCY)
    return _hashing_slots[loop]


async def hash_password_async(password: str) -> str:
    """`hash_password` in a worker thread, at most HASHING_CONCURRENCY at once per process."""
    async with _slots():
        return await asyncio.to_thread(hash_password, password)


async def verify_password_async(password_hash: str, password: str) -> bool:
    """`verify_password` in a worker thread, at most HASHING_CONCURRENCY at once per process."""
    async with _slots():
        return await asyncio.to_thread(verify_password, password_hash, password)


# Verifying against a fixed hash when the phone is unknown keeps the response time the same,
# so the login form does not reveal which numbers have accounts.
_DUMMY_HASH = _hasher.hash("pasardesa-timing-equaliser")


def covers(scope: str, region_code: str | None) -> bool:
    """Whether an operator scope ("" = the whole country, "63", "63.03") includes a region code."""
    if scope == "":
        return True
    return bool(region_code) and (region_code == scope or str(region_code).startswith(scope + "."))


@dataclass(frozen=True)
class CurrentUser:
    id: int
    name: str
    phone: str
    # cooperative_id -> role (a Role value), approved memberships only
    roles: dict[int, str]
    # Region code prefixes this person is operator of ("" = the whole country).
    operator_regions: tuple[str, ...] = ()
    # A registered facilitator (platform_role row) or one with a current assignment.
    is_pendamping: bool = False
    # Cooperatives this pendamping is assigned to now (assignments not ended).
    assigned_cooperative_ids: frozenset[int] = frozenset()

    def role_in(self, cooperative_id: int) -> str | None:
        return self.roles.get(cooperative_id)

    def is_assigned_to(self, cooperative_id: int) -> bool:
        return cooperative_id in self.assigned_cooperative_ids

    def is_staff_of(self, cooperative_id: int) -> bool:
        """May use the staff area: a staff role there, or the pendamping assigned to it."""
        return self.roles.get(cooperative_id) in STAFF_ROLES or self.is_assigned_to(cooperative_id)

    def is_pengurus_of(self, cooperative: Cooperative) -> bool:
        """Pengurus, or the assigned pendamping while the cooperative has not opened yet."""
        if self.roles.get(cooperative.id) == Role.PENGURUS:
            return True
        return self.is_assigned_to(cooperative.id) and cooperative.status in NOT_YET_OPEN

    def is_member_of(self, cooperative_id: int) -> bool:
        return cooperative_id in self.roles

    @property
    def is_operator(self) -> bool:
        return bool(self.operator_regions)

    def operates(self, region_code: str | None) -> bool:
        """An operator whose region includes this region code (a cooperative's kode_wilayah, or a region)."""
        return any(covers(scope, region_code) for scope in self.operator_regions)

    def acting_role(self, cooperative: Cooperative) -> str | None:
        """The role this person acts in for a cooperative: their own role there first, then pendamping, operator."""
        role = self.roles.get(cooperative.id)
        if role in STAFF_ROLES or role == Role.KURIR:
            return role
        if self.is_assigned_to(cooperative.id):
            return PlatformRole.PENDAMPING
        if self.operates(cooperative.kode_wilayah):
            return PlatformRole.OPERATOR
        return role

    @property
    def staff_cooperative_ids(self) -> list[int]:
        own = [cid for cid, role in self.roles.items() if role in STAFF_ROLES]
        return own + sorted(self.assigned_cooperative_ids - set(own))


def home_path(user: CurrentUser | None) -> str:
    """Where a person lands after signing in without a destination: their most specific work first."""
    if user is None:
        return "/"
    if user.is_operator:
        return "/operator"
    if user.is_pendamping:
        return "/pendamping"
    if user.staff_cooperative_ids:
        return "/staf"
    return "/akun"


async def authenticate(session: AsyncSession, phone: str, password: str) -> User:
    try:
        normalised = normalise_phone(phone)
    except InvalidPhone as exc:
        raise InvalidInput(str(exc), field_errors={"phone": str(exc)}) from exc
    user = await session.scalar(select(User).where(User.phone == normalised))
    if user is None or not user.is_active:
        await verify_password_async(_DUMMY_HASH, password)
        raise InvalidInput(
            "Nomor HP atau kata sandi salah.", field_errors={"password": "Nomor HP atau kata sandi salah."}
        )
    if not has_usable_password(user.password_hash):
        # The same time as a wrong password, so the form does not tell which accounts have none yet.
        await verify_password_async(_DUMMY_HASH, password)
        raise InvalidInput(
            "Nomor HP atau kata sandi salah.", field_errors={"password": "Nomor HP atau kata sandi salah."}
        )
    if not await verify_password_async(user.password_hash, password):
        raise InvalidInput(
            "Nomor HP atau kata sandi salah.", field_errors={"password": "Nomor HP atau kata sandi salah."}
        )
    return user


async def load_current_user(session: AsyncSession, user_id: int | None) -> CurrentUser | None:
    """The account and every role it holds, in two queries (the account, then one UNION of its roles)."""
    if not user_id:
        return None
    user = await session.get(User, user_id)
    if user is None or not user.is_active:
        return None
    memberships = select(
        literal("m").label("kind"),
        Membership.cooperative_id.label("place"),
        Membership.role.label("role"),
        literal("").label("region"),
    ).where(Membership.user_id == user.id, Membership.status == MembershipStatus.APPROVED)
    grants = select(literal("g"), literal(None, type_=BigInteger), PlatformGrant.role, PlatformGrant.region_code).where(
        PlatformGrant.user_id == user.id
    )
    assignments = select(
        literal("a"), FacilitatorAssignment.cooperative_id, literal(PlatformRole.PENDAMPING.value), literal("")
    ).where(FacilitatorAssignment.user_id == user.id, FacilitatorAssignment.ended_at.is_(None))
    roles: dict[int, str] = {}
    regions: list[str] = []
    assigned: set[int] = set()
    pendamping = False
    for row_kind, cooperative_id, role, region in (
        await session.execute(union_all(memberships, grants, assignments))
    ).tuples():
        if row_kind == "m":
            roles[int(cooperative_id)] = str(role)
        elif row_kind == "a":
            assigned.add(int(cooperative_id))
            pendamping = True
        elif role == PlatformRole.OPERATOR:
            regions.append(str(region or ""))
        elif role == PlatformRole.PENDAMPING:
            pendamping = True
    return CurrentUser(
        id=user.id,
        name=user.name,
        phone=user.phone,
        roles=roles,
        operator_regions=tuple(sorted(set(regions))),
        is_pendamping=pendamping,
        assigned_cooperative_ids=frozenset(assigned),
    )


def login(request: Request[Any, Any, Any], user: User) -> None:
    from app.web import SessionBackend

    cart = request.session.get("carts")
    now = int(time.time())
    # Start from a clean session under a new id; the cart a visitor filled before logging in stays.
    request.clear_session()
    request.set_session(
        {
            SESSION_USER_KEY: user.id,
            SESSION_EPOCH_KEY: user.session_epoch or 0,
            SESSION_STARTED_KEY: now,
            SESSION_SEEN_KEY: now,
            **({"carts": cart} if cart else {}),
        }
    )
    request.scope[SessionBackend.ROTATE_KEY] = True  # type: ignore[literal-required]
    if user.language:
        remember(request.scope, user.language)


# -- how long a session lasts ------------------------------------------------------------------------

SESSION_EPOCH_KEY = "ep"
SESSION_STARTED_KEY = "iat"
SESSION_SEEN_KEY = "seen"
RESIDENT_SESSION_SECONDS = 30 * 24 * 3600
# A staff session's "last seen" is written at most this often: not a session write per page view.
SEEN_RESOLUTION_SECONDS = 60
ENDED_ELSEWHERE = (
    "Anda sudah keluar di perangkat ini karena kata sandi akun diganti atau akun dikeluarkan dari semua "
    "perangkat. Silakan masuk lagi."
)


@dataclass(frozen=True)
class SessionPolicy:
    """Staff sessions end after `staff_idle` seconds without a request and `staff_lifetime` seconds in all."""

    staff_idle: int
    staff_lifetime: int
    resident_lifetime: int = RESIDENT_SESSION_SECONDS

    def idle_message(self) -> str:
        return (
            f"Anda keluar otomatis karena tidak ada kegiatan selama {self.staff_idle // 60} menit "
            "(akun staf). Silakan masuk lagi; Anda kembali ke halaman tadi."
        )

    def lifetime_message(self) -> str:
        return (
            f"Sesi akun staf berakhir setelah {self.staff_lifetime // 3600} jam. "
            "Silakan masuk lagi; Anda kembali ke halaman tadi."
        )


def is_staff_account(user: CurrentUser) -> bool:
    """Any cooperative role above member, an operator or a pendamping: the shorter sessions apply."""
    return bool(user.is_operator or user.is_pendamping or any(r != Role.MEMBER for r in user.roles.values()))


def _session_ended(
    data: dict[str, Any], user: User, current: CurrentUser, policy: SessionPolicy, now: int
) -> str | None:
    """Why this session may no longer be used, or None. Refreshes its "last seen" when due."""
    if data.get(SESSION_EPOCH_KEY, 0) != (user.session_epoch or 0):
        return ENDED_ELSEWHERE
    # Sessions from before these stamps existed start counting now instead of ending at once.
    started = data.setdefault(SESSION_STARTED_KEY, now)
    seen = data.setdefault(SESSION_SEEN_KEY, now)
    staff = is_staff_account(current)
    if now - int(started) > (policy.staff_lifetime if staff else policy.resident_lifetime):
        return policy.lifetime_message() if staff else "Sesi Anda sudah berakhir. Silakan masuk lagi."
    if staff and now - int(seen) > policy.staff_idle:
        return policy.idle_message()
    if now - int(seen) >= SEEN_RESOLUTION_SECONDS:
        data[SESSION_SEEN_KEY] = now
    return None


async def session_user(
    connection: ASGIConnection[Any, Any, Any, Any], session: AsyncSession, policy: SessionPolicy
) -> CurrentUser | None:
    """The signed-in user of this request's session, if the session may still be used.

    A session that ended (another device changed the password, idle or too old for staff) is
    cleared and leaves a message for the login page the person is sent to.
    """
    user_id = session_user_id(connection)
    current = await load_current_user(session, user_id)
    if current is None:
        return None
    user = await session.get(User, current.id)
    assert user is not None  # loaded just now by load_current_user
    data = connection.session
    reason = _session_ended(data, user, current, policy, int(time.time()))
    if reason is None:
        return current
    # Signed out here; a cart filled on this device stays.
    kept = {"carts": data["carts"]} if data.get("carts") else {}
    connection.scope["session"] = {**kept, "flash": [{"kind": "info", "message": reason}]}
    return None


def logout(request: Request[Any, Any, Any]) -> None:
    request.clear_session()


def session_user_id(connection: ASGIConnection[Any, Any, Any, Any]) -> int | None:
    if "session" not in connection.scope:
        return None
    value = connection.session.get(SESSION_USER_KEY) if connection.session else None
    return value if isinstance(value, int) else None


def require_user(user: CurrentUser | None) -> CurrentUser:
    if user is None:
        raise Unauthenticated("Silakan masuk terlebih dahulu.")
    return user


def require_staff(user: CurrentUser | None, cooperative: Cooperative) -> CurrentUser:
    """Staff of one cooperative never act on another's data; outsiders learn nothing (403)."""
    if user is None or not user.is_staff_of(cooperative.id):
        raise Forbidden("Halaman ini hanya untuk staf koperasi ini.")
    return user
