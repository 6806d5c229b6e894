"""Storefront pages (choose a cooperative, the shop, a product) and the catalog JSON API."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from app import services as cooperatives
from app.errors import InvalidInput
from app.models import Cooperative
from app.web import render
from catalog import services
from catalog.models import Product
from catalog.schemas import CooperativeOut, ProducerRef, ProductDetail, ProductList, ProductSummary
from orders import cart as carts
from producers import services as producer_services

PER_PAGE_MAX = 100


def _page_params(page: int, per_page: int) -> None:
    errors = {}
    if page < 1 or page > 10_000:
        errors["page"] = "page harus 1 sampai 10000."
    if per_page < 1 or per_page > PER_PAGE_MAX:
        errors["per_page"] = f"per_page harus 1 sampai {PER_PAGE_MAX}."
    if errors:
        raise InvalidInput("Parameter halaman tidak valid.", field_errors=errors)


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
        db_session: AsyncSession,
        slug: str,
        q: Annotated[str | None, Parameter(query="q", max_length=200)] = None,
        kategori: Annotated[str | None, Parameter(query="kategori", max_length=80)] = None,
        halaman: Annotated[int, Parameter(query="halaman", ge=1, le=10_000)] = 1,
    ) -> Any:
        cooperative = await cooperatives.get_cooperative(db_session, slug)
        page = await services.list_products(db_session, cooperative.id, category=kategori, q=q, page=halaman)
        categories = await services.list_categories(db_session, cooperative.id)
        return render(
            request,
            "catalog/shop.html",
            "results",
            cooperative=cooperative,
            page=page,
            categories=categories,
            q=q or "",
            kategori=kategori or "",
            cart_count=carts.count(request, cooperative.slug),
            search_engine="database",
        )

    @get("/k/{slug:str}/produk/{product_id:int}", name="product")
    async def product_detail(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str, product_id: int
    ) -> Any:
        cooperative = await cooperatives.get_cooperative(db_session, slug)
        product = await services.get_product(db_session, product_id, cooperative.id)
        return render(
            request,
            "catalog/product.html",
            cooperative=cooperative,
            product=product,
            producer_name=producer_name(product, cooperative),
            cart_count=carts.count(request, cooperative.slug),
            photos=await producer_services.photos_of(db_session, product.id),
        )


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
        return ProductDetail(
            id=product.id,
            name=product.name,
            description=product.description,
            unit=product.unit,
            pack_size=product.pack_size,
            price=product.retail_price,
            producer_price=product.producer_price,
            margin=product.margin,
            het=product.het,
            het_basis=product.het_basis,
            stock=product.stock,
            in_stock=product.in_stock,
            max_qty_per_order=product.max_qty_per_order,
            category=product.category.name,
            producer=ProducerRef(id=product.producer_id, name=producer_name(product, cooperative)),
            cooperative=cooperative.slug,
        )
