"""Catalog rules: browsing, the simple database search, prices within ceilings, stock through the ledger."""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import String, and_, case, cast, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from app.clock import local_today
from app.errors import NotFound
from app.forms import parse_int, parse_rupiah, raise_errors
from app.i18n import _
from app.models import Cooperative
from app.text import strip_control
from catalog import ceilings, outbox
from catalog.ceilings import ProductCeilings
from catalog.models import (
    Category,
    CeilingKind,
    LedgerReason,
    PriceCeiling,
    Product,
    ProductStatus,
    QuotaPeriod,
    StockLedgerEntry,
)
from catalog.schemas import ProductTermsForm

# The plain database search reads as many words as the search engines do.
MAX_QUERY_WORDS = 10


@dataclass(frozen=True)
class CategoryCount:
    slug: str
    name: str
    count: int


@dataclass(frozen=True)
class ProductPage:
    items: Sequence[Product]
    total: int
    page: int
    per_page: int

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total


def query_words(q: str | None) -> list[str]:
    # PostgreSQL refuses a NUL byte in text: control characters are never part of a word people search for.
    return [w for w in strip_control(q or "").lower().split() if w][:MAX_QUERY_WORDS]


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def matches_word(word: str) -> ColumnElement[bool]:
    """A product whose name, aliases, description or category contains `word` (lower case)."""
    pattern = f"%{_escape_like(word)}%"
    return or_(
        func.lower(Product.name).like(pattern, escape="\\"),
        func.lower(cast(Product.search_aliases, String)).like(pattern, escape="\\"),
        func.lower(func.coalesce(Product.description, "")).like(pattern, escape="\\"),
        func.lower(Category.name).like(pattern, escape="\\"),
    )


async def list_categories(session: AsyncSession, cooperative_id: int) -> list[CategoryCount]:
    rows = await session.execute(
        select(Category.slug, Category.name, func.count(Product.id))
        .join(Product, Product.category_id == Category.id)
        .where(Product.cooperative_id == cooperative_id, Product.status == ProductStatus.ACTIVE)
        .group_by(Category.id, Category.slug, Category.name, Category.position)
        .order_by(Category.position, Category.name)
    )
    return [CategoryCount(slug, name, count) for slug, name, count in rows.all()]


