"""Storefront pages (choose a cooperative, the shop, a product), staff price and rule pages, the catalog API."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from app import accounts, cooperatives
from app.auth import CurrentUser
from app.db import roll_back
from app.errors import DomainError, InvalidInput
from app.guards import StaffController, current_user, request_session
from app.i18n import N_, _
from app.models import Cooperative
from app.web import flash, render, render_to_string
from catalog import page_cache, services
from catalog import stock as stockwork
from catalog.models import Product, QuotaPeriod
from catalog.schemas import (
    CooperativeOut,
    ProducerRef,
    ProductDetail,
    ProductList,
    ProductSummary,
    ProductTermsForm,
)
from orders import cart as carts
from orders import rules
from producers import services as producer_services
from search.services import build_query, search_runtime

PER_PAGE_MAX = 100
SORT_LABELS = {
    "paling-sesuai": N_("Paling sesuai"),
    "termurah": N_("Termurah"),
    "termahal": N_("Termahal"),
    "terbaru": N_("Terbaru"),
}
SORT_PARAMS = {"paling-sesuai": "relevance", "termurah": "price_asc", "termahal": "price_desc", "terbaru": "newest"}


def shop_query(filters: dict[str, str], **changes: object) -> str:
    """The shop's query string with some filters changed; empty values are left out."""
    merged = {**filters, **{k: str(v) for k, v in changes.items()}}
    if merged.get("urut") == "paling-sesuai":
        merged.pop("urut")
    return urlencode({k: v for k, v in merged.items() if v})


def _page_params(page: int, per_page: int) -> None:
    errors = {}
    if page < 1 or page > 10_000:
        errors["page"] = _("page harus 1 sampai 10000.")
    if per_page < 1 or per_page > PER_PAGE_MAX:
        errors["per_page"] = _("per_page harus 1 sampai %(max)s.", max=PER_PAGE_MAX)
    if errors:
        raise InvalidInput(_("Parameter halaman tidak valid."), field_errors=errors)


def producer_name(product: Product, cooperative: Cooperative) -> str:
    return product.producer.business_name if product.producer else cooperative.short_name


def cooperative_out(c: Cooperative) -> CooperativeOut:
    return CooperativeOut(
        slug=c.slug,
        name=c.name,
        short_name=c.short_name,
        village=c.village,
        desa=c.desa,
        kecamatan=c.kecamatan,
        kabupaten=c.kabupaten,
        provinsi=c.provinsi,
        whatsapp="+" + c.whatsapp,
        url=f"/k/{c.slug}",
    )


