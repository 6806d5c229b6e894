"""Producer portal (/produsen), listing review (/staf/{slug}/tinjauan), paying producers
(/staf/{slug}/bayar-produsen), product photos (/media), and the old staff URLs that lead to them."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import CurrentUser
from app.clock import Period, local_today, parse_period
from app.csv import csv_response, csv_text
from app.errors import DomainError
from app.guards import StaffController, old_staff_url, requires_producer
from app.i18n import N_, _
from app.models import Cooperative
from app.storage import media_store
from app.text import rupiah
from app.web import Form, flash, render
from catalog.models import ProductStatus
from producers import services
from producers.models import Producer, ReviewDecision
from producers.schemas import ListingForm, PaymentForm, ReviewForm
from producers.services import ProducerContext
from producers.services.settlements import SALES_BASIS, Statement
from reports.sales import Opening, opening_period

Upload = Body(media_type=RequestEncodingType.MULTI_PART)
PeriodKind = Annotated[str | None, Parameter(query="jenis", max_length=10)]
PeriodValue = Annotated[str | None, Parameter(query="periode", max_length=10)]
DECISION_MESSAGES = {
    ReviewDecision.APPROVED: N_("%(name)s disetujui dan sekarang dijual."),
    ReviewDecision.CHANGES_REQUESTED: N_("%(name)s dikembalikan untuk diperbaiki."),
    ReviewDecision.REJECTED: N_("%(name)s ditolak."),
}

# Approval does not put goods on the shelf: until a delivery is received the shop shows "Stok habis".
NO_STOCK_YET = N_(
    "%(name)s disetujui. Stoknya di koperasi masih 0, jadi di toko tampil “Stok habis” dan belum bisa dibeli. "
    "Setelah barang dari produsen datang, catat di Stok → Terima barang (tautannya ada di bawah)."
)


async def provide_producer(db_session: AsyncSession, user: CurrentUser) -> ProducerContext:
    """The `producer` dependency: the business the signed-in account acts for (the guard checked it has one)."""
    return await services.producer_context(db_session, user)


def _period_query(period: Period) -> str:
    return urlencode({"jenis": period.kind_param, "periode": period.key})


async def _statement(
    session: AsyncSession, cooperative: Cooperative, producer: Producer, jenis: str | None, periode: str | None
) -> tuple[Statement, str | None]:
    """A producer's statement for the period the query asks for; without one the current period, or while
    nothing of theirs is sold in it yet their latest period with sales, with the notice that says so."""
    today = local_today(cooperative)
    opening = Opening(parse_period(jenis, periode, today))
    if not periode:
        opening = await opening_period(
            session, cooperative, opening.period.kind, today, basis=SALES_BASIS, producer_id=producer.id
        )
    return await services.statement(session, cooperative, producer, opening.period), opening.notice


def _statement_csv(statement: Statement) -> Response[str]:
    rows = services.statement_csv_rows(statement)
    return csv_response(csv_text(None, rows), f"tagihan-{statement.producer.slug}-{statement.period.key}.csv")


async def _listing_upload(fields: dict[str, Any]) -> tuple[ListingForm, bytes]:
    """The listing form's text fields and the bytes of its photo (empty when none was chosen)."""
    texts = {name: value for name in ListingForm.__struct_fields__ if isinstance(value := fields.get(name), str)}
    photo = fields.get("photo")
    return ListingForm(**texts), await photo.read() if isinstance(photo, UploadFile) else b""


def _to_listing(request: Request[Any, Any, Any], product_id: int, message: str) -> Redirect:
    flash(request, message, "ok")
    return Redirect(path=f"/produsen/produk/{product_id}", status_code=303)


