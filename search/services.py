"""Catalog search for the app: documents from the database, the engine with a database fallback."""

from __future__ import annotations

import datetime
import html
import logging
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Subquery, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from app.forms import parse_int, parse_rupiah
from app.i18n import _
from app.models import Cooperative
from catalog import services as catalog
from catalog.models import Category, Product, ProductStatus
from producers.models import Producer
from search import delivery
from search.documents import SearchDocument
from search.engine import MAX_PER_PAGE, Hit, SearchEngine, SearchQuery, SearchResult, Sort

log = logging.getLogger("pasardesa.search")

SORTS: tuple[Sort, ...] = ("relevance", "price_asc", "price_desc", "newest")
# Past this lag the shop searches the database ("pencarian sederhana"). A module default until the
# value becomes a setting.
MAX_LAG = datetime.timedelta(minutes=5)
LAG_CHECK_SECONDS = 15.0
MAX_QUERY_LENGTH = 200
MAX_FILTER_VALUES = 20
MAX_PRICE = 1_000_000_000


@dataclass(frozen=True)
class Timed:
    result: SearchResult
    took_ms: int


def to_document(product: Product, cooperative: Cooperative) -> SearchDocument:
    return SearchDocument(
        id=product.id,
        cooperative=cooperative.slug,
        name=product.name,
        aliases=list(product.search_aliases or []),
        category=product.category.name,
        producer=product.producer.business_name if product.producer else cooperative.short_name,
        description=product.description or "",
        unit=product.unit,
        price=product.retail_price,
        in_stock=product.stock > 0,
        created_at=int(product.created_at.timestamp()),
        popularity=product.popularity,
    )


def _searchable() -> list[object]:
    return [Product.status == ProductStatus.ACTIVE, Cooperative.is_active.is_(True)]


async def documents_for(session: AsyncSession, product_ids: Sequence[int]) -> dict[int, SearchDocument]:
    """Current documents for these products; a product missing here must leave the index."""
    if not product_ids:
        return {}
    rows = await session.execute(
        select(Product, Cooperative)
        .join(Cooperative, Product.cooperative_id == Cooperative.id)
        .where(Product.id.in_(product_ids), *_searchable())  # type: ignore[arg-type]
        .options(joinedload(Product.category), joinedload(Product.producer))
    )
    return {p.id: to_document(p, c) for p, c in rows.unique().all()}


async def all_documents(session: AsyncSession, batch_size: int = 2000) -> AsyncIterator[list[SearchDocument]]:
    """Every searchable product, in id order and in batches, for a full rebuild."""
    last_id = 0
    while True:
        rows = await session.execute(
            select(Product, Cooperative)
            .join(Cooperative, Product.cooperative_id == Cooperative.id)
            .where(Product.id > last_id, *_searchable())  # type: ignore[arg-type]
            .options(joinedload(Product.category), joinedload(Product.producer))
            .order_by(Product.id)
            .limit(batch_size)
        )
        pairs = rows.unique().all()
        if not pairs:
            return
        last_id = pairs[-1][0].id
        yield [to_document(p, c) for p, c in pairs]


def _highlight(name: str, words: list[str]) -> str:
    escaped = html.escape(name)
    lowered = name.lower()
    spans: list[tuple[int, int]] = []
    for word in words:
        start = lowered.find(word)
        if start >= 0:
            spans.append((start, start + len(word)))
    if not spans:
        return escaped
    out, cursor = [], 0
    for start, end in sorted(spans):
        if start < cursor:
            continue
        out += [html.escape(name[cursor:start]), "<mark>", html.escape(name[start:end]), "</mark>"]
        cursor = end
    out.append(html.escape(name[cursor:]))
    return "".join(out)