class StorefrontController(Controller):
    include_in_schema = False

    @get("/", name="home")
    async def choose_cooperative(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Any:
        return render(request, "catalog/home.html", cooperatives=await cooperatives.list_cooperatives(db_session))

    @get("/k/{slug:str}", name="shop")
    async def shop(
        self,
        request: Request[Any, Any, Any],
        slug: str,
        q: Annotated[str, Parameter(query="q", max_length=200)] = "",
        kategori: Annotated[str, Parameter(query="kategori", max_length=80)] = "",
        produsen: Annotated[str, Parameter(query="produsen", max_length=200)] = "",
        harga_min: Annotated[str, Parameter(query="harga_min", max_length=20)] = "",
        harga_maks: Annotated[str, Parameter(query="harga_maks", max_length=20)] = "",
        ada_stok: Annotated[str, Parameter(query="ada_stok", max_length=5)] = "",
        urut: Annotated[str, Parameter(query="urut", max_length=20)] = "paling-sesuai",
        halaman: Annotated[str, Parameter(query="halaman", max_length=6)] = "1",
    ) -> Any:
        filters = {
            "q": q,
            "kategori": kategori,
            "produsen": produsen,
            "harga_min": harga_min,
            "harga_maks": harga_maks,
            "ada_stok": "1" if ada_stok else "",
            "urut": urut,
        }
        htmx = getattr(request, "htmx", None)
        block = "more" if htmx and htmx.target == "more" else "results"
        # No `db_session` or `user` parameter: a page served from the cache needs neither.
        if not page_cache.anonymous(request):
            user, db_session = await current_user(request), request_session(request)
            cooperative = await cooperatives.get_cooperative(db_session, slug)
            context = await _shop_context(request, db_session, cooperative, filters, halaman)
            member = user is not None and user.is_member_of(cooperative.id)
            return render(
                request, "catalog/shop.html", block, **context, member=member, cart_count=carts.count(request, slug)
            )
        cooperative_id, version = await page_cache.cooperative_and_version(request, slug)
        # The hits come from the search index, which this process may see a moment after the version.
        index = search_runtime(request).service.view_stamp()
        key = ("shop", cooperative_id, version, index, page_cache.request_key(request))
        page = page_cache.PAGES.get(key)
        if page is None:
            db_session = request_session(request)
            cooperative = await cooperatives.get_cooperative(db_session, slug)
            context = await _shop_context(request, db_session, cooperative, filters, halaman)
            page = page_cache.prepare(
                render_to_string(
                    request,
                    "catalog/shop.html",
                    block,
                    **context,
                    **page_cache.token_context(),
                    member=False,
                    cart_count=0,
                )
            )
            page_cache.PAGES.put(key, page)
        return page_cache.respond(request, page)

    @get("/k/{slug:str}/produk/{product_id:int}", name="product")
    async def product_detail(
        self,
        request: Request[Any, Any, Any],
        slug: str,
        product_id: int,
    ) -> Any:
        if not page_cache.anonymous(request):
            user, db_session = await current_user(request), request_session(request)
            cooperative = await cooperatives.get_cooperative(db_session, slug)
            context = await _product_context(db_session, cooperative, product_id, user)
            return render(request, "catalog/product.html", **context, cart_count=carts.count(request, slug))
        cooperative_id, version = await page_cache.cooperative_and_version(request, slug)
        key = ("product", cooperative_id, version, page_cache.request_key(request))
        page = page_cache.PAGES.get(key)
        if page is None:
            db_session = request_session(request)
            cooperative = await cooperatives.get_cooperative(db_session, slug)
            context = await _product_context(db_session, cooperative, product_id, None)
            page = page_cache.prepare(
                render_to_string(request, "catalog/product.html", **context, **page_cache.token_context(), cart_count=0)
            )
            page_cache.PAGES.put(key, page)
        return page_cache.respond(request, page)


async def _shop_context(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    cooperative: Cooperative,
    filters: dict[str, str],
    halaman: str,
) -> dict[str, Any]:
    """What the shop page shows: the search hits, with prices, stock and ceilings read from the database."""
    categories = await services.list_categories(db_session, cooperative.id)
    category_names = {c.slug: c.name for c in categories}
    kategori = filters["kategori"]
    query = build_query(
        cooperative.slug,
        q=filters["q"],
        categories=[category_names.get(kategori, kategori)] if kategori else [],
        producers=[filters["produsen"]] if filters["produsen"] else [],
        min_price=filters["harga_min"],
        max_price=filters["harga_maks"],
        in_stock=filters["ada_stok"],
        sort=SORT_PARAMS.get(filters["urut"], filters["urut"]),
        page=halaman,
    )
    timed = await search_runtime(request).service.search(db_session, cooperative, query)
    # Prices, the producer's share and stock shown on cards come from the database, not the index.
    details = await services.products_by_ids(db_session, cooperative.id, [h.id for h in timed.result.hits])
    timed.result.hits = [h for h in timed.result.hits if h.id in details]
    return {
        "cooperative": cooperative,
        "result": timed.result,
        "details": details,
        "card_ceilings": await services.ceilings_for(db_session, list(details.values()), cooperative),
        "low_stock": await stockwork.low_among(db_session, cooperative.id, list(details.values())),
        "photo_keys": await producer_services.first_photo_keys(db_session, list(details)),
        "categories": categories,
        "filters": filters,
        "query_string": lambda **changes: shop_query(filters, **changes),
        "sort_labels": SORT_LABELS,
    }


async def _members_only_refusal(
    db_session: AsyncSession, cooperative: Cooperative, product: Product, user: CurrentUser | None
) -> rules.Refusal | None:
    """Why this visitor cannot buy a members-only product (the cart's words), shown instead of the add button."""
    if not product.members_only or (user is not None and user.is_member_of(cooperative.id)):
        return None
    membership = await accounts.membership_of(db_session, user.id, cooperative.id) if user else None
    buyer = rules.Buyer(signed_in=user is not None, membership=membership.status if membership else None)
    back = f"?lanjut=/k/{cooperative.slug}/produk/{product.id}"
    return rules.membership_refusal(product, buyer, cooperative.short_name, cooperative.slug, back)


async def _product_context(
    db_session: AsyncSession, cooperative: Cooperative, product_id: int, user: CurrentUser | None
) -> dict[str, Any]:
    product = await services.get_product(db_session, product_id, cooperative.id)
    ceilings = (await services.ceilings_for(db_session, [product], cooperative))[product.id]
    return {
        "members_only_refusal": await _members_only_refusal(db_session, cooperative, product, user),
        "cooperative": cooperative,
        "product": product,
        "ceilings": ceilings,
        "purchase_notes": rules.describe(product),
        "producer_name": producer_name(product, cooperative),
        "photos": await producer_services.photos_of(db_session, product.id),
        "low_stock": product.id in await stockwork.low_among(db_session, cooperative.id, [product]),
    }


class CatalogApiController(Controller):
    path = "/api"
    tags = ["katalog"]

    @get("/cooperatives", name="api_cooperatives")
    async def list_cooperatives(self, db_session: AsyncSession) -> list[CooperativeOut]:
        return [cooperative_out(c) for c in await cooperatives.list_cooperatives(db_session)]

    @get("/cooperatives/{slug:str}/products", name="api_products")
    async def list_products(
        self,
        db_session: AsyncSession,
        slug: str,
        page: int = 1,
        per_page: int = 24,
        category: Annotated[str | None, Parameter(max_length=80)] = None,
        q: Annotated[str | None, Parameter(max_length=200)] = None,
    ) -> ProductList:
        _page_params(page, per_page)
        cooperative = await cooperatives.get_cooperative(db_session, slug)
        result = await services.list_products(
            db_session, cooperative.id, category=category, q=q, page=page, per_page=per_page
        )
        return ProductList(
            items=[
                ProductSummary(
                    id=p.id,
                    name=p.name,
                    unit=p.unit,
                    price=p.retail_price,
                    stock=p.stock,
                    category=p.category.name,
                    producer=ProducerRef(id=p.producer_id, name=producer_name(p, cooperative)),
                )
                for p in result.items
            ],
            total=result.total,
            page=page,
            per_page=per_page,
        )

    @get("/products/{product_id:int}", name="api_product")
    async def get_product(self, db_session: AsyncSession, product_id: int) -> ProductDetail:
        product = await services.get_product(db_session, product_id)
        cooperative = await cooperatives.get_cooperative_by_id(db_session, product.cooperative_id)
        ceilings = (await services.ceilings_for(db_session, [product], cooperative))[product.id]
        return ProductDetail(
            id=product.id,
            name=product.name,
            description=product.description,
            unit=product.unit,
            pack_size=product.pack_size,
            price=product.retail_price,
            producer_price=product.producer_price,
            margin=product.margin,
            het=ceilings.het.amount if ceilings.het else None,
            het_basis=ceilings.het.legal_basis if ceilings.het else None,
            hap=ceilings.hap.amount if ceilings.hap else None,
            stock=product.stock,
            in_stock=product.in_stock,
            max_qty_per_order=product.max_qty_per_order,
            members_only=product.members_only,
            requires_nik=product.requires_nik,
            quota_qty=product.quota_qty,
            quota_period=product.quota_period,
            category=product.category.name,
            producer=ProducerRef(id=product.producer_id, name=producer_name(product, cooperative)),
            cooperative=cooperative.slug,
        )


class StaffCatalogController(StaffController):
    """Staff set each product's price (never above an active HET) and who may buy how much of it."""

    path = "/staf/{slug:str}/produk"

    @get("/", name="staff_products")
    async def list_products(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        q: Annotated[str | None, Parameter(query="q", max_length=200)] = None,
        halaman: Annotated[int, Parameter(query="halaman", ge=1, le=10_000)] = 1,
    ) -> Any:
        page = await services.list_products(db_session, cooperative.id, q=q, page=halaman, per_page=50)
        ceilings = await services.ceilings_for(db_session, page.items, cooperative)
        return render(
            request,
            "catalog/staff_products.html",
            cooperative=cooperative,
            page=page,
            ceilings=ceilings,
            q=q or "",
            notes={p.id: rules.describe(p) for p in page.items},
        )

    async def _edit_page(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        product: Product,
        form: ProductTermsForm,
        *,
        errors: dict[str, str] | None = None,
        error: str | None = None,
        status_code: int = 200,
    ) -> Any:
        ceilings = (await services.ceilings_for(db_session, [product], cooperative))[product.id]
        return render(
            request,
            "catalog/staff_product.html",
            status_code=status_code,
            cooperative=cooperative,
            product=product,
            ceilings=ceilings,
            form=form,
            errors=errors or {},
            error=error,
            periods={
                QuotaPeriod.DAY: N_("per hari"),
                QuotaPeriod.WEEK: N_("per minggu"),
                QuotaPeriod.MONTH: N_("per bulan"),
            },
        )

    @get("/{product_id:int}", name="staff_product")
    async def edit_product(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, cooperative: Cooperative, product_id: int
    ) -> Any:
        product = await services.get_product(db_session, product_id, cooperative.id)
        form = ProductTermsForm(
            retail_price=str(product.retail_price),
            max_qty_per_order=str(product.max_qty_per_order or ""),
            members_only="1" if product.members_only else "",
            requires_nik="1" if product.requires_nik else "",
            quota_qty=str(product.quota_qty or ""),
            quota_period=product.quota_period or "",
        )
        return await self._edit_page(request, db_session, cooperative, product, form)

    @post("/{product_id:int}", name="staff_product_save", status_code=303)
    async def save_product(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        product_id: int,
        data: Annotated[ProductTermsForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Any:
        product = await services.get_product(db_session, product_id, cooperative.id)
        try:
            warnings = await services.update_terms(db_session, product, cooperative, data)
        except DomainError as exc:
            await roll_back(db_session, cooperative, product)
            return await self._edit_page(
                request,
                db_session,
                cooperative,
                product,
                data,
                errors=exc.field_errors,
                error=exc.message,
                status_code=exc.status_code,
            )
        flash(request, _("%(name)s tersimpan.", name=product.name), "ok")
        for warning in warnings:
            flash(request, warning, "info")
        return Redirect(path=f"/staf/{cooperative.slug}/produk/{product.id}", status_code=303)