class ProducerPortalController(Controller):
    path = "/produsen"
    include_in_schema = False
    guards = [requires_producer]
    dependencies = {"producer": Provide(provide_producer)}

    @get("/", name="producer_dashboard")
    async def dashboard(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, producer: ProducerContext
    ) -> Any:
        board = await services.dashboard(db_session, producer)
        return render(
            request,
            "producers/dashboard.html",
            producer=producer.producer,
            home=producer.cooperative,
            board=board,
            status_labels_product=services.STATUS_LABELS,
        )

    @get("/produk/baru", name="producer_listing_new")
    async def new_listing(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, producer: ProducerContext
    ) -> Any:
        return await self._form(request, db_session, producer, None, ListingForm())

    async def _form(
        self,
        request: Request[Any, Any, Any],
        session: AsyncSession,
        ctx: ProducerContext,
        product_id: int | None,
        form: ListingForm,
        refused: DomainError | None = None,
    ) -> Any:
        product = await services.get_own_product(session, ctx.producer, product_id) if product_id else None
        return render(
            request,
            "producers/listing.html",
            status_code=refused.status_code if refused else 200,
            producer=ctx.producer,
            home=ctx.cooperative,
            product=product,
            form=form,
            errors=refused.field_errors if refused else {},
            error=refused.message if refused else None,
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
        user: CurrentUser,
        producer: ProducerContext,
        data: Annotated[dict[str, Any], Upload],
    ) -> Any:
        form, photo = await _listing_upload(data)
        submit = form.aksi == "ajukan"
        try:
            product = await services.create_listing(
                db_session, producer, form, user, submit=submit, photo=photo, media=media_store(request)
            )
        except DomainError as exc:
            # Services validate before changing anything; the 4xx status rolls the transaction back.
            return await self._form(request, db_session, producer, None, form, exc)
        return _to_listing(request, product.id, _(services.SUBMITTED_MESSAGE) if submit else _("Draf disimpan."))

    @get("/produk/{product_id:int}", name="producer_listing")
    async def edit_listing(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, producer: ProducerContext, product_id: int
    ) -> Any:
        product = await services.get_own_product(db_session, producer.producer, product_id)
        form = ListingForm(
            name=product.name,
            description=product.description or "",
            category=product.category.slug,
            unit=product.unit,
            pack_size=product.pack_size or "",
            producer_price=str(product.producer_price),
        )
        return await self._form(request, db_session, producer, product.id, form)

    @post("/produk/{product_id:int}", name="producer_listing_update", status_code=303)
    async def update_listing(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        user: CurrentUser,
        producer: ProducerContext,
        product_id: int,
        data: Annotated[ListingForm, Form],
    ) -> Any:
        try:
            product = await services.update_listing(
                db_session, producer, product_id, data, user, submit=data.aksi == "ajukan"
            )
        except DomainError as exc:
            if exc.status_code in (403, 404):
                raise
            # Services validate before changing anything; the 4xx status rolls the transaction back.
            return await self._form(request, db_session, producer, product_id, data, exc)
        submitted = product.status == ProductStatus.PENDING_REVIEW
        message = _(services.SUBMITTED_MESSAGE) if submitted else _("Perubahan disimpan.")
        return _to_listing(request, product_id, message)

    @post("/produk/{product_id:int}/ajukan", name="producer_listing_submit", status_code=303)
    async def submit_listing(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        user: CurrentUser,
        producer: ProducerContext,
        product_id: int,
    ) -> Any:
        await services.submit_listing(db_session, producer, product_id, user)
        return _to_listing(request, product_id, _(services.SUBMITTED_MESSAGE))

    @post("/produk/{product_id:int}/foto", name="producer_photo_upload", status_code=303)
    async def upload_photo(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        producer: ProducerContext,
        product_id: int,
        data: Annotated[UploadFile, Upload],
    ) -> Any:
        raw = await data.read()
        await services.add_photo(db_session, producer, product_id, raw, media_store(request))
        return _to_listing(request, product_id, _("Foto ditambahkan."))

    @post("/produk/{product_id:int}/foto/{key:str}/hapus", name="producer_photo_delete", status_code=303)
    async def delete_photo(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        producer: ProducerContext,
        product_id: int,
        key: str,
    ) -> Any:
        await services.delete_photo(db_session, producer, product_id, key, media_store(request))
        return _to_listing(request, product_id, _("Foto dihapus."))

    @get("/tagihan", name="producer_statement")
    async def statement(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        producer: ProducerContext,
        jenis: PeriodKind = None,
        periode: PeriodValue = None,
    ) -> Any:
        s, notice = await _statement(db_session, producer.cooperative, producer.producer, jenis, periode)
        return render(
            request,
            "producers/statement.html",
            statement=s,
            notice=notice,
            home=producer.cooperative,
            base_path="/produsen/tagihan",
            csv_path="/produsen/tagihan.csv",
            staff=False,
            methods=services.PAYMENT_METHODS,
        )

    @get("/tagihan.csv", name="producer_statement_csv")
    async def statement_csv(
        self,
        db_session: AsyncSession,
        producer: ProducerContext,
        jenis: PeriodKind = None,
        periode: PeriodValue = None,
    ) -> Response[str]:
        s, _notice = await _statement(db_session, producer.cooperative, producer.producer, jenis, periode)
        return _statement_csv(s)


