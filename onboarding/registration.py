"""Registering a cooperative: created by an operator or pendamping, or applied for and approved or rejected."""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app import people, platform, regions
from app.audit import Actor, record_action
from app.auth import CurrentUser
from app.errors import Conflict, Forbidden, InvalidInput
from app.forms import parse_phone, parse_text, raise_errors
from app.i18n import _
from app.models import Cooperative, CooperativeStatus, Invitation, Membership, MembershipStatus, Role
from app.people import InvitationIn
from app.regions import RegionLevel, RegionPath
from app.tokens import IssuedLink
from catalog.services import deactivate_cooperative

# A cooperative in these states holds its desa: a second one there is refused.
HOLDS_DESA: tuple[str, ...] = (CooperativeStatus.ONBOARDING, CooperativeStatus.OPEN, CooperativeStatus.CLOSED)
MAX_NAME = 200
MAX_REASON = 500
_SLUG_LENGTH = 60
# Province codes by time zone; everything else in the country is WITA or WIT below.
_WIB = {"11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33", "34", "35", "36"}
_WIB_KALIMANTAN = {"61", "62"}
_WIT_PREFIXES = ("8", "9")
# Official names start with these words; the slug and the short name use the usual abbreviations.
_NAME_ABBREVIATIONS = (
    ("koperasi desa merah putih", "KDMP"),  # i18n: not shown
    ("koperasi kelurahan merah putih", "KKMP"),  # i18n: not shown
    ("koperasi", "Kop."),
)
_LEGAL_NUMBER = re.compile(r"^[A-Za-z0-9./\- ]{3,80}$")

# How the log pages name this package's actions.
class CooperativeIn(msgspec.Struct):
    """A new cooperative, from the registration form or `POST /api/cooperatives[/applications]`."""

    name: str = ""
    desa_code: str = ""
    whatsapp: str = ""
    legal_number: str | None = None
    nik_koperasi: str | None = None
    # The applicant's contact (applications only); defaults to the signed-in account's.
    applicant_name: str | None = None
    applicant_phone: str | None = None
    # Created by an operator or pendamping: the first pengurus to invite (optional).
    pengurus_name: str | None = None
    pengurus_phone: str | None = None


class RejectIn(msgspec.Struct):
    reason: str = ""


def timezone_for(region_code: str) -> str:
    """WIB, WITA or WIT from the province part of a region code (Kalimantan Selatan is WITA)."""
    province = region_code[:2]
    if province in _WIB:
        return "Asia/Jakarta"
    if province in _WIB_KALIMANTAN:
        return "Asia/Pontianak"
    if province.startswith(_WIT_PREFIXES):
        return "Asia/Jayapura"
    return "Asia/Makassar"


def short_name(name: str) -> str:
    """`Koperasi Desa Merah Putih Lok Baintan` → `KDMP Lok Baintan`."""
    lowered = name.lower()
    for words, abbreviation in _NAME_ABBREVIATIONS:
        if lowered.startswith(words + " ") and len(name) > len(words) + 1:
            return f"{abbreviation} {name[len(words) + 1 :].strip()}"[:80]
    return name[:80]


def slug_base(name: str) -> str:
    """The slug a name asks for, before making it unique: `kdmp-lok-baintan`."""
    text = short_name(name).lower().replace("kop.", "kop")
    base = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:_SLUG_LENGTH].strip("-")
    return base or "koperasi"


def order_prefix(place: str) -> str:
    """Three letters that start the cooperative's order numbers, from its desa's name."""
    letters = re.sub(r"[^A-Z]", "", place.upper())
    return (letters + "KOP")[:3]


async def unique_slug(session: AsyncSession, name: str) -> str:
    base = slug_base(name)
    taken = set(
        await session.scalars(
            select(Cooperative.slug).where((Cooperative.slug == base) | Cooperative.slug.like(f"{base}-%"))
        )
    )
    if base not in taken:
        return base
    return next(f"{base}-{n}" for n in range(2, len(taken) + 3) if f"{base}-{n}" not in taken)


def normalise_legal_number(value: str | None) -> str | None:
    """Legal numbers compared without case or repeated spaces: `AHU-0012345.AH.01.29.Tahun 2025`."""
    return " ".join(value.split()).upper() if value and value.strip() else None


@dataclass(frozen=True)
class ValidCooperative:
    name: str
    desa_code: str
    place: RegionPath
    whatsapp: str
    legal_number: str | None
    nik_koperasi: str | None


