"""Accounts: password hashing, login, the current user, and role checks scoped to a cooperative."""

from __future__ import annotations

import asyncio
import os
import weakref
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from litestar import Request
from litestar.connection import ASGIConnection
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Forbidden, InvalidInput, Unauthenticated
from app.models import Cooperative, Membership, MembershipStatus, Role, User
from app.text import InvalidPhone, normalise_phone

_hasher = PasswordHasher()
SESSION_USER_KEY = "uid"
MIN_PASSWORD_LENGTH = 8


# Each argon2 call takes ~0.16 s of CPU and 64 MiB: a few at a time, off the event loop, so a burst
# of sign-ups neither stalls every other request nor exhausts memory.
HASHING_CONCURRENCY = max(1, min(4, os.cpu_count() or 1))
_hashing_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
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


@dataclass(frozen=True)
class CurrentUser:
    id: int
    name: str
    phone: str
    # cooperative_id -> role, approved memberships only
    roles: dict[int, str]

    def is_staff_of(self, cooperative_id: int) -> bool:
        return self.roles.get(cooperative_id) in {Role.STAFF, Role.ADMIN}

    def is_member_of(self, cooperative_id: int) -> bool:
        return cooperative_id in self.roles

    @property
    def staff_cooperative_ids(self) -> list[int]:
        return [cid for cid, role in self.roles.items() if role in {Role.STAFF, Role.ADMIN}]


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
    if not await verify_password_async(user.password_hash, password):
        raise InvalidInput(
            "Nomor HP atau kata sandi salah.", field_errors={"password": "Nomor HP atau kata sandi salah."}
        )
    return user


async def load_current_user(session: AsyncSession, user_id: int | None) -> CurrentUser | None:
    if not user_id:
        return None
    user = await session.get(User, user_id)
    if user is None or not user.is_active:
        return None
    memberships = await session.scalars(
        select(Membership).where(Membership.user_id == user.id, Membership.status == MembershipStatus.APPROVED)
    )
    return CurrentUser(
        id=user.id, name=user.name, phone=user.phone, roles={m.cooperative_id: m.role for m in memberships}
    )


def login(request: Request[Any, Any, Any], user: User) -> None:
    from app.web import SessionBackend

    cart = request.session.get("carts")
    # Start from a clean session under a new id; the cart a visitor filled before logging in stays.
    request.clear_session()
    request.set_session({SESSION_USER_KEY: user.id, **({"carts": cart} if cart else {})})
    request.scope[SessionBackend.ROTATE_KEY] = True  # type: ignore[literal-required]


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
