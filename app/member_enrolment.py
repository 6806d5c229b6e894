"""Applying a cooperative's member list: approved memberships with member numbers, accounts and invitation links."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app import people
from app.accounts import nik_holders
from app.audit import Actor, record_action
from app.auth import has_usable_password, unusable_password
from app.errors import Conflict
from app.i18n import N_, _
from app.member_imports import ImportedMember, MemberImportResult, parse_member_list
from app.models import Cooperative, Invitation, Membership, MembershipStatus, Role, User
from app.spreadsheets import RowError
from app.tokens import IssuedLink

# Kept uploads of this import (`app.kept_uploads`), apart from the price list's.
UPLOAD_NAMESPACE = "impor-anggota"
CHANGED = N_(
    "Data anggota berubah sejak pratinjau (nomor HP, nomor anggota atau NIK baru terpakai). Unggah berkasnya lagi."
)
OTHER_NIK = N_("Akun dengan nomor HP ini sudah punya NIK lain. Kosongkan NIK di baris ini atau periksa lagi.")
# SQLite allows at most 32,766 bound parameters in a statement; lists of up to 5,000 rows fit in chunks.
_CHUNK = 900


@dataclass(frozen=True)
class NewMemberLink:
    """A member whose account has no password yet: the one-time link to send them."""

    member: ImportedMember
    invitation: Invitation
    link: IssuedLink


@dataclass
class MemberImport:
    """A checked (and, unless a dry run or refused, applied) member list."""

    result: MemberImportResult
    created: int = 0
    links: list[NewMemberLink] = field(default_factory=list)
    existing_accounts: list[ImportedMember] = field(default_factory=list)


class MemberLinkOut(msgspec.Struct):
    row: int
    name: str
    phone: str
    url: str
    whatsapp_url: str


class MemberImportOutcome(msgspec.Struct):
    """What the import API answers: rows read, rows without problems, memberships recorded, every problem,
    and the invitation link of each new member (shown once; only its hash is kept)."""

    rows: int
    valid: int
    created: int
    errors: list[RowError]
    invitations: list[MemberLinkOut]


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    items = list(values)
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


async def _numbered(session: AsyncSession, cooperative_id: int) -> tuple[set[str], list[str]]:
    """Phones of people the cooperative already numbered (as members), and every member number it uses.

    A member who joined through the app (no number yet) is not "already a member" here: the list gives
    them their number.
    """
    rows = await session.execute(
        select(User.phone, Membership.member_number)
        .join(User, User.id == Membership.user_id)
        .where(Membership.cooperative_id == cooperative_id, Membership.member_number.is_not(None))
    )
    phones, numbers = set(), []
    for phone, number in rows.tuples():
        phones.add(phone)
        numbers.append(number or "")
    return phones, numbers


async def _accounts(session: AsyncSession, phones: Iterable[str]) -> dict[str, User]:
    found: dict[str, User] = {}
    for chunk in _chunks(phones):
        found.update((u.phone, u) for u in await session.scalars(select(User).where(User.phone.in_(chunk))))
    return found


async def check_member_list(
    session: AsyncSession, cooperative: Cooperative, data: bytes
) -> tuple[MemberImportResult, dict[str, User]]:
    """Every row checked against the file and the database; raises FileRefused for an unusable file.

    Returns the accounts that already exist for the list's phones (by E.164 phone).
    """
    phones, numbers = await _numbered(session, cooperative.id)
    result = parse_member_list(data, existing_phones=phones, existing_member_numbers=numbers)
    niks = {m.nik for m in result.valid if m.nik}
    if niks:
        holders = await nik_holders(session, niks)
        result = parse_member_list(data, existing_phones=phones, existing_member_numbers=numbers, nik_holders=holders)
    accounts = await _accounts(session, {m.phone for m in result.valid})
    # An account keeps the NIK its owner gave; a different one in the list is a mistake on one side.
    clash = [m for m in result.valid if m.nik and (u := accounts.get(m.phone)) and u.nik and u.nik != m.nik]
    if clash:
        rows = {m.row for m in clash}
        errors = [*result.errors, *(RowError(m.row, "nik", _(OTHER_NIK)) for m in clash)]
        errors.sort(key=lambda e: e.row)
        result = MemberImportResult(
            rows=result.rows, valid=[m for m in result.valid if m.row not in rows], errors=errors
        )
    return result, accounts


async def _memberships(session: AsyncSession, cooperative_id: int, user_ids: Sequence[int]) -> dict[int, Membership]:
    found: dict[int, Membership] = {}
    for chunk in _chunks(user_ids):
        rows = await session.scalars(
            select(Membership).where(Membership.cooperative_id == cooperative_id, Membership.user_id.in_(chunk))
        )
        found.update((m.user_id, m) for m in rows)
    return found


def _record_membership(
    session: AsyncSession, cooperative: Cooperative, user: User, current: Membership | None, number: str
) -> None:
    """An approved membership with the list's number; a staff member keeps their role."""
    if current is None:
        session.add(
            Membership(
                user_id=user.id,
                cooperative_id=cooperative.id,
                role=Role.MEMBER,
                status=MembershipStatus.APPROVED,
                member_number=number,
            )
        )
        return
    if current.status != MembershipStatus.APPROVED:
        current.role, current.status = Role.MEMBER, MembershipStatus.APPROVED
    current.member_number = number