async def _desa(session: AsyncSession, code: object, errors: dict[str, str]) -> RegionPath | None:
    text = code.strip() if isinstance(code, str) else ""
    if not text:
        errors["desa_code"] = _("Pilih desa/kelurahan tempat koperasi berada.")
        return None
    if not regions.is_region_code(text) or regions.level_of(text) != RegionLevel.DESA:
        errors["desa_code"] = _("Kode desa/kelurahan harus lengkap, misalnya 63.03.04.2004.")
        return None
    place = await regions.path(session, text)
    if place is None or place.desa is None:
        errors["desa_code"] = _("Kode desa %(code)s tidak ada di daftar wilayah Kemendagri.", code=repr(text))
    return place


async def validate(session: AsyncSession, form: CooperativeIn) -> ValidCooperative:
    errors: dict[str, str] = {}
    name = parse_text(form.name, "name", _("Nama koperasi"), errors, required=True, max_length=MAX_NAME)
    if name is not None and len(name) < 5:
        errors["name"] = _("Nama koperasi terlalu pendek.")
    place = await _desa(session, form.desa_code, errors)
    whatsapp = parse_phone(form.whatsapp, "whatsapp", errors, label=_("Nomor WhatsApp koperasi"))
    legal = normalise_legal_number(form.legal_number if isinstance(form.legal_number, str) else None)
    if legal is not None and not _LEGAL_NUMBER.match(legal):
        errors["legal_number"] = _("Nomor badan hukum hanya berisi huruf, angka, titik, garis miring dan tanda -.")
    nik = parse_text(
        form.nik_koperasi, "nik_koperasi", _("Nomor Induk Koperasi"), errors, required=False, max_length=40
    )
    raise_errors(errors)
    assert name is not None and place is not None and whatsapp is not None
    return ValidCooperative(name, str(form.desa_code).strip(), place, whatsapp, legal, nik)


async def check_duplicates(
    session: AsyncSession, desa_code: str, legal_number: str | None, *, exclude_id: int | None = None
) -> None:
    """A desa has one active cooperative; a legal number belongs to one cooperative. Refused with a clear message."""
    query = select(Cooperative).where(
        Cooperative.is_active.is_(True), Cooperative.kode_wilayah == desa_code, Cooperative.status.in_(HOLDS_DESA)
    )
    if exclude_id is not None:
        query = query.where(Cooperative.id != exclude_id)
    holder = await session.scalar(query.limit(1))
    if holder is not None:
        message = _("Desa ini sudah punya koperasi yang aktif: %(name)s. Satu desa satu koperasi.", name=holder.name)
        raise Conflict(message, field_errors={"desa_code": message})
    if legal_number is None:
        return
    query = select(Cooperative).where(
        Cooperative.is_active.is_(True), func.upper(Cooperative.legal_number) == legal_number
    )
    if exclude_id is not None:
        query = query.where(Cooperative.id != exclude_id)
    twin = await session.scalar(query.limit(1))
    if twin is not None:
        message = _("Nomor badan hukum ini sudah dipakai %(name)s. Periksa kembali nomornya.", name=twin.name)
        raise Conflict(message, field_errors={"legal_number": message})


def _audit(session: AsyncSession, actor: Actor, cooperative: Cooperative, action: str, detail: object = None) -> None:
    record_action(
        session,
        actor,
        action,
        cooperative_id=cooperative.id,
        region_code=cooperative.kode_wilayah,
        target_type="cooperative",
        target_id=cooperative.id,
        detail=detail,
    )


async def _insert(session: AsyncSession, valid: ValidCooperative, status: str) -> Cooperative:
    place = valid.place
    assert place.desa is not None
    cooperative = Cooperative(
        slug=await unique_slug(session, valid.name),
        name=valid.name,
        short_name=short_name(valid.name),
        order_prefix=order_prefix(place.desa),
        desa=place.desa,
        kecamatan=place.kecamatan or "",
        kabupaten=place.kabupaten or "",
        provinsi=place.provinsi or "",
        kode_wilayah=valid.desa_code,
        whatsapp=valid.whatsapp.lstrip("+"),
        timezone=timezone_for(valid.desa_code),
        status=status,
        is_active=True,
        legal_number=valid.legal_number,
        nik_koperasi=valid.nik_koperasi,
    )
    session.add(cooperative)
    await session.flush()
    return cooperative


@dataclass(frozen=True)
class Created:
    cooperative: Cooperative
    # The first pengurus' invitation, when the form named one.
    invitation: Invitation | None = None
    link: IssuedLink | None = None


