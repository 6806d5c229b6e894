"""Resident accounts: sign-up, the profile (address, NIK), and membership requests staff approve."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import MIN_PASSWORD_LENGTH, CurrentUser, hash_password_async, require_staff
from app.db import flush_or_raise
from app.errors import Conflict, InvalidInput, NotFound
from app.forms import parse_address, parse_phone, parse_text, raise_errors
from app.models import Cooperative, Membership, MembershipStatus, Role, User
from app.schemas import ProfileForm, SignUpForm
from app.text import InvalidNik, normalise_nik

MAX_NAME = 120
MAX_PASSWORD = 200


def check_password(password: str, errors: dict[str, str], field: str = "password") -> None:
    """The one password rule: every form that sets a password uses it."""
    if len(password) < MIN_PASSWORD_LENGTH:
        errors[field] = f"Kata sandi paling sedikit {MIN_PASSWORD_LENGTH} karakter."
    elif len(password) > MAX_PASSWORD:
        errors[field] = f"Kata sandi paling banyak {MAX_PASSWORD} karakter."


async def register(session: AsyncSession, form: SignUpForm) -> User:
    """A new resident account from a phone number and a password. The caller signs them in."""
    errors: dict[str, str] = {}
    name = parse_text(form.name, "name", "Nama", errors, required=True, max_length=MAX_NAME)
    phone = parse_phone(form.phone, "phone", errors)
    check_password(form.password, errors)
    raise_errors(errors)
    assert name is not None and phone is not None
    taken = "Nomor HP ini sudah terdaftar. Silakan masuk, atau pakai nomor lain."
    if await session.scalar(select(User.id).where(User.phone == phone)):
        raise InvalidInput(taken, field_errors={"phone": taken})
    user = User(phone=phone, name=name, password_hash=await hash_password_async(form.password))
    # Two sign-ups with one number at the same moment: the second is told, not crashed.
    await flush_or_raise(session, InvalidInput(taken, field_errors={"phone": taken}), user)
    return user


async def get_user(session: AsyncSession, current: CurrentUser) -> User:
    user = await session.get(User, current.id)
    if user is None:
        raise NotFound("Akun tidak ditemukan.")
    return user


async def update_profile(session: AsyncSession, current: CurrentUser, form: ProfileForm) -> User:
    """Name, address for village delivery (dusun, RT/RW, landmark) and the optional NIK (empty keeps it)."""
    errors: dict[str, str] = {}
    name = parse_text(form.name, "name", "Nama", errors, required=True, max_length=MAX_NAME)
    dusun, rt, rw, landmark = parse_address(form.dusun, form.rt, form.rw, form.landmark, errors)
    nik: str | None = None
    if form.nik.strip():
        try:
            nik = normalise_nik(form.nik[:40])
        except InvalidNik as exc:
            errors["nik"] = str(exc)
    raise_errors(errors)
    user = await get_user(session, current)
    taken = "NIK ini sudah terdaftar di akun lain. Satu NIK hanya untuk satu akun; hubungi koperasi bila ini NIK Anda."
    if nik and await session.scalar(select(User.id).where(User.nik == nik, User.id != user.id)):
        raise InvalidInput(taken, field_errors={"nik": taken})
    assert name is not None
    # The form never shows the stored NIK back; an empty field keeps it.
    user.name, user.dusun, user.rt, user.rw, user.landmark = name, dusun, rt, rw, landmark
    if nik:
        user.nik = nik
    await flush_or_raise(session, InvalidInput(taken, field_errors={"nik": taken}))
    return user


async def membership_of(session: AsyncSession, user_id: int, cooperative_id: int) -> Membership | None:
    return await session.scalar(
        select(Membership).where(Membership.user_id == user_id, Membership.cooperative_id == cooperative_id)
    )


async def memberships_of(session: AsyncSession, user_id: int) -> Sequence[Membership]:
    result = await session.scalars(select(Membership).where(Membership.user_id == user_id).order_by(Membership.id))
    return result.all()


async def request_membership(session: AsyncSession, cooperative: Cooperative, current: CurrentUser) -> Membership:
    """Ask to join a cooperative; staff approve. Asking again after a refusal asks again."""
    membership = await membership_of(session, current.id, cooperative.id)
    if membership is None:
        membership = Membership(
            user_id=current.id, cooperative_id=cooperative.id, role=Role.MEMBER, status=MembershipStatus.PENDING
        )
        try:
            async with session.begin_nested():
                session.add(membership)
                await session.flush()
        except IntegrityError:
            membership = await membership_of(session, current.id, cooperative.id)
            assert membership is not None
    elif membership.status == MembershipStatus.REJECTED:
        membership.status = MembershipStatus.PENDING
        await session.flush()
    return membership


@dataclass(frozen=True)
class Applicant:
    membership: Membership
    user: User


async def pending_memberships(
    session: AsyncSession, cooperative: Cooperative, staff: CurrentUser | None
) -> list[Applicant]:
    require_staff(staff, cooperative)
    rows = await session.execute(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.cooperative_id == cooperative.id, Membership.status == MembershipStatus.PENDING)
        .order_by(Membership.id)
    )
    return [Applicant(membership=m, user=u) for m, u in rows.tuples()]


async def membership_with_user(
    session: AsyncSession, cooperative: Cooperative, membership_id: int, not_found: str
) -> tuple[Membership, User]:
    """A membership of this cooperative and its person; `not_found` is the 404's message otherwise."""
    row = (
        await session.execute(
            select(Membership, User)
            .join(User, User.id == Membership.user_id)
            .where(Membership.id == membership_id, Membership.cooperative_id == cooperative.id)
        )
    ).first()
    if row is None:
        raise NotFound(not_found)
    membership, user = row.tuple()
    return membership, user


async def decide_membership(
    session: AsyncSession, cooperative: Cooperative, staff: CurrentUser | None, membership_id: int, *, approve: bool
) -> Applicant:
    """Staff approve or refuse a pending request of their own cooperative."""
    require_staff(staff, cooperative)
    membership, user = await membership_with_user(
        session, cooperative, membership_id, "Permintaan keanggotaan tidak ditemukan."
    )
    if membership.status != MembershipStatus.PENDING:
        raise Conflict("Permintaan ini sudah diputuskan sebelumnya.")
    membership.status = MembershipStatus.APPROVED if approve else MembershipStatus.REJECTED
    await session.flush()
    return Applicant(membership=membership, user=user)
