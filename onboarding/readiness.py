"""The "Siap berjualan" checklist, the shop details it asks for, and opening or closing the shop."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import Actor, record_action
from app.errors import Conflict
from app.forms import parse_phone, parse_text, raise_errors
from app.i18n import N_, _
from app.models import Cooperative, CooperativeStatus, Membership, MembershipStatus, Role
from catalog.models import Product, ProductStatus
from orders.models import DeliveryZone

MIN_PRODUCTS = 5
PAYMENT_METHODS: dict[str, str] = {"cash": N_("Tunai"), "transfer": N_("Transfer bank"), "qris": "QRIS"}
DELIVERY_MODES: dict[str, str] = {
    "pickup_only": N_("Hanya ambil di koperasi"),
    "zones": N_("Antar ke wilayah (dusun)"),
}
MAX_TEXT = 500
# A staff account besides the pengurus: anyone who helps run the shop.
HELPER_ROLES = (Role.PETUGAS, Role.BENDAHARA, Role.PENGAWAS, Role.KURIR)
STATUS_LABELS: dict[str, str] = {
    CooperativeStatus.APPLIED: N_("Menunggu persetujuan"),
    CooperativeStatus.ONBOARDING: N_("Persiapan"),
    CooperativeStatus.OPEN: N_("Buka"),
    CooperativeStatus.CLOSED: N_("Tutup sementara"),
    CooperativeStatus.REJECTED: N_("Ditolak"),
}


def shown(labels: dict[str, str]) -> dict[str, str]:
    """A label table in the request's language (the tables hold the Indonesian, marked for the catalogs)."""
    return {key: _(label) for key, label in labels.items()}


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    done: bool
    hint: str
    # Where the step is fixed, relative to the cooperative's staff area ("siap#profil", "tim").
    fix: str


@dataclass(frozen=True)
class Readiness:
    steps: list[Step]

    @property
    def ready(self) -> bool:
        return all(step.done for step in self.steps)

    @property
    def done_count(self) -> int:
        return sum(1 for step in self.steps if step.done)

    @property
    def missing(self) -> list[str]:
        return [step.key for step in self.steps if not step.done]


def payment_methods_of(cooperative: Cooperative) -> list[str]:
    chosen = (cooperative.payment_methods or "").split(",")
    return [method for method in PAYMENT_METHODS if method in chosen]


@dataclass(frozen=True)
class Counts:
    helpers: int
    zones: int
    products_in_stock: int


async def counts(session: AsyncSession, cooperative_id: int) -> Counts:
    """The three figures the checklist reads from other tables, in one round trip."""
    helpers = (
        select(func.count())
        .select_from(Membership)
        .where(
            Membership.cooperative_id == cooperative_id,
            Membership.status == MembershipStatus.APPROVED,
            Membership.role.in_(HELPER_ROLES),
        )
        .scalar_subquery()
    )
    zones = (
        select(func.count())
        .select_from(DeliveryZone)
        .where(DeliveryZone.cooperative_id == cooperative_id, DeliveryZone.is_active.is_(True))
        .scalar_subquery()
    )
    products = (
        select(func.count())
        .select_from(Product)
        .where(Product.cooperative_id == cooperative_id, Product.status == ProductStatus.ACTIVE, Product.stock > 0)
        .scalar_subquery()
    )
    row = (await session.execute(select(helpers, zones, products))).one()
    return Counts(int(row[0] or 0), int(row[1] or 0), int(row[2] or 0))


def steps_for(cooperative: Cooperative, figures: Counts) -> Readiness:
    """The checklist from the cooperative's row and its figures (pure, so the rule is tested without a database)."""
    zones_ok = cooperative.delivery_mode == "pickup_only" or (
        cooperative.delivery_mode == "zones" and figures.zones > 0
    )
    delivery_hint = (
        _("Tambahkan paling sedikit satu wilayah antar di Pengaturan toko, atau pilih hanya ambil di koperasi.")
        if cooperative.delivery_mode == "zones"
        else _("Pilih: hanya ambil di koperasi, atau antar ke wilayah tertentu.")
    )
    return Readiness(
        [
            Step("profile", _("Profil dan jam buka"), bool(cooperative.opening_hours and cooperative.whatsapp),
                 _("Tulis jam buka koperasi dan nomor WhatsApp."), "siap#profil"),
            Step("pickup", _("Alamat pengambilan"), bool(cooperative.pickup_address),
                 _("Tulis alamat tempat pembeli mengambil barang."), "siap#profil"),
            Step("staff", _("Petugas selain pengurus"), figures.helpers > 0,
                 _("Undang paling sedikit satu petugas, bendahara atau kurir."), "tim"),
            Step("payment", _("Cara bayar"), bool(payment_methods_of(cooperative)),
                 _("Pilih cara bayar; tunai saja sudah cukup."), "siap#bayar"),
            Step("delivery", _("Ambil sendiri atau antar"), zones_ok, delivery_hint,
                 "pengaturan" if cooperative.delivery_mode == "zones" else "siap#antar"),
            Step("products", _("Paling sedikit %(n)s barang ada stok", n=MIN_PRODUCTS),
                 figures.products_in_stock >= MIN_PRODUCTS,
                 _("Sekarang %(n)s barang ada stok.", n=figures.products_in_stock), "produk"),
        ]
    )  # fmt: skip


async def readiness(session: AsyncSession, cooperative: Cooperative) -> Readiness:
    return steps_for(cooperative, await counts(session, cooperative.id))


