"""Producer portal (/produsen), listing review (/staf/tinjauan), settlements (/staf/setoran), product photos."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from app import services as cooperatives
from app.auth import CurrentUser
from app.errors import DomainError, Forbidden
from app.models import Cooperative
from app.settings import Settings
from app.web import flash, render
from orders.periods import local_today, parse_period
from producers import services
from producers.models import ReviewDecision
from producers.schemas import ListingForm, PaymentFormIn, ReviewFormIn

Form = Body(media_type=RequestEncodingType.URL_ENCODED)
Upload = Body(media_type=RequestEncodingType.MULTI_PART)
PeriodKind = Annotated[str | None, Parameter(query="jenis", max_length=10)]
PeriodValue = Annotated[str | None, Parameter(query="periode", max_length=10)]


def _login(path: str) -> Redirect:
    return Redirect(path=f"/masuk?lanjut={quote(path)}", status_code=303)


def _settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state["settings"]
    return settings


def _listing_input(data: ListingForm) -> services.ListingInput:
    return services.ListingInput(
        name=data.name,
        description=data.description,
        category=data.category,
        unit=data.unit,
        pack_size=data.pack_size,
        producer_price=data.producer_price,
    )


def _csv(rows: list[list[str | int]], filename: str) -> Response[bytes]:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        # A cell starting with = + - @ would run as a formula in a spreadsheet; an empty cell stays empty.
        writer.writerow([f"'{c}" if isinstance(c, str) and c[:1] in ("=", "+", "-", "@") else c for c in row])
    return Response(
        ("\ufeff" + out.getvalue()).encode("utf-8"),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


async def _staff_cooperative(session: AsyncSession, user: CurrentUser) -> Cooperative:
    if not user.staff_cooperative_ids:
        raise Forbidden("Halaman ini hanya untuk staf koperasi.")
    return await cooperatives.get_cooperative_by_id(session, user.staff_cooperative_ids[0])


class ProducerPortalController(Controller):
    path = "/produsen"
    include_in_schema = False

    @get("/", name="producer_dashboard")
    async def dashboard(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, user: CurrentUser | None
    ) -> Any:
        if user is None:
            return _login("/produsen")
        ctx = await services.require_producer(db_session, user)
        board = await services.dashboard(db_session, ctx)
        return render(
            request,
            "producers/dashboard.html",
            producer=ctx.producer,
            home=ctx.cooperative,
            board=board,
            status_labels_product=services.STATUS_LABELS,
        )

    @get("/produk/baru", name="producer_listing_new")
    async def new_listing(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, user: CurrentUser | None
    ) -> Any:
        if user is None:
            return _login("/produsen/produk/baru")
        ctx = await services.require_producer(db_session, user)
        return await self._form(request, db_session, ctx, None, ListingForm(), {})

    async def _form(
        self,
        request: Request[Any, Any, Any],
        session: AsyncSession,
        ctx: services.ProducerContext,
        product_id: int | None,
        form: ListingForm,
        errors: dict[str, str],
        *,
        error: str | None = None,
        status_code: int = 200,
    ) -> Any:
        product = await services.get_own_product(session, ctx.producer, product_id) if product_id else None
        return render(
            request,
            "producers/listing.html",
            status_code=status_code,
            producer=ctx.producer,
            home=ctx.cooperative,
            product=product,
            form=form,
            errors=errors,
            error=error,
            categories=await services.categories(session),
            photos=await services.photos_of(session, product.id) if product else [],
            reviews=await services.reviews_of(session, product.id) if product else [],
            prices=await services.price_history(session, product.id) if product else [],
            status_labels_product=services.STATUS_LABELS,
            editable=product is None or product.status in services.EDITABLE,
            submittable=product is not None and product.status in services.SUBMITTABLE,
        )

    @post("/produk", name="producer_listing_create", status_code=303)
    async def create_listing(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        user: CurrentUser | None,
        data: Annotated[ListingForm, Form],
    ) -> Any:
        if user is None:
            return _login("/produsen/produk/baru")
        ctx = await services.require_producer(db_session, user)
        try:
            product = await services.create_listing(
                db_session, ctx, _listing_input(data), user, submit=data.aksi == "ajukan"
            )
        except DomainError as exc:
            # Services validate before changing anything; the 4xx status rolls the transaction back.
            return await self._form(
                request, db_session, ctx, None, data, exc.field_errors, error=exc.message, status_code=exc.status_code
            )
        flash(
            request,
            "Produk diajukan untuk ditinjau staf koperasi." if data.aksi == "ajukan" else "Draf disimpan.",
            "ok",
        )
        return Redirect(path=f"/produsen/produk/{product.id}", status_code=303)

    @get("/produk/{product_id:int}", name="producer_listing")
    async def edit_listing(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, user: CurrentUser | None, product_id: int
    ) -> Any:
        if user is None:
            return _login(f"/produsen/produk/{product_id}")
        ctx = await services.require_producer(db_session, user)
        product = await services.get_own_product(db_session, ctx.producer, product_id)
        form = ListingForm(
            name=product.name,
            description=product.description or "",
            category=product.category.slug,
            unit=product.unit,
            pack_size=product.pack_size or "",
            producer_price=str(product.producer_price),
        )
        return await self._form(request, db_session, ctx, product.id, form, {})

    @post("/produk/{product_id:int}", name="producer_listing_update", status_code=303)
    async def update_listing(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        user: CurrentUser | None,
        product_id: int,
        data: Annotated[ListingForm, Form],
    ) -> Any:
        if user is None:
            return _login(f"/produsen/produk/{product_id}")
        ctx = await services.require_producer(db_session, user)
        try:
            await services.update_listing(
                db_session, ctx, product_id, _listing_input(data), user, submit=data.aksi == "ajukan"
            )
        except DomainError as exc:
            if exc.status_code in (403, 404):
                raise
            # Services validate before changing anything; the 4xx status rolls the transaction back.
            return await self._form(
                request,
                db_session,
                ctx,
                product_id,
                data,
                exc.field_errors,
                error=exc.message,
                status_code=exc.status_code,
            )
        flash(request, "Perubahan disimpan.", "ok")
        return Redirect(path=f"/produsen/produk/{product_id}", status_code=303)

    @post("/produk/{product_id:int}/ajukan", name="producer_listing_submit", status_code=303)
    async def submit_listing(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, user: CurrentUser | None, product_id: int
    ) -> Any:
        if user is None:
            return _login(f"/produsen/produk/{product_id}")
        ctx = await services.require_producer(db_session, user)
        await services.submit_listing(db_session, ctx, product_id, user)
        flash(request, "Produk diajukan untuk ditinjau staf koperasi.", "ok")
        return Redirect(path=f"/produsen/produk/{product_id}", status_code=303)

    @post("/produk/{product_id:int}/foto", name="producer_photo_upload", status_code=303)
    async def upload_photo(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        user: CurrentUser | None,
        product_id: int,
        data: Annotated[UploadFile, Upload],
    ) -> Any:
        if user is None:
            return _login(f"/produsen/produk/{product_id}")
        ctx = await services.require_producer(db_session, user)
        raw = await data.read()
        await services.add_photo(db_session, ctx, product_id, raw, _settings(request).var_dir)
        flash(request, "Foto ditambahkan.", "ok")
        return Redirect(path=f"/produsen/produk/{product_id}", status_code=303)

    @post("/produk/{product_id:int}/foto/{key:str}/hapus", name="producer_photo_delete", status_code=303)
    async def delete_photo(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        user: CurrentUser | None,
        product_id: int,
        key: str,
    ) -> Any:
        if user is None:
            return _login(f"/produsen/produk/{product_id}")
        ctx = await services.require_producer(db_session, user)
        await services.delete_photo(db_session, ctx, product_id, key, _settings(request).var_dir)
        flash(request, "Foto dihapus.", "ok")
        return Redirect(path=f"/produsen/produk/{product_id}", status_code=303)

    @get("/tagihan", name="producer_statement")
    async def statement(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        user: CurrentUser | None,
        jenis: PeriodKind = None,
        periode: PeriodValue = None,
    ) -> Any:
        if user is None:
            return _login("/produsen/tagihan")
        ctx = await services.require_producer(db_session, user)
        period = parse_period(jenis, periode, local_today(ctx.cooperative))
        s = await services.statement(db_session, ctx.cooperative, ctx.producer, period)
        return render(
            request,
            "producers/statement.html",
            statement=s,
            home=ctx.cooperative,
            base_path="/produsen/tagihan",
            csv_path="/produsen/tagihan.csv",
            staff=False,
            methods=services.PAYMENT_METHODS,
        )

    @get("/tagihan.csv", name="producer_statement_csv")
    async def statement_csv(
        self,
        db_session: AsyncSession,
        user: CurrentUser | None,
        jenis: PeriodKind = None,
        periode: PeriodValue = None,
    ) -> Any:
        if user is None:
            return _login("/produsen/tagihan")
        ctx = await services.require_producer(db_session, user)
        period = parse_period(jenis, periode, local_today(ctx.cooperative))
        s = await services.statement(db_session, ctx.cooperative, ctx.producer, period)
        return _csv(services.statement_csv_rows(s), f"tagihan-{ctx.producer.slug}-{period.key}.csv")


class MediaController(Controller):
    path = "/media"
    include_in_schema = False

    @get("/produk/{name:str}", name="product_photo")
    async def photo(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, user: CurrentUser | None, name: str
    ) -> Response[bytes]:
        key, _, size = name.removesuffix(".webp").rpartition("-")
        path, public = await services.photo_for_viewer(db_session, key, size, user, _settings(request).var_dir)
        cache = "public, max-age=604800, immutable" if public else "private, no-store"
        return Response(path.read_bytes(), media_type="image/webp", headers={"Cache-Control": cache})


class ReviewController(Controller):
    path = "/staf/tinjauan"
    include_in_schema = False

    @get("/", name="review_queue")
    async def queue(self, request: Request[Any, Any, Any], db_session: AsyncSession, user: CurrentUser | None) -> Any:
        if user is None:
            return _login("/staf/tinjauan")
        cooperative = await _staff_cooperative(db_session, user)
        items = await services.review_queue(db_session, cooperative, user)
        return render(request, "producers/review_queue.html", home=cooperative, items=items)

    @get("/{product_id:int}", name="review_item")
    async def item(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, user: CurrentUser | None, product_id: int
    ) -> Any:
        if user is None:
            return _login(f"/staf/tinjauan/{product_id}")
        cooperative = await _staff_cooperative(db_session, user)
        item = await services.review_item(db_session, cooperative, product_id, user)
        return await self._page(request, db_session, cooperative, item, ReviewFormIn(), {})

    async def _page(
        self,
        request: Request[Any, Any, Any],
        session: AsyncSession,
        cooperative: Cooperative,
        item: services.ReviewItem,
        form: ReviewFormIn,
        errors: dict[str, str],
        *,
        error: str | None = None,
        status_code: int = 200,
    ) -> Any:
        return render(
            request,
            "producers/review.html",
            "review_form",
            status_code=status_code,
            home=cooperative,
            item=item,
            photos=await services.photos_of(session, item.product.id),
            reviews=await services.reviews_of(session, item.product.id),
            prices=await services.price_history(session, item.product.id),
            form=form,
            errors=errors,
            error=error,
        )

    @post("/{product_id:int}", name="review_decide", status_code=303)
    async def decide(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        user: CurrentUser | None,
        product_id: int,
        data: Annotated[ReviewFormIn, Form],
    ) -> Any:
        if user is None:
            return _login(f"/staf/tinjauan/{product_id}")
        cooperative = await _staff_cooperative(db_session, user)
        form = services.ReviewForm(data.action, data.retail_price, data.margin_percent, data.reason)
        try:
            outcome = await services.decide(db_session, cooperative, product_id, form, user)
        except DomainError as exc:
            if exc.status_code != 422:
                raise
            # Services validate before changing anything; the 4xx status rolls the transaction back.
            item = await services.review_item(db_session, cooperative, product_id, user)
            return await self._page(
                request,
                db_session,
                cooperative,
                item,
                data,
                exc.field_errors,
                error=exc.message,
                status_code=exc.status_code,
            )
        words = {
            ReviewDecision.APPROVED: "disetujui dan sekarang dijual",
            ReviewDecision.CHANGES_REQUESTED: "dikembalikan untuk diperbaiki",
            ReviewDecision.REJECTED: "ditolak",
        }
        flash(request, f"{outcome.product.name} {words[outcome.decision]}.", "ok")
        for warning in outcome.warnings:
            flash(request, warning, "warn")
        return Redirect(path="/staf/tinjauan", status_code=303)


class SettlementController(Controller):
    path = "/staf/setoran"
    include_in_schema = False

    @get("/", name="settlements")
    async def overview(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        user: CurrentUser | None,
        jenis: PeriodKind = None,
        periode: PeriodValue = None,
    ) -> Any:
        if user is None:
            return _login("/staf/setoran")
        cooperative = await _staff_cooperative(db_session, user)
        today = local_today(cooperative)
        period = (
            parse_period(jenis, periode, today) if periode else parse_period(jenis, None, today).previous()
        )
        statements = await services.settlement_overview(db_session, cooperative, period, user)
        return render(
            request,
            "producers/settlements.html",
            home=cooperative,
            period=period,
            statements=statements,
            sales_caption=services.SALES_CAPTION,
            methods=services.PAYMENT_METHODS,
            today=today,
            errors={},
        )

    @post("/bayar", name="settlement_pay", status_code=303)
    async def pay(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        user: CurrentUser | None,
        data: Annotated[PaymentFormIn, Form],
    ) -> Any:
        if user is None:
            return _login("/staf/setoran")
        cooperative = await _staff_cooperative(db_session, user)
        form = services.PaymentForm(
            data.producer_id, data.jenis, data.periode, data.method, data.reference, data.paid_on
        )
        settlement = await services.mark_paid(db_session, cooperative, form, user)
        flash(request, f"Pembayaran {settlement.amount_paid:,} rupiah dicatat.".replace(",", "."), "ok")
        return Redirect(path=f"/staf/setoran?jenis={data.jenis}&periode={quote(data.periode)}", status_code=303)

    @get("/{producer_id:int}", name="settlement_statement")
    async def statement(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        user: CurrentUser | None,
        producer_id: int,
        jenis: PeriodKind = None,
        periode: PeriodValue = None,
    ) -> Any:
        if user is None:
            return _login(f"/staf/setoran/{producer_id}")
        cooperative = await _staff_cooperative(db_session, user)
        producer = await services.get_producer(db_session, cooperative.id, producer_id)
        period = parse_period(jenis, periode, local_today(cooperative))
        s = await services.statement(db_session, cooperative, producer, period)
        return render(
            request,
            "producers/statement.html",
            statement=s,
            home=cooperative,
            base_path=f"/staf/setoran/{producer_id}",
            csv_path=f"/staf/setoran/{producer_id}/unduh",
            staff=True,
            methods=services.PAYMENT_METHODS,
        )

    @get("/{producer_id:int}/unduh", name="settlement_statement_csv")
    async def statement_csv(
        self,
        db_session: AsyncSession,
        user: CurrentUser | None,
        producer_id: int,
        jenis: PeriodKind = None,
        periode: PeriodValue = None,
    ) -> Any:
        if user is None:
            return _login(f"/staf/setoran/{producer_id}")
        cooperative = await _staff_cooperative(db_session, user)
        producer = await services.get_producer(db_session, cooperative.id, producer_id)
        period = parse_period(jenis, periode, local_today(cooperative))
        s = await services.statement(db_session, cooperative, producer, period)
        return _csv(services.statement_csv_rows(s), f"tagihan-{producer.slug}-{period.key}.csv")
