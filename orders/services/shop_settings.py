"""A cooperative's shop settings: the payment methods it takes, its static QRIS, bank account and delivery zones."""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import CurrentUser, require_staff
from app.db import flush_or_raise
from app.errors import InvalidInput, NotFound
from app.forms import parse_int, parse_rupiah, parse_text, raise_errors
from app.i18n import _
from app.models import Cooperative
from orders import qris, state
from orders.models import DeliveryZone
from orders.schemas import BankForm, ZoneForm

MAX_DELIVERY_FEE = 1_000_000
MAX_QRIS_TEXT = 512


def payment_choices(cooperative: Cooperative) -> dict[str, str]:
    """The payment methods this cooperative takes: those its board chose (all when it never chose), and of
    those only what works now — transfer needs an account, QRIS a static code. Cash is always possible."""
    available = {"cash": True, "transfer": cooperative.accepts_transfer, "qris": cooperative.accepts_qris}
    chosen = {m.strip() for m in (cooperative.payment_methods or "cash,transfer,qris").split(",")} | {"cash"}
    return {
        method: label
        for method, label in state.PAYMENT_METHOD_LABELS.items()
        if available[method] and method in chosen
    }


async def set_qris(
    session: AsyncSession, cooperative: Cooperative, user: CurrentUser | None, payload: str, *, demo: bool = False
) -> qris.QrisInfo:
    """Staff paste (or upload) their static QRIS once; it is checked and every order's QR is built from it."""
    require_staff(user, cooperative)
    text = (payload or "").strip()
    if len(text) > MAX_QRIS_TEXT:
        raise InvalidInput(
            _("Kode QRIS terlalu panjang. Tempelkan satu kode QRIS saja."),
            field_errors={"payload": _("Terlalu panjang.")},
        )
    try:
        info = qris.validate_static(text)
    except qris.QrisError as exc:
        raise InvalidInput(
            exc.message, field_errors={"payload": exc.message}, qris_error=exc.code, tag=exc.tag
        ) from None
    if info.point_of_initiation == qris.DYNAMIC:
        message = _(
            "Ini QRIS dinamis, untuk satu transaksi saja. Tempelkan QRIS statis koperasi "
            "(yang dicetak di stiker atau diunduh dari aplikasi merchant)."
        )
        raise InvalidInput(message, field_errors={"payload": message}, qris_error="not_static", tag="01")
    cooperative.qris_payload = text
    cooperative.qris_merchant_name = info.merchant_name
    cooperative.qris_merchant_city = info.merchant_city
    cooperative.qris_nmid = info.nmid
    cooperative.qris_is_demo = demo
    cooperative.qris_updated_at = datetime.datetime.now(datetime.UTC)
    await session.flush()
    return info


def qris_from_image(data: bytes) -> str:
    """The QRIS text in a photo or screenshot of the cooperative's sticker."""
    try:
        return qris.read_qr_image(data)
    except qris.QrisError as exc:
        raise InvalidInput(exc.message, field_errors={"payload": exc.message}, qris_error=exc.code) from None


async def set_bank_account(
    session: AsyncSession, cooperative: Cooperative, user: CurrentUser | None, account: BankForm
) -> None:
    """The account buyers transfer to. All three fields empty switches transfer off."""
    require_staff(user, cooperative)
    errors: dict[str, str] = {}
    bank = parse_text(account.bank_name, "bank_name", _("Nama bank"), errors, required=False, max_length=80)
    number = re.sub(r"[\s.\-]", "", account.account_number or "")
    holder = parse_text(
        account.account_name, "account_name", _("Nama pemilik rekening"), errors, required=False, max_length=120
    )
    if any((bank, number, holder)):
        if not bank:
            errors["bank_name"] = _("Nama bank wajib diisi.")
        if not re.fullmatch(r"\d{5,20}", number):
            errors["account_number"] = _("Nomor rekening diisi angka saja (5 sampai 20 angka).")
        if not holder:
            errors["account_name"] = _("Nama pemilik rekening wajib diisi, sesuai buku tabungan.")
    if errors:
        raise InvalidInput.of(errors)
    cooperative.bank_name, cooperative.bank_account_number, cooperative.bank_account_name = (
        bank,
        number or None,
        holder,
    )
    await session.flush()


def same_zone_name(a: str, b: str) -> bool:
    """Zone names match without regard to case or spacing, as buyers type them."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


async def active_zones(session: AsyncSession, cooperative_id: int) -> Sequence[DeliveryZone]:
    result = await session.scalars(
        select(DeliveryZone)
        .where(DeliveryZone.cooperative_id == cooperative_id, DeliveryZone.is_active.is_(True))
        .order_by(DeliveryZone.position, DeliveryZone.name)
    )
    return result.all()


async def list_zones(session: AsyncSession, cooperative_id: int) -> Sequence[DeliveryZone]:
    result = await session.scalars(
        select(DeliveryZone)
        .where(DeliveryZone.cooperative_id == cooperative_id)
        .order_by(DeliveryZone.is_active.desc(), DeliveryZone.position, DeliveryZone.name)
    )
    return result.all()


async def save_zone(
    session: AsyncSession, cooperative: Cooperative, user: CurrentUser | None, form: ZoneForm
) -> DeliveryZone:
    """Add a dusun/zone with its delivery fee, or change one. A zone is switched off, never deleted.

    A new zone (no `zone_id`) is always active; an existing one is active only while its box is ticked.
    """
    require_staff(user, cooperative)
    errors: dict[str, str] = {}
    zone_id = parse_int(form.zone_id, "zone_id", _("Wilayah"), errors, low=1, required=False)
    active = zone_id is None or form.active == "1"
    clean = parse_text(form.name, "name", _("Nama dusun/wilayah"), errors, required=True, max_length=120)
    amount = parse_rupiah(form.fee, "fee", _("Ongkos antar"), errors, low=0, high=MAX_DELIVERY_FEE)
    raise_errors(errors)
    assert clean is not None and amount is not None
    taken = _("Wilayah %(name)s sudah ada. Ubah ongkosnya di daftar.", name=clean)
    # Checkout matches names without regard to case or spacing, so two zones may not differ only in those.
    if any(same_zone_name(z.name, clean) and z.id != zone_id for z in await list_zones(session, cooperative.id)):
        raise InvalidInput(taken, field_errors={"name": taken})
    if zone_id is None:
        zone = DeliveryZone(cooperative_id=cooperative.id, name=clean, fee=amount, is_active=active)
        zone.position = len(await list_zones(session, cooperative.id))
    else:
        found = await session.get(DeliveryZone, zone_id)
        if found is None or found.cooperative_id != cooperative.id:
            raise NotFound(_("Wilayah antar tidak ditemukan."))
        zone = found
        zone.name, zone.fee, zone.is_active = clean, amount, active
    await flush_or_raise(session, InvalidInput(taken, field_errors={"name": taken}), zone)
    return zone