class MediaController(Controller):
    path = "/media"
    include_in_schema = False

    @get("/produk/{name:str}", name="product_photo")
    async def photo(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, user: CurrentUser | None, name: str
    ) -> Response[bytes]:
        key, _sep, variant = name.rpartition("-")
        # Served through the app from whichever store holds it (not redirected to a presigned URL): the
        # bucket stays private, unpublished listings stay hidden, and the URL and caching never change.
        photo = await services.photo_for_viewer(db_session, key, variant, user, media_store(request))
        cache = "public, max-age=604800, immutable" if photo.public else "private, no-store"
        return Response(photo.content, media_type=photo.content_type, headers={"Cache-Control": cache})


class ReviewController(StaffController):
    path = "/staf/{slug:str}/tinjauan"

    @get("/", name="review_queue")
    async def queue(self, request: Request[Any, Any, Any], db_session: AsyncSession, cooperative: Cooperative) -> Any:
        items = await services.review_queue(db_session, cooperative)
        return render(
            request,
            "producers/review_queue.html",
            cooperative=cooperative,
            items=items,
            awaiting=await services.awaiting_goods(db_session, cooperative),
        )

    @get("/{product_id:int}", name="review_item")
    async def item(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, cooperative: Cooperative, product_id: int
    ) -> Any:
        item = await services.review_item(db_session, cooperative, product_id)
        return await self._page(request, db_session, cooperative, item, ReviewForm())

    async def _page(
        self,
        request: Request[Any, Any, Any],
        session: AsyncSession,
        cooperative: Cooperative,
        item: services.ReviewItem,
        form: ReviewForm,
        refused: DomainError | None = None,
    ) -> Any:
        return render(
            request,
            "producers/review.html",
            "review_form",
            status_code=refused.status_code if refused else 200,
            cooperative=cooperative,
            item=item,
            photos=await services.photos_of(session, item.product.id),
            reviews=await services.reviews_of(session, item.product.id),
            prices=await services.price_history(session, item.product.id),
            form=form,
            errors=refused.field_errors if refused else {},
            error=refused.message if refused else None,
        )

    @post("/{product_id:int}", name="review_decide", status_code=303)
    async def decide(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        product_id: int,
        data: Annotated[ReviewForm, Form],
    ) -> Any:
        try:
            outcome = await services.decide(db_session, cooperative, product_id, data, user)
        except DomainError as exc:
            if exc.status_code != 422:
                raise
            # Services validate before changing anything; the 4xx status rolls the transaction back.
            item = await services.review_item(db_session, cooperative, product_id)
            return await self._page(request, db_session, cooperative, item, data, exc)
        product = outcome.product
        if outcome.decision == ReviewDecision.APPROVED and product.stock <= 0:
            flash(request, _(NO_STOCK_YET, name=product.name), "warn")
        else:
            flash(request, _(DECISION_MESSAGES[outcome.decision], name=product.name), "ok")
        for warning in outcome.warnings:
            flash(request, warning, "warn")
        return Redirect(path=f"/staf/{cooperative.slug}/tinjauan", status_code=303)