async def create(session: AsyncSession, actor: Actor, user: CurrentUser, form: CooperativeIn) -> Created:
    """An operator (of the desa's region) or a pendamping registers a cooperative; it starts onboarding.

    A pendamping who creates it is assigned to it, so they can set it up. When the form names the first
    pengurus, their invitation link is issued at once (the operator has no other way to invite).
    """
    valid = await validate(session, form)
    as_operator = user.operates(valid.desa_code)
    if not as_operator and not user.is_pendamping:
        raise Forbidden(_("Desa ini di luar wilayah kerja Anda."))
    wants_pengurus = bool((form.pengurus_name or "").strip() or (form.pengurus_phone or "").strip())
    await check_duplicates(session, valid.desa_code, valid.legal_number)
    cooperative = await _insert(session, valid, CooperativeStatus.ONBOARDING)
    _audit(session, actor, cooperative, "cooperative.created", {"name": cooperative.name, "desa": valid.desa_code})
    if not as_operator:
        await platform.assign(session, actor, cooperative, user.id)
    if not wants_pengurus:
        return Created(cooperative)
    first = InvitationIn(phone=form.pengurus_phone or "", name=form.pengurus_name or "", role=Role.PENGURUS.value)
    try:
        invitation, link = await people.invite(session, cooperative, actor, first)
    except InvalidInput as exc:
        fields = {f"pengurus_{key}": message for key, message in exc.field_errors.items()}
        raise InvalidInput.of(fields) from None
    return Created(cooperative, invitation, link)


async def apply(session: AsyncSession, actor: Actor, user: CurrentUser, form: CooperativeIn) -> Cooperative:
    """Anyone signed in applies for a cooperative; it waits as "applied" for an operator of its region."""
    valid = await validate(session, form)
    errors: dict[str, str] = {}
    applicant = parse_text(
        form.applicant_name, "applicant_name", _("Nama pemohon"), errors, required=False, max_length=120
    )
    phone = parse_phone(form.applicant_phone, "applicant_phone", errors, label=_("Nomor HP pemohon"), required=False)
    raise_errors(errors)
    await check_duplicates(session, valid.desa_code, valid.legal_number)
    cooperative = await _insert(session, valid, CooperativeStatus.APPLIED)
    cooperative.applied_by_id = user.id
    cooperative.applicant_name = applicant or user.name
    cooperative.applicant_phone = phone or user.phone
    _audit(session, actor, cooperative, "cooperative.applied", {"name": cooperative.name, "desa": valid.desa_code})
    await session.flush()
    return cooperative


def _waiting(cooperative: Cooperative) -> None:
    if cooperative.status != CooperativeStatus.APPLIED:
        raise Conflict(_("%(name)s tidak sedang menunggu persetujuan.", name=cooperative.name))


async def approve(session: AsyncSession, actor: Actor, cooperative: Cooperative) -> Cooperative:
    """The operator approves an application: it starts onboarding and the applicant becomes its pengurus."""
    _waiting(cooperative)
    await check_duplicates(session, cooperative.kode_wilayah or "", cooperative.legal_number, exclude_id=cooperative.id)
    cooperative.status = CooperativeStatus.ONBOARDING
    cooperative.reviewed_at = datetime.datetime.now(datetime.UTC)
    if cooperative.applied_by_id is not None:
        membership = await session.scalar(
            select(Membership).where(
                Membership.user_id == cooperative.applied_by_id, Membership.cooperative_id == cooperative.id
            )
        )
        if membership is None:
            session.add(
                Membership(
                    user_id=cooperative.applied_by_id,
                    cooperative_id=cooperative.id,
                    role=Role.PENGURUS,
                    status=MembershipStatus.APPROVED,
                )
            )
        else:
            membership.role, membership.status = Role.PENGURUS, MembershipStatus.APPROVED
    _audit(session, actor, cooperative, "cooperative.approved", {"applicant": cooperative.applied_by_id})
    await session.flush()
    return cooperative


async def reject(session: AsyncSession, actor: Actor, cooperative: Cooperative, form: RejectIn) -> Cooperative:
    """The operator rejects an application with a reason the applicant sees; the desa and slug stay free."""
    _waiting(cooperative)
    errors: dict[str, str] = {}
    reason = parse_text(form.reason, "reason", _("Alasan penolakan"), errors, required=True, max_length=MAX_REASON)
    raise_errors(errors)
    cooperative.status = CooperativeStatus.REJECTED
    cooperative.is_active = False
    cooperative.rejection_reason = reason
    cooperative.reviewed_at = datetime.datetime.now(datetime.UTC)
    _audit(session, actor, cooperative, "cooperative.rejected", {"reason": reason})
    await session.flush()
    return cooperative


async def deactivate(session: AsyncSession, actor: Actor, cooperative: Cooperative) -> Cooperative:
    """Take a cooperative off the platform (the operator's decision): its shop and staff pages close."""
    await deactivate_cooperative(session, cooperative)
    _audit(session, actor, cooperative, "cooperative.deactivated", {"name": cooperative.name})
    await session.flush()
    return cooperative


async def applications_of(session: AsyncSession, user_id: int) -> Sequence[Cooperative]:
    """The applications a person made, newest first, with their state and any rejection reason."""
    rows = await session.scalars(
        select(Cooperative).where(Cooperative.applied_by_id == user_id).order_by(Cooperative.id.desc())
    )
    return rows.all()