class ShopDetailsPatch(msgspec.Struct, omit_defaults=True):
    """`PATCH /api/cooperatives/{slug}`: only the fields sent change."""

    opening_hours: str | msgspec.UnsetType | None = msgspec.UNSET
    pickup_address: str | msgspec.UnsetType | None = msgspec.UNSET
    payment_methods: list[str] | msgspec.UnsetType = msgspec.UNSET
    delivery: str | msgspec.UnsetType = msgspec.UNSET
    whatsapp: str | msgspec.UnsetType = msgspec.UNSET
    closed_message: str | msgspec.UnsetType | None = msgspec.UNSET


def _methods(cooperative: Cooperative, methods: Sequence[object], errors: dict[str, str]) -> str | None:
    chosen = [m.strip().lower() for m in methods if isinstance(m, str)]
    unknown = [m for m in chosen if m not in PAYMENT_METHODS]
    if unknown or len(chosen) != len(methods):
        errors["payment_methods"] = _("Cara bayar yang bisa dipilih: cash (tunai), transfer, qris.")
        return None
    if "transfer" in chosen and not cooperative.accepts_transfer:
        errors["payment_methods"] = _("Isi rekening bank koperasi di Pengaturan toko sebelum memilih transfer.")
    if "qris" in chosen and not cooperative.accepts_qris:
        errors["payment_methods"] = _("Pasang QRIS statis koperasi di Pengaturan toko sebelum memilih QRIS.")
    ordered = [m for m in PAYMENT_METHODS if m in chosen]
    return ",".join(ordered) or None


def _text(value: object, field: str, label: str, errors: dict[str, str]) -> str | None:
    return parse_text(value, field, label, errors, required=False, max_length=MAX_TEXT)


async def update_details(
    session: AsyncSession, actor: Actor, cooperative: Cooperative, patch: ShopDetailsPatch
) -> Cooperative:
    """Change the shop details the checklist asks for; every field is checked before any is kept."""
    errors: dict[str, str] = {}
    changes: dict[str, object] = {}
    if not isinstance(patch.opening_hours, msgspec.UnsetType):
        changes["opening_hours"] = _text(patch.opening_hours, "opening_hours", _("Jam buka"), errors)
    if not isinstance(patch.pickup_address, msgspec.UnsetType):
        changes["pickup_address"] = _text(patch.pickup_address, "pickup_address", _("Alamat pengambilan"), errors)
    if not isinstance(patch.closed_message, msgspec.UnsetType):
        changes["closed_message"] = _text(patch.closed_message, "closed_message", _("Pesan di toko"), errors)
    if not isinstance(patch.payment_methods, msgspec.UnsetType):
        changes["payment_methods"] = _methods(cooperative, patch.payment_methods, errors)
    if not isinstance(patch.delivery, msgspec.UnsetType):
        if patch.delivery not in DELIVERY_MODES:
            errors["delivery"] = _("Pilih pickup_only (hanya ambil) atau zones (antar ke wilayah).")
        changes["delivery_mode"] = patch.delivery
    if not isinstance(patch.whatsapp, msgspec.UnsetType):
        whatsapp = parse_phone(patch.whatsapp, "whatsapp", errors, label=_("Nomor WhatsApp koperasi"))
        changes["whatsapp"] = whatsapp.lstrip("+") if whatsapp else None
    raise_errors(errors)
    changed = {key: value for key, value in changes.items() if getattr(cooperative, key) != value}
    for key, value in changed.items():
        setattr(cooperative, key, value)
    if changed:
        _audit(session, actor, cooperative, "cooperative.updated", {"fields": sorted(changed)})
    await session.flush()
    return cooperative


def _audit(session: AsyncSession, actor: Actor, cooperative: Cooperative, action: str, detail: object) -> None:
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


class CloseIn(msgspec.Struct):
    message: str | None = None


async def open_shop(session: AsyncSession, actor: Actor, cooperative: Cooperative) -> Readiness:
    """Open the shop (the first time, or again after a holiday) once every step of the checklist is done."""
    if cooperative.status == CooperativeStatus.OPEN:
        raise Conflict(_("%(name)s sudah buka.", name=cooperative.short_name))
    if cooperative.status not in (CooperativeStatus.ONBOARDING, CooperativeStatus.CLOSED):
        raise Conflict(_("%(name)s belum disetujui operator Dinas Koperasi.", name=cooperative.short_name))
    state = await readiness(session, cooperative)
    if not state.ready:
        labels = ", ".join(step.label.lower() for step in state.steps if not step.done)
        raise Conflict(
            _("Toko belum bisa dibuka. Yang belum selesai: %(steps)s.", steps=labels),
            missing=state.missing,
            steps=[{"key": s.key, "done": s.done, "label": s.label} for s in state.steps],
        )
    first_time = cooperative.opened_at is None
    cooperative.status = CooperativeStatus.OPEN
    cooperative.closed_message = None
    if first_time:
        cooperative.opened_at = datetime.datetime.now(datetime.UTC)
    _audit(session, actor, cooperative, "cooperative.opened", {"first_time": first_time})
    await session.flush()
    return state


async def close_shop(session: AsyncSession, actor: Actor, cooperative: Cooperative, form: CloseIn) -> Cooperative:
    """Close an open shop for a while (a holiday); the message is shown on the shop, no orders are taken."""
    if cooperative.status != CooperativeStatus.OPEN:
        raise Conflict(_("%(name)s sedang tidak buka.", name=cooperative.short_name))
    errors: dict[str, str] = {}
    message = _text(form.message, "message", _("Pesan untuk pembeli"), errors)
    raise_errors(errors)
    cooperative.status = CooperativeStatus.CLOSED
    cooperative.closed_message = message
    _audit(session, actor, cooperative, "cooperative.closed", {"message": message})
    await session.flush()
    return cooperative
