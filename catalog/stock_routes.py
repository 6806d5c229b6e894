"""Staff stock screens under /staf/<cooperative>/stok: low stock, receipts, adjustments, stocktake, thresholds."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import Parameter
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import CurrentUser
from app.errors import InvalidInput, NotFound
from app.guards import StaffController
from app.i18n import _
from app.models import Cooperative
from app.text import is_digits, rupiah
from app.web import Form, flash, render
from catalog import stock as stockwork
from catalog.schemas import AdjustForm, ThresholdForm
from orders.fulfilment.picking import held_quantities
from producers.services import producers_of

# A form posts one field per product (`qty-12`, `count-12`); more than this is not a village's shelf.
MAX_FORM_LINES = 2000


def _per_product(form: Any, prefix: str) -> dict[int, object]:
    values: dict[int, object] = {}
    for key, value in form.items():
        suffix = key[len(prefix) :] if key.startswith(prefix) else ""
        if is_digits(suffix) and len(suffix) <= 12:
            values[int(suffix)] = value
        if len(values) > MAX_FORM_LINES:
            raise InvalidInput(_("Terlalu banyak baris dalam satu formulir."))
    return values


class StockController(StaffController):
    path = "/staf/{slug:str}/stok"

    @get("/", name="staff_stock")
    async def stock(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        q: Annotated[str | None, Parameter(query="q", max_length=80)] = None,
    ) -> Any:
        return render(
            request,
            "staff/stock.html",
            "products",
            cooperative=cooperative,
            nav="stok",
            low=await stockwork.low_stock(db_session, cooperative.id),
            products=await stockwork.active_products(db_session, cooperative.id, q=q) if q else [],
            thresholds=await stockwork.thresholds(db_session, cooperative.id),
            default_threshold=stockwork.DEFAULT_LOW_STOCK,
            producers=await producers_of(db_session, cooperative.id),
            q=q or "",
        )

    @get("/opname", name="staff_stocktake_sheet")
    async def stocktake_sheet(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        produsen: Annotated[int | None, Parameter(query="produsen", ge=1, le=10**12)] = None,
        q: Annotated[str | None, Parameter(query="q", max_length=80)] = None,
    ) -> Any:
        products = await stockwork.active_products(db_session, cooperative.id, producer_id=produsen, q=q)
        return render(
            request,
            "staff/stocktake.html",
            cooperative=cooperative,
            nav="stok",
            rows=stockwork.stocktake_sheet(products, await held_quantities(db_session, cooperative.id)),
            producers=await producers_of(db_session, cooperative.id),
            produsen=produsen,
            q=q or "",
        )

    @post("/opname", name="staff_stocktake", status_code=303)
    async def stocktake(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, cooperative: Cooperative, user: CurrentUser
    ) -> Any:
        form = await request.form()
        done = await stockwork.record_stocktake(
            db_session,
            cooperative.id,
            _per_product(form, "count-"),
            await held_quantities(db_session, cooperative.id),
            user_id=user.id,
            note=form.get("note", ""),
        )
        changed = [line for line in done.lines if line.difference]
        flash(
            request,
            _(
                "Stok opname #%(id)s: %(counted)s barang dihitung, %(changed)s berselisih dan sudah dibukukan.",
                id=done.id,
                counted=len(done.lines),
                changed=len(changed),
            ),
            "ok",
        )
        return Redirect(path=f"/staf/{cooperative.slug}/stok", status_code=303)

    @get("/terima", name="staff_receive_sheet")
    async def receive_sheet(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        produsen: Annotated[int | None, Parameter(query="produsen", ge=1, le=10**12)] = None,
        produk: Annotated[int | None, Parameter(query="produk", ge=1, le=10**12)] = None,
    ) -> Any:
        producers = await producers_of(db_session, cooperative.id)
        if produk is not None:
            products = [await stockwork.product_of(db_session, cooperative.id, produk)]
        elif produsen is not None:
            if produsen not in {p.id for p in producers}:
                raise NotFound(_("Produsen tidak ditemukan di koperasi ini."))
            products = await stockwork.active_products(db_session, cooperative.id, producer_id=produsen)
        else:
            products = []
        return render(
            request,
            "staff/receive.html",
            cooperative=cooperative,
            nav="stok",
            producers=producers,
            produsen=produsen,
            products=products,
        )

    @post("/terima", name="staff_receive", status_code=303)
    async def receive(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, cooperative: Cooperative, user: CurrentUser
    ) -> Any:
        form = await request.form()
        quantities = _per_product(form, "qty-")
        prices = _per_product(form, "price-")
        lines = [stockwork.ReceiptLine(pid, qty, prices.get(pid, "")) for pid, qty in quantities.items()]
        receipts = await stockwork.receive(db_session, cooperative.id, lines, user_id=user.id, note=form.get("note"))
        total = sum(r.total for r in receipts)
        flash(
            request,
            _("%(n)s jenis barang diterima; utang titip jual %(total)s.", n=len(receipts), total=rupiah(total)),
            "ok",
        )
        return Redirect(path=f"/staf/{cooperative.slug}/stok", status_code=303)

    @get("/{product_id:int}", name="staff_product_stock")
    async def product_stock(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        product_id: int,
    ) -> Any:
        return render(
            request,
            "staff/product_stock.html",
            cooperative=cooperative,
            nav="stok",
            ledger=await stockwork.product_ledger(db_session, cooperative.id, product_id),
            kinds=stockwork.adjustment_kinds(),
            reason_labels=stockwork.reason_labels(),
        )

    @post("/{product_id:int}/sesuaikan", name="staff_adjust", status_code=303)
    async def adjust(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        product_id: int,
        data: Annotated[AdjustForm, Form],
    ) -> Any:
        left = await stockwork.adjust(
            db_session,
            cooperative.id,
            product_id,
            kind=data.kind,
            quantity=data.quantity,
            user_id=user.id,
            note=data.note,
        )
        flash(request, _("Stok disesuaikan; sekarang %(n)s.", n=left), "ok")
        return Redirect(path=f"/staf/{cooperative.slug}/stok/{product_id}", status_code=303)

    @post("/{product_id:int}/batas", name="staff_threshold", status_code=303)
    async def threshold(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        product_id: int,
        data: Annotated[ThresholdForm, Form],
    ) -> Any:
        value = await stockwork.set_threshold(db_session, cooperative.id, product_id, data.threshold)
        flash(request, _("Batas stok menipis: %(n)s.", n=value), "ok")
        return Redirect(path=f"/staf/{cooperative.slug}/stok/{product_id}", status_code=303)
