"""Catalog rules: browsing, the simple database search, prices within ceilings, stock through the ledger."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import String, and_, cast, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import InvalidInput, NotFound
from catalog.models import Category, LedgerReason, Product, ProductStatus, StockLedgerEntry
from search import outbox

MAX_QUERY_WORDS = 8


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
    return [w for w in (q or "").lower().split() if w][:MAX_QUERY_WORDS]


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _matches_word(word: str) -> object:
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
        conditions.append(Category.slug == category)
    conditions.extend(_matches_word(w) for w in query_words(q))  # type: ignore[misc]
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
        raise NotFound("Produk tidak ditemukan di koperasi ini.")
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


def check_retail_price(retail_price: int, het: int | None) -> None:
    """A retail price above its HET (legal ceiling) is refused wherever it is set."""
    if retail_price <= 0:
        raise InvalidInput("Harga jual harus lebih dari Rp0.", field_errors={"retail_price": "Harus lebih dari 0."})
    if het is not None and retail_price > het:
        message = f"Harga jual melebihi HET (harga eceran tertinggi) Rp{het:,}.".replace(",", ".")
        raise InvalidInput(message, field_errors={"retail_price": message})


async def reserve_stock(
    session: AsyncSession, product: Product, quantity: int, *, order_id: int, user_id: int | None = None
) -> bool:
    """Take `quantity` from stock if, and only if, that much is there: one conditional UPDATE.

    The WHERE clause makes the check and the decrement one atomic step, so concurrent checkouts
    can never oversell, on SQLite or PostgreSQL. The ledger row commits with the same transaction.
    """
    result = await session.execute(
        update(Product)
        .where(Product.id == product.id, Product.stock >= quantity)
        .values(stock=Product.stock - quantity, popularity=Product.popularity + quantity)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.add(
        StockLedgerEntry(
            product_id=product.id,
            cooperative_id=product.cooperative_id,
            delta=-quantity,
            reason=LedgerReason.SALE,
            order_id=order_id,
            user_id=user_id,
        )
    )
    await outbox.enqueue(session, [product.id])
    return True


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
