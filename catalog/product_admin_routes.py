"""Staff add products: the new-product form, the price-list import (template, preview, apply) and their API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import Body
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import CurrentUser
from app.db import roll_back
from app.errors import DomainError, problem
from app.guards import provide_cooperative, requires_goods
from app.i18n import N_, _
from app.models import Cooperative
from app.spreadsheets import MAX_BYTES, FileRefused
from app.web import flash, render
from catalog import product_admin
from catalog.imports import price_list_template
from catalog.models import QuotaPeriod
from catalog.product_admin import ImportOutcome, NewProductForm, ProductCreated

# The file may be 5 MB; the multipart envelope and the other fields need a little more.
MAX_UPLOAD_REQUEST = MAX_BYTES + 256 * 1024
TOO_LARGE = N_("Berkas terlalu besar. Paling besar 5 MB; bagi daftar menjadi beberapa berkas.")
NO_FILE = N_("Pilih berkas daftar harga (.csv atau .xlsx) dulu.")
PERIODS = {QuotaPeriod.DAY: N_("per hari"), QuotaPeriod.WEEK: N_("per minggu"), QuotaPeriod.MONTH: N_("per bulan")}
STAFF_AREA = {"cooperative": Provide(provide_cooperative)}


@dataclass
class PriceListUpload:
    """The multipart upload: the file and, for the API, whether only to check it."""

    file: UploadFile | None = None
    dry_run: str = "true"


class ApplyForm(msgspec.Struct):
    """"Apply" on the preview page: the key of the kept upload."""

    key: str = ""


def _too_large(request: Request[Any, Any, Any], _error: RequestEntityTooLarge) -> Response[Any]:
    # Litestar stops reading at the limit (before reading anything when Content-Length says so).
    return problem(request, 413, _(TOO_LARGE), code="file_too_large", field_errors={"file": _(TOO_LARGE)})


async def _read(upload: PriceListUpload) -> bytes:
    if upload.file is None:
        raise FileRefused(_(NO_FILE), field_errors={"file": _(NO_FILE)})
    # The request limit already bounds this; reading one byte more tells a too-large file apart.
    return await upload.file.read(MAX_BYTES + 1)


class ProductAdminController(Controller):
    """`/staf/{slug}/produk/baru` and `/staf/{slug}/produk/impor` (the price list is kept between steps)."""

    path = "/staf/{slug:str}/produk"
    include_in_schema = False
    guards = [requires_goods]
    dependencies = STAFF_AREA
    exception_handlers = {RequestEntityTooLarge: _too_large}

    async def _form_page(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        form: NewProductForm,
        *,
        errors: dict[str, str] | None = None,
        error: str | None = None,
        status_code: int = 200,
    ) -> Any:
        return render(
            request,
            "catalog/product_new.html",
            status_code=status_code,
            cooperative=cooperative,
            form=form,
            choices=await product_admin.new_product_choices(db_session, cooperative),
            errors=errors or {},
            error=error,
            periods=PERIODS,
        )

    @get("/baru", name="staff_product_new")
    async def new_product(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, cooperative: Cooperative
    ) -> Any:
        return await self._form_page(request, db_session, cooperative, NewProductForm(stock="0"))

    @post("/baru", name="staff_product_create", status_code=303)
    async def create_product(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        data: Annotated[NewProductForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Any:
        try:
            created = await product_admin.create_product(db_session, cooperative, data, user_id=user.id)
        except DomainError as exc:
            await roll_back(db_session, cooperative)
            return await self._form_page(
                request,
                db_session,
                cooperative,
                data,
                errors=exc.field_errors,
                error=exc.message,
                status_code=exc.status_code,
            )
        flash(request, _("%(name)s ditambahkan dan sudah tampil di toko.", name=created.product.name), "ok")
        for warning in created.warnings:
            flash(request, warning, "info")
        return Redirect(path=f"/staf/{cooperative.slug}/produk/{created.product.id}", status_code=303)

    @get("/impor", name="staff_price_list")
    async def import_page(self, request: Request[Any, Any, Any], cooperative: Cooperative) -> Any:
        return render(request, "catalog/import.html", cooperative=cooperative, error=None)

    @get("/impor/templat", name="staff_price_list_template")
    async def template(self, cooperative: Cooperative) -> Response[bytes]:
        return Response(
            content=price_list_template(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="templat-daftar-harga.csv"'},  # i18n: not shown
        )

    @post("/impor", name="staff_price_list_preview", status_code=200, request_max_body_size=MAX_UPLOAD_REQUEST)
    async def preview(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        data: Annotated[PriceListUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Any:
        try:
            raw = await _read(data)
            checked = await product_admin.import_price_list(db_session, cooperative, raw, user_id=user.id, dry_run=True)
        except FileRefused as exc:
            return render(request, "catalog/import.html", status_code=422, cooperative=cooperative, error=exc.message)
        key = None
        if not checked.result.errors:
            key = await product_admin.keep_upload(db_session, cooperative.id, user.id, raw)
        return render(
            request,
            "catalog/import_preview.html",
            status_code=200 if key else 422,
            cooperative=cooperative,
            result=checked.result,
            key=key,
            filename=data.file.filename if data.file else "",
        )

    @post("/impor/terapkan", name="staff_price_list_apply", status_code=303)
    async def apply(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        data: Annotated[ApplyForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Any:
        try:
            raw = await product_admin.kept_upload(db_session, data.key, cooperative.id, user.id)
            applied = await product_admin.import_price_list(
                db_session, cooperative, raw, user_id=user.id, dry_run=False
            )
        except DomainError as exc:
            await roll_back(db_session, cooperative)
            return render(request, "catalog/import.html", status_code=exc.status_code, cooperative=cooperative,
                          error=exc.message)
        if applied.result.errors:
            # Something changed since the preview (a product of the same name was added): nothing was written.
            await roll_back(db_session, cooperative)
            return render(
                request,
                "catalog/import_preview.html",
                status_code=409,
                cooperative=cooperative,
                result=applied.result,
                key=None,
                filename="",
            )
        await product_admin.drop_upload(db_session, data.key)
        flash(request, _("%(n)s produk dari daftar harga ditambahkan.", n=len(applied.created)), "ok")
        return Redirect(path=f"/staf/{cooperative.slug}/produk", status_code=303)


# A plain handler, not a controller: Litestar cannot merge a second controller onto the path of the public
# product list (`catalog.routes.CatalogApiController`), but it can merge a handler.
@post(
    "/api/cooperatives/{slug:str}/products",
    name="api_product_create",
    status_code=201,
    tags=["katalog"],
    guards=[requires_goods],
    dependencies=STAFF_AREA,
)
async def create_product_api(
    db_session: AsyncSession, cooperative: Cooperative, user: CurrentUser, data: NewProductForm
) -> ProductCreated:
    """Add a product: the cooperative's own goods, or with `producer_id` one of its producers'."""
    created = await product_admin.create_product(db_session, cooperative, data, user_id=user.id)
    return created.out()


class PriceListApiController(Controller):
    """`POST /api/cooperatives/{slug}/products/import` (multipart `file`, `dry_run`) for staff of that cooperative."""

    path = "/api/cooperatives/{slug:str}/products/import"
    tags = ["katalog"]
    guards = [requires_goods]
    dependencies = STAFF_AREA
    exception_handlers = {RequestEntityTooLarge: _too_large}

    @post("/", name="api_price_list_import", status_code=200, request_max_body_size=MAX_UPLOAD_REQUEST)
    async def import_price_list(
        self,
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        data: Annotated[PriceListUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> ImportOutcome:
        """Check a price list; with `dry_run=false` and no problems, create every row (all or nothing)."""
        dry_run = data.dry_run.strip().lower() not in {"false", "0", "no", "tidak"}
        raw = await _read(data)
        imported = await product_admin.import_price_list(
            db_session, cooperative, raw, user_id=user.id, dry_run=dry_run
        )
        return imported.out()