async def database_search(session: AsyncSession, cooperative: Cooperative, query: SearchQuery) -> SearchResult:
    """The plain fallback ("pencarian sederhana"): every word must appear; same result shape."""
    words = catalog.query_words(query.q)
    producer_name = func.coalesce(Producer.business_name, cooperative.short_name)
    filtered = _database_matches(cooperative, query, words, producer_name)
    total = await session.scalar(select(func.count()).select_from(filtered)) or 0
    facets = await _database_facets(session, filtered, producer_name)
    price_stats = await _database_price_stats(session, filtered, total)
    page, per_page = query.bounded_page()
    page_rows = await session.execute(
        select(Product, Category.name, producer_name)
        .join(Category, Product.category_id == Category.id)
        .outerjoin(Producer, Product.producer_id == Producer.id)
        .where(Product.id.in_(select(filtered.c.id)))
        .order_by(*_database_order(query.sort))
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    hits = [
        Hit(
            id=p.id,
            name=p.name,
            price=p.retail_price,
            unit=p.unit,
            category=str(category),
            producer=str(producer),
            in_stock=p.stock > 0,
            cooperative=cooperative.slug,
            highlight_name=_highlight(p.name, words),
        )
        for p, category, producer in page_rows.unique().all()
    ]
    return SearchResult(
        hits=hits,
        total=int(total),
        page=page,
        per_page=per_page,
        facets=facets,
        price_stats=price_stats,
        engine="database",
    )


def _database_matches(
    cooperative: Cooperative, query: SearchQuery, words: list[str], producer_name: ColumnElement[Any]
) -> Subquery:
    """The ids of this cooperative's active products matching every word and every filter."""
    text_match = [catalog.matches_word(w) for w in words]
    base = [Product.cooperative_id == cooperative.id, Product.status == ProductStatus.ACTIVE, *text_match]
    price = []
    if query.min_price is not None:
        price.append(Product.retail_price >= query.min_price)
    if query.max_price is not None:
        price.append(Product.retail_price <= query.max_price)
    if query.in_stock:
        price.append(Product.stock > 0)
    category_filter = [Category.name.in_(query.categories)] if query.categories else []
    producer_filter = [producer_name.in_(query.producers)] if query.producers else []
    return (
        select(Product.id)
        .join(Category, Product.category_id == Category.id)
        .outerjoin(Producer, Product.producer_id == Producer.id)
        .where(and_(*base, *price, *category_filter, *producer_filter))
        .subquery()
    )


async def _database_facets(
    session: AsyncSession, filtered: Subquery, producer_name: ColumnElement[Any]
) -> dict[str, dict[str, int]]:
    """Facet counts as Meilisearch gives them: over the query and every filter."""
    facets: dict[str, dict[str, int]] = {"category": {}, "producer": {}}
    for key, column in (("category", Category.name), ("producer", producer_name)):
        rows = await session.execute(
            select(column, func.count())
            .select_from(Product)
            .join(Category, Product.category_id == Category.id)
            .outerjoin(Producer, Product.producer_id == Producer.id)
            .where(Product.id.in_(select(filtered.c.id)))
            .group_by(column)
        )
        facets[key] = {str(name): int(count) for name, count in sorted(rows.all(), key=lambda r: str(r[0]))}
    return facets


async def _database_price_stats(session: AsyncSession, filtered: Subquery, total: int) -> dict[str, int] | None:
    """The lowest and highest price among the matches; None when nothing matches."""
    stats_row = (
        await session.execute(
            select(func.min(Product.retail_price), func.max(Product.retail_price)).where(
                Product.id.in_(select(filtered.c.id))
            )
        )
    ).one()
    return {"min": int(stats_row[0]), "max": int(stats_row[1])} if total else None


def _database_order(sort: Sort) -> list[Any]:
    orders: dict[str, list[Any]] = {
        "price_asc": [Product.retail_price.asc(), Product.id],
        "price_desc": [Product.retail_price.desc(), Product.id],
        "newest": [Product.created_at.desc(), Product.id.desc()],
        "relevance": [(Product.stock > 0).desc(), Product.popularity.desc(), Product.name],
    }
    return orders[sort]


class SearchService:
    """Holds this process's engine; searches it, or the database when it cannot answer or lags behind."""

    def __init__(self, engine: SearchEngine | None) -> None:
        self.engine = engine
        # False while the index is being (re)built: shoppers get the database meanwhile.
        self.ready = engine is not None
        self.lagging = False
        self._lag_checked_at: float | None = None

    async def behind(self, session: AsyncSession) -> bool:
        """Whether the index misses changes older than MAX_LAG; looked up at most every LAG_CHECK_SECONDS."""
        checked = self._lag_checked_at
        if checked is None or time.monotonic() - checked >= LAG_CHECK_SECONDS:
            self.lagging = await delivery.lag(session) > MAX_LAG
            self._lag_checked_at = time.monotonic()
            if self.lagging:
                log.warning("search index lags more than %s behind the database, using the database", MAX_LAG)
        return self.lagging

    def view_stamp(self) -> tuple[Any, ...]:
        """Part of a kept answer's key: whether the engine answers, and what its index holds here."""
        stamp = getattr(self.engine, "view_stamp", None)
        return (self.ready, self.lagging, stamp() if callable(stamp) else None)

    async def search(self, session: AsyncSession, cooperative: Cooperative, query: SearchQuery) -> Timed:
        started = time.perf_counter()
        result: SearchResult | None = None
        # The decision between engine and database: an index that misses recent changes (the relay
        # is stuck or gone) would show wrong stock and prices, so the database answers instead.
        if self.engine is not None and self.ready and not await self.behind(session):
            from search.engine import EngineError, EngineUnavailable

            try:
                result = await self.engine.search(query)
            except (EngineUnavailable, EngineError) as exc:
                # Degrade, never break: the shop keeps working on the database.
                log.warning("search engine unavailable, using the database: %s", exc)
        if result is None:
            result = await database_search(session, cooperative, query)
        # A second guard behind the engine's own filter: never show another cooperative's goods.
        result.hits = [hit for hit in result.hits if hit.cooperative == cooperative.slug]
        return Timed(result=result, took_ms=round((time.perf_counter() - started) * 1000))


_TRUE = {"1", "true", "ya", "on", "yes"}
_FALSE = {"", "0", "false", "tidak", "off", "no"}


def build_query(
    cooperative: str,
    *,
    q: str = "",
    categories: Sequence[str] | None = None,
    producers: Sequence[str] | None = None,
    min_price: str | None = None,
    max_price: str | None = None,
    in_stock: str | None = None,
    sort: str = "relevance",
    page: str = "1",
    per_page: str = "24",
) -> SearchQuery:
    """Check search parameters as a person or client sent them; one message per bad parameter."""
    from app.errors import InvalidInput

    errors: dict[str, str] = {}
    if len(q) > MAX_QUERY_LENGTH:
        errors["q"] = _("Kata kunci paling panjang %(n)s huruf.", n=MAX_QUERY_LENGTH)
    cats = [c.strip() for c in categories or [] if c and c.strip()]
    prods = [p.strip() for p in producers or [] if p and p.strip()]
    if len(cats) > MAX_FILTER_VALUES or any(len(c) > 120 for c in cats):
        errors["category"] = _("Terlalu banyak atau terlalu panjang.")
    if len(prods) > MAX_FILTER_VALUES or any(len(p) > 200 for p in prods):
        errors["producer"] = _("Terlalu banyak atau terlalu panjang.")
    low = parse_rupiah(min_price, "min_price", _("Harga terendah"), errors, low=0, high=MAX_PRICE, required=False)
    high = parse_rupiah(max_price, "max_price", _("Harga tertinggi"), errors, low=0, high=MAX_PRICE, required=False)
    if low is not None and high is not None and low > high:
        errors["max_price"] = _("Harga tertinggi harus lebih besar dari harga terendah.")
    stock_flag = (in_stock or "").strip().lower()
    if stock_flag not in _TRUE | _FALSE:
        errors["in_stock"] = _("in_stock harus true atau false.")
    if sort not in SORTS:
        errors["sort"] = _("sort harus relevance, price_asc, price_desc atau newest.")
    page_no = parse_int(page, "page", _("Halaman"), errors, low=1, high=10_000, blank=1) or 1
    size = parse_int(per_page, "per_page", _("Jumlah per halaman"), errors, low=1, high=MAX_PER_PAGE, blank=24) or 24
    if errors:
        raise InvalidInput(_("Parameter pencarian tidak valid."), field_errors=errors)
    return SearchQuery(
        cooperative=cooperative,
        q=q.strip(),
        categories=cats,
        producers=prods,
        min_price=low,
        max_price=high,
        in_stock=stock_flag in _TRUE,
        sort=cast_sort(sort),
        page=page_no,
        per_page=size,
    )


def cast_sort(value: str) -> Sort:
    for sort in SORTS:
        if sort == value:
            return sort
    raise ValueError(value)


def search_runtime(request: Any) -> Any:
    """The process's SearchRuntime, kept in the app state by create_app."""
    return request.app.state["search"]


__all__ = [
    "MAX_FILTER_VALUES",
    "MAX_PER_PAGE",
    "MAX_PRICE",
    "MAX_QUERY_LENGTH",
    "SORTS",
    "SearchService",
    "Timed",
    "all_documents",
    "build_query",
    "database_search",
    "documents_for",
    "search_runtime",
    "to_document",
]