async def list_products(
    session: AsyncSession,
    cooperative_id: int,
    *,
    category: str | None = None,
    q: str | None = None,
    page: int = 1,
    per_page: int = 24,
) -> ProductPage:
    """Active products of one cooperative; `q` is the plain database search (every word must match)."""
    conditions = [Product.cooperative_id == cooperative_id, Product.status == ProductStatus.ACTIVE]
    if category:
        conditions.append(Category.slug == strip_control(category))
    conditions.extend(matches_word(w) for w in query_words(q))
    base = select(Product).join(Category, Product.category_id == Category.id).where(and_(*conditions))
    total = await session.scalar(select(func.count()).select_from(base.subquery())) or 0
    items = await session.scalars(
        base.order_by((Product.stock > 0).desc(), Product.popularity.desc(), Product.name)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return ProductPage(items=items.unique().all(), total=total, page=page, per_page=per_page)


async def get_product(session: AsyncSession, product_id: int, cooperative_id: int | None = None) -> Product:
    product = await session.get(Product, product_id)
    if (
        product is None
        # Drafts and listings under review are not for sale: buyers must not reach them.
        or product.status != ProductStatus.ACTIVE
        or (cooperative_id is not None and product.cooperative_id != cooperative_id)
    ):
        raise NotFound(_("Produk tidak ditemukan di koperasi ini."))
    return product


async def products_by_ids(session: AsyncSession, cooperative_id: int, ids: Sequence[int]) -> dict[int, Product]:
    if not ids:
        return {}
    rows = await session.scalars(
        select(Product).where(
            Product.id.in_(ids), Product.cooperative_id == cooperative_id, Product.status == ProductStatus.ACTIVE
        )
    )
    return {p.id: p for p in rows.unique()}


async def ceilings_for(
    session: AsyncSession, products: Sequence[Product], cooperative: Cooperative, on: datetime.date | None = None
) -> dict[int, ProductCeilings]:
    """The HET and HAP that apply today to each product of one cooperative, in one query."""
    query = ceilings.rows_for(products)
    rows = (await session.scalars(query)).all() if query is not None else []
    day = on or local_today(cooperative)
    return {p.id: ceilings.for_product(rows, p, cooperative.provinsi, day) for p in products}


# A per-order limit or quota above this is no limit at all: a typo, refused with a message.
MAX_RULE_UNITS = 100_000


@dataclass(frozen=True)
class PurchaseRules:
    """Who may buy a product and how much (enforced by `orders.rules`), as staff set them on a form."""

    max_qty_per_order: int | None = None
    members_only: bool = False
    requires_nik: bool = False
    quota_qty: int | None = None
    quota_period: str | None = None

    def apply_to(self, product: Product) -> None:
        product.max_qty_per_order = self.max_qty_per_order
        product.members_only = self.members_only
        product.requires_nik = self.requires_nik
        product.quota_qty = self.quota_qty
        product.quota_period = self.quota_period


def _ticked(value: object) -> bool:
    # A checkbox sends "1"; the JSON API sends true.
    return value is True or value == "1"


def parse_purchase_rules(
    errors: dict[str, str],
    *,
    max_qty_per_order: object,
    members_only: object,
    requires_nik: object,
    quota_qty: object,
    quota_period: object,
) -> PurchaseRules:
    """The purchase-rule fields of a product form (the terms page, a new product); problems go to `errors`."""
    max_qty = parse_int(
        max_qty_per_order,
        "max_qty_per_order",
        _("Batas per pesanan"),
        errors,
        low=1,
        high=MAX_RULE_UNITS,
        required=False,
    )
    quota = parse_int(quota_qty, "quota_qty", _("Kuota"), errors, low=1, high=MAX_RULE_UNITS, required=False)
    period = quota_period if isinstance(quota_period, str) and quota_period else None
    if quota is not None and period not in {p.value for p in QuotaPeriod}:
        errors["quota_period"] = _("Pilih periode kuota: per hari, per minggu atau per bulan.")
    return PurchaseRules(
        max_qty_per_order=max_qty,
        members_only=_ticked(members_only),
        requires_nik=_ticked(requires_nik),
        quota_qty=quota,
        quota_period=period if quota is not None else None,
    )


async def update_terms(
    session: AsyncSession, product: Product, cooperative: Cooperative, form: ProductTermsForm
) -> list[str]:
    """Set a product's price and purchase rules. A price above the active HET is refused; returns warnings."""
    errors: dict[str, str] = {}
    price = parse_rupiah(form.retail_price, "retail_price", _("Harga jual"), errors)
    terms = parse_purchase_rules(
        errors,
        max_qty_per_order=form.max_qty_per_order,
        members_only=form.members_only,
        requires_nik=form.requires_nik,
        quota_qty=form.quota_qty,
        quota_period=form.quota_period,
    )
    raise_errors(errors)
    assert price is not None
    warnings = ceilings.check_price(price, (await ceilings_for(session, [product], cooperative))[product.id])
    product.retail_price = price
    terms.apply_to(product)
    await outbox.enqueue(session, [product.id])
    await session.flush()
    return warnings


async def reserve_many(
    session: AsyncSession, products: Sequence[Product], quantities: Mapping[int, int], *, order_id: int,
    user_id: int | None = None,
) -> Product | None:
    """Take every product's quantity from stock in one conditional UPDATE; the first product short of stock
    (in id order), or None when every line was taken.

    Each row's `stock >= quantity` is checked and decremented in one atomic step, so concurrent checkouts
    never oversell. The ledger rows (flushed with whatever the caller added, and posted to the journal) and the
    outbox rows are written before the UPDATE, so other checkouts of these products wait only from the UPDATE
    to the commit: when a product is short the caller's transaction must roll back (the checkout raises), which
    also undoes any line already taken. On PostgreSQL the rows are locked in product-id order first, so two
    orders never wait on each other's rows; as a plain UPDATE would, with FOR NO KEY UPDATE, which leaves the
    key-share locks of the rows referring to the products (ledger, order lines) free.
    """
    ordered = sorted(products, key=lambda p: p.id)
    if not ordered:
        return None
    ids = [p.id for p in ordered]
    session.add_all(
        StockLedgerEntry(
            product_id=p.id,
            cooperative_id=p.cooperative_id,
            delta=-quantities[p.id],
            reason=LedgerReason.SALE,
            order_id=order_id,
            user_id=user_id,
        )
        for p in ordered
    )
    await session.flush()
    await outbox.enqueue(session, ids)
    taken = case({p.id: quantities[p.id] for p in ordered}, value=Product.id)
    statement = update(Product)
    target = Product.id.in_(ids)
    if session.get_bind().dialect.name == "postgresql":
        locked = select(Product.id).where(target).order_by(Product.id).with_for_update(key_share=True).cte("locked")
        statement = statement.add_cte(locked)
        target = Product.id.in_(select(locked.c.id))
    result = await session.execute(
        statement.where(target, Product.stock >= taken)
        .values(stock=Product.stock - taken, popularity=Product.popularity + taken)
        .returning(Product.id)
        .execution_options(synchronize_session=False)
    )
    reserved = set(result.scalars().all())
    return next((p for p in ordered if p.id not in reserved), None)


async def return_stock(
    session: AsyncSession,
    product_id: int,
    cooperative_id: int,
    quantity: int,
    *,
    order_id: int | None,
    user_id: int | None = None,
    reason: LedgerReason = LedgerReason.CANCEL,
    note: str | None = None,
) -> None:
    await session.execute(
        update(Product)
        .where(Product.id == product_id, Product.cooperative_id == cooperative_id)
        .values(stock=Product.stock + quantity)
        .execution_options(synchronize_session=False)
    )
    session.add(
        StockLedgerEntry(
            product_id=product_id,
            cooperative_id=cooperative_id,
            delta=quantity,
            reason=reason,
            order_id=order_id,
            user_id=user_id,
            note=note,
        )
    )
    await outbox.enqueue(session, [product_id])


async def current_stock(session: AsyncSession, product_id: int) -> int:
    stock = await session.scalar(select(Product.stock).where(Product.id == product_id))
    return int(stock or 0)


CEILINGS_FILE = Path(__file__).resolve().parent / "data" / "price_ceilings.json"


def read_ceilings(path: Path = CEILINGS_FILE) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["ceilings"]
    return rows


async def load_ceilings(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> int:
    """Add the ceilings (as read by `read_ceilings`) the database does not have yet; returns how many.

    A ceiling is identified by commodity, kind, region and start date, so loading twice changes nothing and
    a new decree is a new row (the old one keeps applying until the new one's start date).
    """
    existing = {
        (c.commodity, c.kind, c.region, c.starts_on) for c in (await session.scalars(select(PriceCeiling))).all()
    }
    added = 0
    for row in rows:
        starts_on = datetime.date.fromisoformat(row["starts_on"])
        if (row["commodity"], row["kind"], row["region"], starts_on) in existing:
            continue
        session.add(
            PriceCeiling(
                commodity=row["commodity"],
                name=row["name"],
                kind=CeilingKind(row["kind"]),
                amount=int(row["amount"]),
                unit=row["unit"],
                region=row["region"],
                provinces=list(row.get("provinces") or []),
                starts_on=starts_on,
                ends_on=datetime.date.fromisoformat(row["ends_on"]) if row.get("ends_on") else None,
                legal_basis=row["legal_basis"],
                source_url=row.get("source_url"),
            )
        )
        added += 1
    await session.flush()
    return added


async def deactivate_cooperative(session: AsyncSession, cooperative: Cooperative) -> int:
    """Take a cooperative off the platform: its shop closes and its products leave search."""
    cooperative.is_active = False
    product_ids = (await session.scalars(select(Product.id).where(Product.cooperative_id == cooperative.id))).all()
    await outbox.enqueue(session, product_ids)
    await session.flush()
    return len(product_ids)
