"""Resident accounts: sign-up, the profile (address, NIK), and membership requests staff approve."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app import nik_vault, ratelimit
from app.auth import MIN_PASSWORD_LENGTH, CurrentUser, hash_password_async, require_staff, verify_password_async
from app.db import flush_or_raise
from app.errors import Conflict, InvalidInput, NotFound
from app.forms import parse_address, parse_phone, parse_text, raise_errors
from app.i18n import N_, _
from app.models import Cooperative, Membership, MembershipStatus, Role, User
from app.schemas import PasswordChangeForm, ProfileForm, SignUpForm
from app.text import InvalidNik, normalise_nik

MAX_NAME = 120
MAX_PASSWORD = 200


def check_password(password: str, errors: dict[str, str], field: str = "password") -> None:
    """The one password rule: every form that sets a password uses it."""
    if len(password) < MIN_PASSWORD_LENGTH:
        errors[field] = _("Kata sandi paling sedikit %(n)s karakter.", n=MIN_PASSWORD_LENGTH)
    elif len(password) > MAX_PASSWORD:
        errors[field] = _("Kata sandi paling banyak %(n)s karakter.", n=MAX_PASSWORD)


# The one answer to a sign-up, whether the number was free or already had an account: the form cannot
# be used to find out which numbers are registered. It is true in both cases and says what to do next.
SIGNED_UP = N_(
    "Pendaftaran diterima. Masuk dengan nomor HP dan kata sandi yang baru Anda buat. "
    "Bila nomor ini sudah pernah didaftarkan, pakai kata sandi lamanya, atau pilih “Lupa kata sandi?”."
)
# The same for a NIK: a person must learn whether their NIK was recorded (it decides who may buy LPG),
# so a refusal cannot look like success; it does not say why, and the attempts per account are few.
NIK_NOT_RECORDED = N_(
    "NIK ini tidak dapat dicatat pada akun ini. Bila NIK ini milik Anda, datang ke koperasi dengan KTP "
    "agar pengurus memeriksanya."
)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


async def register(session: AsyncSession, form: SignUpForm) -> User | None:
    """A new resident account from a phone number and a password; None when the number already has one.

    Both cases take the same time (one password hash) and the caller answers both the same way
    (SIGNED_UP). The owner of a taken number sees on their account page that someone tried.
    """
    errors: dict[str, str] = {}
    name = parse_text(form.name, "name", _("Nama"), errors, required=True, max_length=MAX_NAME)
    phone = parse_phone(form.phone, "phone", errors)
    check_password(form.password, errors)
    raise_errors(errors)
    assert name is not None and phone is not None
    await ratelimit.check(session, ratelimit.SIGNUP_PER_PHONE, phone)
    password_hash = await hash_password_async(form.password)
    owner = await session.scalar(select(User).where(User.phone == phone))
    if owner is None:
        user = User(phone=phone, name=name, password_hash=password_hash)
        try:
            async with session.begin_nested():
                session.add(user)
                await session.flush()
            return user
        except IntegrityError:
            # Two sign-ups with one number at the same moment: the second is a taken number.
            owner = await session.scalar(select(User).where(User.phone == phone))
    if owner is not None:
        owner.signup_attempt_at = _now()
        await session.flush()
    return None


async def get_user(session: AsyncSession, current: CurrentUser) -> User:
    user = await session.get(User, current.id)
    if user is None:
        raise NotFound(_("Akun tidak ditemukan."))
    return user


async def nik_holder(session: AsyncSession, nik: str) -> User | None:
    """The account holding this NIK, found by its keyed hash under every key still accepted."""
    return await session.scalar(select(User).where(User.nik_hash.in_(nik_vault.vault().digests(nik))))


async def nik_holders(session: AsyncSession, niks: Iterable[str]) -> dict[str, str]:
    """NIK -> the phone of the account holding it, for the NIKs that have one."""
    by_digest = {d: nik for nik in set(niks) for d in nik_vault.vault().digests(nik)}
    holders: dict[str, str] = {}
    digests = list(by_digest)
    for start in range(0, len(digests), 500):
        rows = await session.execute(
            select(User.nik_hash, User.phone).where(User.nik_hash.in_(digests[start : start + 500]))
        )
        holders.update((by_digest[h], phone) for h, phone in rows.tuples() if h)
    return holders


async def rekey_niks(session: AsyncSession, vault: nik_vault.NikVault) -> int:
    """After a key rotation: rewrite every NIK still under a previous key under the current one (how many)."""
    count = 0
    rows = await session.stream_scalars(select(User).where(User.nik_sealed.is_not(None)).order_by(User.id))
    async for user in rows:
        if not vault.current(user.nik_hash, user.nik_sealed):
            user.nik_hash, user.nik_sealed = vault.seal(vault.open(user.nik_sealed))
            count += 1
    await session.flush()
    return count


@dataclass(frozen=True)
class ProfileSaved:
    user: User
    nik_recorded: bool = False
    # The NIK typed could not be recorded; everything else was saved.
    nik_refused: bool = False


async def update_profile(session: AsyncSession, current: CurrentUser, form: ProfileForm) -> ProfileSaved:
    """Name, address for village delivery (dusun, RT/RW, landmark) and the optional NIK (empty keeps it).

    A NIK another account holds is not recorded and the rest is saved, so the attempt (counted per
    account, shown to the NIK's holder) is committed like any save: the answer does not say why.
    """
    errors: dict[str, str] = {}
    name = parse_text(form.name, "name", _("Nama"), errors, required=True, max_length=MAX_NAME)
    dusun, rt, rw, landmark = parse_address(form.dusun, form.rt, form.rw, form.landmark, errors)
    nik: str | None = None
    if form.nik.strip():
        try:
            nik = normalise_nik(form.nik[:40])
        except InvalidNik as exc:
            errors["nik"] = str(exc)
    raise_errors(errors)
    user = await get_user(session, current)
    assert name is not None
    # The form never shows the stored NIK back; an empty field keeps it.
    user.name, user.dusun, user.rt, user.rw, user.landmark = name, dusun, rt, rw, landmark
    if not nik or nik == user.nik:
        await session.flush()
        return ProfileSaved(user, nik_recorded=bool(nik))
    await ratelimit.check(session, ratelimit.NIK_PER_ACCOUNT, user.id)
    holder = await nik_holder(session, nik)
    if holder is not None and holder.id != user.id:
        holder.nik_attempt_at = _now()
        await session.flush()
        return ProfileSaved(user, nik_refused=True)
    user.nik = nik
    # Two accounts saving one NIK at the same moment: the second is refused like any taken NIK.
    await flush_or_raise(session, InvalidInput(_(NIK_NOT_RECORDED), field_errors={"nik": _(NIK_NOT_RECORDED)}))
    return ProfileSaved(user, nik_recorded=True)


NOTICE_DAYS = 30


def account_notices(user: User) -> list[tuple[datetime.datetime, str]]:
    """What the owner should know (the account page says it): someone tried their number or their NIK."""
    since = _now() - datetime.timedelta(days=NOTICE_DAYS)
    tried = (
        (user.signup_attempt_at, _("seseorang mencoba mendaftar akun baru dengan nomor HP Anda")),
        (user.nik_attempt_at, _("seseorang mencoba mencatat NIK Anda pada akun lain")),
    )
    return [(at, text) for at, text in tried if at is not None and at > since]


WRONG_CURRENT = N_("Kata sandi sekarang salah.")


async def change_password(session: AsyncSession, current: CurrentUser, form: PasswordChangeForm) -> User:
    """A new password, with the current one; every other device is signed out (the caller re-signs this one)."""
    errors: dict[str, str] = {}
    check_password(form.new_password, errors, "new_password")
    if not errors and form.new_password != form.confirm:
        errors["confirm"] = _("Ulangi kata sandi baru dengan sama persis.")
    user = await get_user(session, current)
    if not await verify_password_async(user.password_hash, form.current_password[:MAX_PASSWORD]):
        errors = {"current_password": _(WRONG_CURRENT), **errors}
    raise_errors(errors)
    user.password_hash = await hash_password_async(form.new_password)
    user.session_epoch = (user.session_epoch or 0) + 1
    await session.flush()
    return user


async def sign_out_everywhere(session: AsyncSession, current: CurrentUser) -> None:
    """Every session of this account, on every device, stops working at its next request."""
    user = await get_user(session, current)
    user.session_epoch = (user.session_epoch or 0) + 1
    await session.flush()


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
        session, cooperative, membership_id, _("Permintaan keanggotaan tidak ditemukan.")
    )
    if membership.status != MembershipStatus.PENDING:
        raise Conflict(_("Permintaan ini sudah diputuskan sebelumnya."))
    membership.status = MembershipStatus.APPROVED if approve else MembershipStatus.REJECTED
    await session.flush()
    return Applicant(membership=membership, user=user)
