"""Price ceilings as data: which HET and HAP apply to a product today, and the check every price passes."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, event, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import DEFAULT_TIMEZONE, local_today
from app.errors import InvalidInput
from app.i18n import _
from app.models import Cooperative
from app.text import rupiah
from catalog.models import CeilingKind, PriceCeiling, Product

# Product columns whose change can move a product above its ceiling.
_PRICED_FIELDS = ("retail_price", "het", "ceiling_commodity", "ceiling_units_milli", "cooperative_id")


class PriceAboveCeiling(InvalidInput):
    code = "price_above_ceiling"


@dataclass(frozen=True)
class AppliedCeiling:
    """One ceiling as it applies to one product unit."""

    kind: str
    amount: int  # for one unit of the product, in rupiah
    name: str
    unit_amount: int  # per ceiling unit (per liter, per kg, ...)
    unit: str
    region: str
    starts_on: datetime.date | None
    legal_basis: str | None

    @property
    def label(self) -> str:
        return _("HET (harga eceran tertinggi)") if self.kind == CeilingKind.HET else _("HAP (harga acuan)")


@dataclass(frozen=True)
class ProductCeilings:
    het: AppliedCeiling | None = None
    hap: AppliedCeiling | None = None

    def __bool__(self) -> bool:
        return self.het is not None or self.hap is not None


def per_product_unit(amount: int, units_milli: int | None) -> int:
    """A ceiling per liter/kg applied to a pack: 2-liter pouch × Rp15.700/liter = Rp31.400 (rounded down)."""
    return amount * (units_milli if units_milli is not None else 1000) // 1000


def _latest(rows: Iterable[PriceCeiling]) -> PriceCeiling | None:
    # A newer decree for the same commodity and region supersedes the older one.
    return max(rows, key=lambda r: (r.starts_on, r.id or 0), default=None)


def applicable_ceilings(
    rows: Sequence[PriceCeiling],
    *,
    commodity: str | None,
    units_milli: int | None,
    own_het: int | None,
    own_het_basis: str | None,
    own_hap: int | None,
    provinsi: str,
    on: datetime.date,
) -> ProductCeilings:
    """The HET and HAP for one product on one day. Pure: `rows` may hold other commodities too.

    A product may also carry a ceiling of its own (`own_het`, no dates); when both exist the lower binds.
    """
    found: dict[str, AppliedCeiling] = {}
    if commodity:
        for kind in (CeilingKind.HET, CeilingKind.HAP):
            row = _latest(r for r in rows if r.commodity == commodity and r.kind == kind and r.covers(provinsi, on))
            if row is not None:
                found[kind] = AppliedCeiling(
                    kind=kind,
                    amount=per_product_unit(row.amount, units_milli),
                    name=row.name,
                    unit_amount=row.amount,
                    unit=row.unit,
                    region=row.region,
                    starts_on=row.starts_on,
                    legal_basis=row.legal_basis,
                )
    for kind, own, basis in ((CeilingKind.HET, own_het, own_het_basis), (CeilingKind.HAP, own_hap, None)):
        if own is not None and (kind not in found or own < found[kind].amount):
            found[kind] = AppliedCeiling(
                kind=kind, amount=own, name="", unit_amount=own, unit="", region="", starts_on=None, legal_basis=basis
            )
    return ProductCeilings(het=found.get(CeilingKind.HET), hap=found.get(CeilingKind.HAP))


def rows_for(products: Iterable[Product]) -> Select[PriceCeiling] | None:
    """The query for every ceiling row the products' commodities have (None: no product is regulated)."""
    commodities = {p.ceiling_commodity for p in products if p.ceiling_commodity}
    return select(PriceCeiling).where(PriceCeiling.commodity.in_(commodities)) if commodities else None


def for_product(rows: Sequence[PriceCeiling], product: Product, provinsi: str, on: datetime.date) -> ProductCeilings:
    """`applicable_ceilings` for a product's own fields."""
    return applicable_ceilings(
        rows,
        commodity=product.ceiling_commodity,
        units_milli=product.ceiling_units_milli,
        own_het=product.het,
        own_het_basis=product.het_basis,
        own_hap=product.hap,
        provinsi=provinsi,
        on=on,
    )


def check_price(retail_price: int, ceilings: ProductCeilings, product_name: str = "") -> list[str]:
    """Refuse a price above the HET; return warnings (a price above the HAP reference is allowed)."""
    if isinstance(retail_price, bool) or not isinstance(retail_price, int) or retail_price <= 0:
        message = _("Harga jual harus bilangan bulat lebih dari Rp0.")
        raise InvalidInput(message, field_errors={"retail_price": message})
    what = f" {product_name}" if product_name else ""
    het = ceilings.het
    if het is not None and retail_price > het.amount:
        basis = f" ({het.legal_basis})" if het.legal_basis else ""
        message = _(
            "Harga jual%(what)s %(price)s melebihi HET (harga eceran tertinggi) %(het)s%(basis)s. "
            "Turunkan harganya paling tinggi %(het)s.",
            what=what,
            price=rupiah(retail_price),
            het=rupiah(het.amount),
            basis=basis,
        )
        raise PriceAboveCeiling(message, field_errors={"retail_price": message}, ceiling=het.amount)
    hap = ceilings.hap
    if hap is not None and retail_price > hap.amount:
        return [
            _(
                "Harga jual%(what)s %(price)s di atas harga acuan pemerintah (HAP) %(hap)s. "
                "Boleh, tetapi pastikan pembeli tidak dirugikan.",
                what=what,
                price=rupiah(retail_price),
                hap=rupiah(hap.amount),
            )
        ]
    return []


def guard_flush(session: Session) -> None:
    """Refuse any product price above its active HET, wherever in the code the price was set.

    Runs inside every flush once `install_ceiling_guard` is called, so a new service that sets prices
    cannot forget it.
    """
    products = [o for o in session.new if isinstance(o, Product)]
    products += [
        o
        for o in session.dirty
        if isinstance(o, Product) and any(inspect(o).attrs[f].history.has_changes() for f in _PRICED_FIELDS)
    ]
    if not products:
        return
    with session.no_autoflush:
        cooperative_ids = {p.cooperative_id for p in products}
        places: dict[Any, tuple[str, str]] = {
            cid: (provinsi, tz)
            for cid, provinsi, tz in session.execute(
                select(Cooperative.id, Cooperative.provinsi, Cooperative.timezone).where(
                    Cooperative.id.in_(cooperative_ids)
                )
            )
        }
        query = rows_for(products)
        rows = list(session.scalars(query)) if query is not None else []
    for product in products:
        provinsi, tz = places.get(product.cooperative_id, ("", DEFAULT_TIMEZONE))
        check_price(product.retail_price, for_product(rows, product, provinsi, local_today(tz)), product.name)


def _before_flush(session: Session, _context: object, _instances: object) -> None:
    guard_flush(session)


def install_ceiling_guard(target: type[Session] | sessionmaker[Session] = Session) -> None:
    """Run `guard_flush` before every flush of the sessions `target` makes (a Session class, or a sessionmaker;
    an AsyncSession flushes through its `sync_session_class`). Calling it again changes nothing."""
    if not event.contains(target, "before_flush", _before_flush):
        event.listen(target, "before_flush", _before_flush)