async def _apply(
    session: AsyncSession,
    cooperative: Cooperative,
    actor: Actor,
    valid: list[ImportedMember],
    accounts: dict[str, User],
) -> MemberImport:
    outcome = MemberImport(result=MemberImportResult(rows=0, valid=[], errors=[]))
    for member in valid:
        user = accounts.get(member.phone)
        if user is None:
            user = User(phone=member.phone, name=member.name, password_hash=unusable_password(), nik=member.nik)
            session.add(user)
            accounts[member.phone] = user
        elif member.nik and not user.nik:
            user.nik = member.nik
    await session.flush()
    current = await _memberships(session, cooperative.id, [accounts[m.phone].id for m in valid])
    for member in valid:
        user = accounts[member.phone]
        membership = current.get(user.id)
        # Only a person who cannot sign in yet needs a link; an approved staff member is not made a member by one.
        if not has_usable_password(user.password_hash) and (
            membership is None or membership.status != MembershipStatus.APPROVED
        ):
            form = people.InvitationIn(phone=member.phone, name=member.name, role=Role.MEMBER.value)
            invitation, link = await people.invite(session, cooperative, actor, form)
            outcome.links.append(NewMemberLink(member, invitation, link))
        elif has_usable_password(user.password_hash):
            outcome.existing_accounts.append(member)
        _record_membership(session, cooperative, user, membership, member.member_number)
    outcome.created = len(valid)
    return outcome


async def import_member_list(
    session: AsyncSession, cooperative: Cooperative, actor: Actor, data: bytes, *, dry_run: bool
) -> MemberImport:
    """Check a member list; unless `dry_run`, record every row when none has a problem (all or nothing).

    Each row becomes an approved membership with its member number: a phone that has an account gets
    the membership (and the NIK when the account has none); a new phone gets an account without a usable
    password and an invitation link (role member) to set one. The caller's guard decides who may import.
    """
    result, accounts = await check_member_list(session, cooperative, data)
    if dry_run or result.errors or not result.valid:
        return MemberImport(result=result)
    try:
        outcome = await _apply(session, cooperative, actor, result.valid, accounts)
        await session.flush()
    except IntegrityError:
        # Another import or sign-up took a number, NIK or phone since the check: the request rolls back.
        raise Conflict(_(CHANGED)) from None
    outcome.result = result
    record_action(
        session,
        actor,
        "members.imported",
        cooperative_id=cooperative.id,
        region_code=cooperative.kode_wilayah,
        target_type="cooperative",
        target_id=cooperative.id,
        detail={"rows": result.rows, "created": outcome.created, "invited": len(outcome.links)},
    )
    return outcome
