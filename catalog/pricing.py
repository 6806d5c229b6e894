"""Price ceilings: which HET (hard limit) and HAP (reference) apply to a product on a day, and the one check.

Ceilings come from one place, `ceilings_for`, which reads the ceiling table with its regions and
effective dates (catalog.ceilings) and the product's own `het`/`hap`; every caller goes through
`check_price`, so the rule itself does not move.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import InvalidInput
from app.models import Cooperative
from app.text import rupiah
from catalog.models import Product


class CeilingKind(StrEnum):
    HET = "het"  # Harga Eceran Tertinggi: a legal maximum, prices above it are refused
    HAP = "hap"  # Harga Acuan Penjualan: a reference price, prices above it are allowed with a warning


@dataclass(frozen=True)
class Ceiling:
    kind: CeilingKind
    amount: int
    basis: str | None = None
    starts_on: datetime.date | None = None
    # Exclusive; None: open-ended.
    ends_on: datetime.date | None = None

    def in_force(self, on: datetime.date) -> bool:
        return (self.starts_on is None or self.starts_on <= on) and (self.ends_on is None or on < self.ends_on)


@dataclass(frozen=True)
class PriceCheck:
    het: Ceiling | None
    hap: Ceiling | None
    warnings: tuple[str, ...]


async def ceilings_for(
    session: AsyncSession, product: Product, cooperative: Cooperative, on: datetime.date | None = None
) -> list[Ceiling]:
    """The HET and HAP in force for a product, from the ceiling table (catalog.ceilings) and the product's own."""
    from catalog.services import ceilings_for as applied_ceilings

    applied = (await applied_ceilings(session, [product], cooperative, on))[product.id]
    return [
        Ceiling(CeilingKind(c.kind), c.amount, c.legal_basis, c.starts_on)
        for c in (applied.het, applied.hap)
        if c is not None
    ]


def _lowest(ceilings: Iterable[Ceiling], kind: CeilingKind, on: datetime.date) -> Ceiling | None:
    in_force = [c for c in ceilings if c.kind == kind and c.in_force(on)]
    return min(in_force, key=lambda c: c.amount) if in_force else None


def check_price(retail_price: int, ceilings: Sequence[Ceiling], on: datetime.date | None = None) -> PriceCheck:
    """Refuse a retail price above the HET in force on `on`; warn (never refuse) above the HAP."""
    on = on or datetime.date.today()
    if retail_price <= 0:
        raise InvalidInput("Harga jual harus lebih dari Rp0.", field_errors={"retail_price": "Harus lebih dari 0."})
    het = _lowest(ceilings, CeilingKind.HET, on)
    hap = _lowest(ceilings, CeilingKind.HAP, on)
    if het is not None and retail_price > het.amount:
        basis = f" ({het.basis})" if het.basis else ""
        message = f"Harga jual {rupiah(retail_price)} melebihi HET {rupiah(het.amount)}{basis}. Turunkan harganya."
        raise InvalidInput(message, field_errors={"retail_price": message})
    warnings: list[str] = []
    if hap is not None and retail_price > hap.amount:
        warnings.append(
            f"Harga jual {rupiah(retail_price)} di atas harga acuan (HAP) {rupiah(hap.amount)}. "
            "Boleh, tetapi pastikan warga tidak dirugikan."
        )
    return PriceCheck(het=het, hap=hap, warnings=tuple(warnings))