class ProducerPaymentController(StaffController):
    """Paying producers ("Bayar produsen"); couriers' cash hand-in ("setoran") is another page."""

    path = "/staf/{slug:str}/bayar-produsen"

    @get("/", name="producer_payments")
    async def overview(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        jenis: PeriodKind = None,
        periode: PeriodValue = None,
    ) -> Any:
        today = local_today(cooperative)
        # Without a period asked for, the last finished one: the one staff can pay.
        period = parse_period(jenis, periode, today) if periode else parse_period(jenis, None, today).previous()
        statements = await services.settlement_overview(db_session, cooperative, period)
        return render(
            request,
            "producers/settlements.html",
            cooperative=cooperative,
            period=period,
            statements=statements,
            sales_caption=services.sales_caption(),
            methods=services.PAYMENT_METHODS,
            today=today,
        )

    @post("/", name="producer_payment_record", status_code=303)
    async def pay(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        data: Annotated[PaymentForm, Form],
    ) -> Any:
        settlement = await services.mark_paid(db_session, cooperative, data, user)
        flash(request, _("Pembayaran %(amount)s ke produsen dicatat.", amount=rupiah(settlement.amount_paid)), "ok")
        query = urlencode({"jenis": data.jenis, "periode": data.periode})
        return Redirect(path=f"/staf/{cooperative.slug}/bayar-produsen?{query}", status_code=303)

    @get("/{producer_id:int}", name="producer_payment_statement")
    async def statement(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        producer_id: int,
        jenis: PeriodKind = None,
        periode: PeriodValue = None,
    ) -> Any:
        producer = await services.get_producer(db_session, cooperative.id, producer_id)
        s, notice = await _statement(db_session, cooperative, producer, jenis, periode)
        base = f"/staf/{cooperative.slug}/bayar-produsen"
        return render(
            request,
            "producers/statement.html",
            statement=s,
            notice=notice,
            cooperative=cooperative,
            back_path=f"{base}?{_period_query(s.period)}",
            base_path=f"{base}/{producer_id}",
            csv_path=f"{base}/{producer_id}/unduh",
            staff=True,
            methods=services.PAYMENT_METHODS,
        )

    @get("/{producer_id:int}/unduh", name="producer_payment_statement_csv")
    async def statement_csv(
        self,
        db_session: AsyncSession,
        cooperative: Cooperative,
        producer_id: int,
        jenis: PeriodKind = None,
        periode: PeriodValue = None,
    ) -> Response[str]:
        producer = await services.get_producer(db_session, cooperative.id, producer_id)
        s, _notice = await _statement(db_session, cooperative, producer, jenis, periode)
        return _statement_csv(s)


class OldStaffUrlController(Controller):
    """Staff URLs from before they named the cooperative: bookmarks still lead to the right page."""

    path = "/staf"
    include_in_schema = False

    review_queue = old_staff_url("/tinjauan", "tinjauan", name="review_queue_entry")
    review_item = old_staff_url("/tinjauan/{product_id:int}", "tinjauan/{product_id}", name="review_item_entry")
    # `/staf/setoran` was the producers' payments page; the couriers' hand-in is `/staf/{slug}/setoran`.
    payments = old_staff_url("/setoran", "bayar-produsen", name="producer_payments_entry")
    statement = old_staff_url(
        "/setoran/{producer_id:int}", "bayar-produsen/{producer_id}", name="producer_payment_statement_entry"
    )
    statement_csv = old_staff_url(
        "/setoran/{producer_id:int}/unduh",
        "bayar-produsen/{producer_id}/unduh",
        name="producer_payment_statement_csv_entry",
    )


# app/asgi.py still registers this name; it stands for the two controllers until asgi lists them itself.
