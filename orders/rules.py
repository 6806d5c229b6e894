"""Who may buy how much of a product: members only, NIK required, per-order limits, per-period quotas.

Pure rules (no database): the service gathers the facts about the buyer and their past purchases, these
functions say yes, or no with what to do about it, in plain Bahasa Indonesia.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Protocol

from app.clock import local_midnight, local_today, period_containing, tanggal
from app.i18n import N_, _
from app.models import MembershipStatus

PERIOD_WORDS = {
    "day": (N_("per hari"), N_("hari ini")),
    "week": (N_("per minggu"), N_("minggu ini")),
    "month": (N_("per bulan"), N_("bulan ini")),
}


def _period_words(period: str) -> tuple[str, str]:
    """("per week", "this week") for a quota period, in the active language."""
    per, this = PERIOD_WORDS.get(period, ("", ""))
    return (_(per) if per else "", _(this) if this else "")


class RuledProduct(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def max_qty_per_order(self) -> int | None: ...
    @property
    def members_only(self) -> bool: ...
    @property
    def requires_nik(self) -> bool: ...
    @property
    def quota_qty(self) -> int | None: ...
    @property
    def quota_period(self) -> str | None: ...


@dataclass(frozen=True)
class Buyer:
    """What the rules need to know about whoever is checking out."""

    signed_in: bool = False
    # None: never asked to join this cooperative; otherwise a MembershipStatus value.
    membership: str | None = None
    has_nik: bool = False


@dataclass(frozen=True)
class Refusal:
    """Why a product cannot be bought as asked, and where the buyer can fix it."""

    product_id: int
    message: str
    fix_url: str | None = None
    fix_label: str | None = None
    # A second way out, e.g. applying for membership besides signing in.
    also_url: str | None = None
    also_label: str | None = None


@dataclass(frozen=True)
class QuotaWindow:
    starts_at: datetime.datetime  # UTC: purchases since then count
    resets_on: datetime.date  # local date the next period starts


def quota_window(period: str, now: datetime.datetime, timezone: str | None) -> QuotaWindow:
    """The current period on the cooperative's clock: a day, a week from Monday, or a calendar month."""
    if period not in PERIOD_WORDS:
        raise ValueError(f"unknown quota period {period!r}")
    current = period_containing(period, local_today(timezone, now))
    return QuotaWindow(starts_at=local_midnight(timezone, current.start), resets_on=current.end)


def check(
    product: RuledProduct,
    quantity: int,
    buyer: Buyer,
    *,
    cooperative_name: str,
    cooperative_slug: str,
    used: int = 0,
    window: QuotaWindow | None = None,
    return_to: str = "",
) -> Refusal | None:
    """The first rule `quantity` units of `product` break for this buyer, or None if they may buy them.

    `used` is what the buyer already bought of this product in the quota window (cancelled orders excluded).
    """
    after = f"?lanjut={return_to}" if return_to else ""
    if product.max_qty_per_order is not None and quantity > product.max_qty_per_order:
        return Refusal(
            product.id,
            _(
                "%(name)s: paling banyak %(n)s %(unit)s per pesanan. Kurangi jumlahnya menjadi %(n)s.",
                name=product.name,
                n=product.max_qty_per_order,
                unit=product.unit,
            ),
        )
    if product.members_only and (
        refusal := membership_refusal(product, buyer, cooperative_name, cooperative_slug, after)
    ):
        return refusal
    if product.requires_nik and not buyer.has_nik:
        return _nik(product, buyer, after)
    if product.quota_qty is not None and product.quota_period:
        return _quota(product, product.quota_qty, product.quota_period, quantity, buyer, used, window, after)
    return None


def membership_refusal(
    product: RuledProduct, buyer: Buyer, cooperative_name: str, cooperative_slug: str, after: str = ""
) -> Refusal | None:
    """Why a buyer who is not (yet) a member cannot buy a members-only product; the product page says it too."""
    name = product.name
    if not buyer.signed_in:
        return Refusal(
            product.id,
            _(
                "%(name)s hanya dijual kepada anggota %(coop)s. "
                "Masuk dengan akun anggota, atau daftar lalu ajukan keanggotaan.",
                name=name,
                coop=cooperative_name,
            ),
            f"/masuk{after}",
            _("Masuk"),
            f"/k/{cooperative_slug}/anggota",
            _("Ajukan keanggotaan"),
        )
    if buyer.membership == MembershipStatus.PENDING:
        return Refusal(
            product.id,
            _(
                "%(name)s hanya dijual kepada anggota. Permintaan keanggotaan Anda di %(coop)s "
                "masih menunggu persetujuan staf koperasi.",
                name=name,
                coop=cooperative_name,
            ),
            f"/k/{cooperative_slug}/anggota",
            _("Lihat status keanggotaan"),
        )
    if buyer.membership != MembershipStatus.APPROVED:
        return Refusal(
            product.id,
            _(
                "%(name)s hanya dijual kepada anggota %(coop)s. "
                "Ajukan keanggotaan dulu; staf koperasi akan menyetujuinya.",
                name=name,
                coop=cooperative_name,
            ),
            f"/k/{cooperative_slug}/anggota",
            _("Ajukan keanggotaan"),
        )
    return None


def _nik(product: RuledProduct, buyer: Buyer, after: str) -> Refusal:
    name = product.name
    if not buyer.signed_in:
        return Refusal(
            product.id,
            _("%(name)s hanya untuk pembeli dengan NIK terdaftar. Masuk dulu, lalu isi NIK di profil Anda.", name=name),
            f"/masuk{after}",
            _("Masuk"),
        )
    return Refusal(
        product.id,
        _("%(name)s wajib NIK. Tambahkan NIK Anda (16 angka, sesuai KTP) di profil, lalu pesan lagi.", name=name),
        f"/akun/profil{after}",
        _("Isi NIK di profil"),
    )


def _quota(
    product: RuledProduct,
    quota: int,
    period: str,
    quantity: int,
    buyer: Buyer,
    used: int,
    window: QuotaWindow | None,
    after: str,
) -> Refusal | None:
    name, unit = product.name, product.unit
    per, this = _period_words(period)
    if not buyer.signed_in:
        return Refusal(
            product.id,
            _(
                "%(name)s dibatasi %(quota)s %(unit)s %(per)s untuk setiap pembeli. "
                "Masuk dulu supaya kuota Anda bisa dihitung.",
                name=name,
                quota=quota,
                unit=unit,
                per=per,
            ),
            f"/masuk{after}",
            _("Masuk"),
        )
    if used + quantity <= quota:
        return None
    left = max(quota - used, 0)
    resets = _(" Kuota baru mulai %(day)s.", day=tanggal(window.resets_on)) if window else ""
    if left == 0:
        return Refusal(
            product.id,
            _(
                "Kuota %(name)s Anda %(this)s sudah habis: sudah %(used)s dari %(quota)s %(unit)s.",
                name=name,
                this=this,
                used=used,
                quota=quota,
                unit=unit,
            )
            + resets,
        )
    return Refusal(
        product.id,
        _(
            "Kuota %(name)s Anda %(this)s tinggal %(left)s %(unit)s (sudah %(used)s dari %(quota)s). "
            "Kurangi jumlahnya menjadi %(left)s.",
            name=name,
            this=this,
            left=left,
            unit=unit,
            used=used,
            quota=quota,
        )
        + resets,
    )


def describe(product: RuledProduct) -> list[str]:
    """The rules of a product in words, for its page: 'Khusus anggota', 'Wajib NIK', ..."""
    notes = []
    if product.members_only:
        notes.append(_("Khusus anggota koperasi"))
    if product.requires_nik:
        notes.append(_("Wajib NIK terdaftar di profil"))
    if product.max_qty_per_order is not None:
        notes.append(_("Paling banyak %(n)s %(unit)s per pesanan", n=product.max_qty_per_order, unit=product.unit))
    if product.quota_qty is not None and product.quota_period:
        per = _period_words(product.quota_period)[0]
        notes.append(_("Kuota %(n)s %(unit)s %(per)s per pembeli", n=product.quota_qty, unit=product.unit, per=per))
    return notes
