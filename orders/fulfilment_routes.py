"""The staff area under /staf/<cooperative>: board, pick list, slips, delivery runs, cash, stock, reports."""

from __future__ import annotations

import datetime
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode, urlsplit

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import CurrentUser, session_user_id
from app.errors import InvalidInput, NotFound
from app.models import Cooperative
from app.text import is_digits, rupiah
from app.web import flash, is_partial, render
from catalog import stock as stockwork
from orders import fulfilment, reports, services, state
from orders.fulfilment import BoardFilters

Form = Body(media_type=RequestEncodingType.URL_ENCODED)
Text = Annotated[str | None, Parameter(max_length=200)]
Numbers = Annotated[list[str] | None, Parameter(query="pilih")]


class StepForm(msgspec.Struct):
    to: str = ""


class CourierForm(msgspec.Struct):
    name: str = ""
    phone: str = ""


class DeliveredForm(msgspec.Struct):
    tunai: str = ""


class ReconcileForm(msgspec.Struct):
    kurir: str = ""
    tanggal: str = ""
    received: str = ""
    note: str = ""


class AdjustForm(msgspec.Struct):
    kind: str = ""
    quantity: str = ""
    note: str = ""


class ThresholdForm(msgspec.Struct):
    threshold: str = ""


async def login_first(request: Request[Any, Any, Any]) -> Redirect | None:
    """Pages ask a visitor to log in first; actions just answer 403 (require_staff)."""
    if request.method == "GET" and session_user_id(request) is None:
        return Redirect(path="/masuk?" + urlencode({"lanjut": request.url.path}), status_code=303)
    return None


def _back(request: Request[Any, Any, Any], fallback: str) -> str:
    """Where a plain form post returns to: the page it came from, if it is ours."""
    referer = request.headers.get("referer") or ""
    parts = urlsplit(referer)
    if parts.netloc and parts.netloc != request.headers.get("host", ""):
        return fallback
    if parts.path.startswith("/staf/"):
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return fallback


def _board_filters_from(request: Request[Any, Any, Any]) -> BoardFilters:
    # After an htmx action the board re-renders with the filters the page shows (its current URL).
    query = urlsplit(request.headers.get("hx-current-url") or request.headers.get("referer") or "").query
    values = {k: v[0] for k, v in parse_qs(query).items() if v}
    try:
        return fulfilment.parse_filters(
            **{k: values.get(k, "") for k in ("tanggal", "cara", "dusun", "bayar", "q", "status", "semua")}
        )
    except InvalidInput:
        return BoardFilters()


def _date_or_today(cooperative: Cooperative, value: str | None, field_name: str = "tanggal") -> datetime.date:
    errors: dict[str, str] = {}
    day = fulfilment.parse_date(value, field_name, "Tanggal", errors)
    if errors:
        raise InvalidInput(next(iter(errors.values())), field_errors=errors)
    return day or fulfilment.local_today(cooperative)


async def _form_numbers(request: Request[Any, Any, Any]) -> tuple[list[str], dict[str, str]]:
    form = await request.form()
    numbers = fulfilment.clean_numbers(form.getall("pilih") if "pilih" in form else [])
    return numbers, {k: str(v) for k, v in form.items() if k != "pilih"}


class StaffAreaController(Controller):
    path = "/staf/{slug:str}"
    include_in_schema = False
    # Litestar un-binds hook functions set on a controller class; mypy sees a method.
    before_request = login_first  # type: ignore[assignment]

    # --- dashboard and board ---------------------------------------------------------------------------

    @get("/", name="staff_dashboard")
    async def dashboard(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str, user: CurrentUser | None
    ) -> Any:
        cooperative, _ = await fulfilment.staff_cooperative(db_session, user, slug)
        return render(
            request,
            "staff/dashboard.html",
            cooperative=cooperative,
            nav="ringkasan",
            dash=await reports.dashboard(db_session, cooperative),
        )

    @get("/pesanan", name="staff_board")
    async def board(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        slug: str,
        user: CurrentUser | None,
        tanggal: Annotated[str | None, Parameter(query="tanggal", max_length=10)] = None,
        cara: Annotated[str | None, Parameter(query="cara", max_length=16)] = None,
        dusun: Annotated[str | None, Parameter(query="dusun", max_length=120)] = None,
        bayar: Annotated[str | None, Parameter(query="bayar", max_length=16)] = None,
        q: Annotated[str | None, Parameter(query="q", max_length=40)] = None,
        status: Annotated[str | None, Parameter(query="status", max_length=24)] = None,
        semua: Annotated[str | None, Parameter(query="semua", max_length=2)] = None,
    ) -> Any:
        cooperative, _ = await fulfilment.staff_cooperative(db_session, user, slug)
        filters = fulfilment.parse_filters(
            tanggal=tanggal, cara=cara, dusun=dusun, bayar=bayar, q=q, status=status, semua=semua
        )
        return self._board_page(request, cooperative, await fulfilment.load_board(db_session, cooperative, filters))

    @staticmethod
    def _board_page(request: Request[Any, Any, Any], cooperative: Cooperative, board: fulfilment.Board) -> Any:
        return render(
            request,
            "staff/board.html",
            "board",
            cooperative=cooperative,
            nav="pesanan",
            board=board,
            fulfilments=services.FULFILMENTS,
            payment_filters=fulfilment.PAYMENT_FILTERS,
            bulk_actions=fulfilment.BULK_ACTIONS,
            action_labels=state.ACTION_LABELS,
            next_steps=state.next_steps,
            cash_to_collect=fulfilment.cash_to_collect,
            staff_whatsapp=services.staff_whatsapp_url,
        )

    @post("/pesanan/{number:str}/langkah", name="staff_step", status_code=303)
    async def step(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        slug: str,
        number: str,
        data: Annotated[StepForm, Form],
        user: CurrentUser | None,
    ) -> Any:
        cooperative, staff = await fulfilment.staff_cooperative(db_session, user, slug)
        order = await fulfilment.order_of(db_session, cooperative, number)
        await services.transition(db_session, order, data.to[:24], staff, role="staff")
        label = state.LABELS.get(state.OrderStatus(order.status), order.status)
        if is_partial(request):
            board = await fulfilment.load_board(db_session, cooperative, _board_filters_from(request))
            flash(request, f"Pesanan {order.number}: {label}.", "ok")
            return self._board_page(request, cooperative, board)
        flash(request, f"Pesanan {order.number}: {label}.", "ok")
        return Redirect(path=_back(request, f"/staf/{cooperative.slug}/pesanan"), status_code=303)

    @post("/pesanan/aksi", name="staff_bulk", status_code=303)
    async def bulk(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str, user: CurrentUser | None
    ) -> Any:
        cooperative, staff = await fulfilment.staff_cooperative(db_session, user, slug)
        numbers, form = await _form_numbers(request)
        action = form.get("aksi", "")[:16]
        if action in {"ambil", "slip"}:
            # Views of a selection are GET pages; the selection travels in the query, never the CSRF token.
            target = "ambil" if action == "ambil" else "slip"
            await fulfilment.check_selection(db_session, cooperative, numbers)
            return Redirect(path=f"/staf/{cooperative.slug}/{target}?" + urlencode({"pilih": numbers}, doseq=True))
        result = await fulfilment.bulk_action(
            db_session, cooperative, staff, numbers, action, courier=form.get("kurir", "")
        )
        verb = {"confirm": "dikonfirmasi", "pack": "ditandai dikemas", "assign": "diserahkan ke kurir"}[action]
        flash(request, result.message(verb), "ok" if result.done else "error")
        if is_partial(request):
            board = await fulfilment.load_board(db_session, cooperative, _board_filters_from(request))
            return self._board_page(request, cooperative, board)
        return Redirect(path=_back(request, f"/staf/{cooperative.slug}/pesanan"), status_code=303)

    # --- pick list and packing slips --------------------------------------------------------------------

    async def _pick(
        self,
        db_session: AsyncSession,
        slug: str,
        user: CurrentUser | None,
        tanggal: str | None,
        pilih: list[str] | None,
    ) -> tuple[Cooperative, fulfilment.PickList]:
        cooperative, _ = await fulfilment.staff_cooperative(db_session, user, slug)
        errors: dict[str, str] = {}
        day = fulfilment.parse_date(tanggal, "tanggal", "Tanggal", errors)
        if errors:
            raise InvalidInput(next(iter(errors.values())), field_errors=errors)
        numbers = fulfilment.clean_numbers(pilih or [])
        return cooperative, await fulfilment.pick_list(db_session, cooperative, day=day, numbers=numbers)

    @get("/ambil", name="staff_pick_list")
    async def pick_list(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        slug: str,
        user: CurrentUser | None,
        tanggal: Annotated[str | None, Parameter(query="tanggal", max_length=10)] = None,
        pilih: Numbers = None,
    ) -> Any:
        cooperative, pick = await self._pick(db_session, slug, user, tanggal, pilih)
        query = urlencode({"tanggal": tanggal or "", "pilih": pilih or []}, doseq=True)
        return render(
            request,
            "staff/picklist.html",
            cooperative=cooperative,
            nav="ambil",
            pick=pick,
            query=query,
            selected=bool(pilih),
        )

    @get("/ambil.csv", name="staff_pick_list_csv")
    async def pick_list_csv(
        self,
        db_session: AsyncSession,
        slug: str,
        user: CurrentUser | None,
        tanggal: Annotated[str | None, Parameter(query="tanggal", max_length=10)] = None,
        pilih: Numbers = None,
    ) -> Response[str]:
        cooperative, pick = await self._pick(db_session, slug, user, tanggal, pilih)
        text = reports.csv_text(fulfilment.PICK_CSV_HEADERS, fulfilment.pick_list_rows(pick))
        day = (pick.day or fulfilment.local_today(cooperative)).isoformat()
        return _csv(text, f"{cooperative.slug}-daftar-ambil-{day}.csv")

    @get("/slip", name="staff_slips")
    async def slips(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        slug: str,
        user: CurrentUser | None,
        tanggal: Annotated[str | None, Parameter(query="tanggal", max_length=10)] = None,
        ukuran: Annotated[str | None, Parameter(query="ukuran", max_length=4)] = None,
        pilih: Numbers = None,
    ) -> Any:
        cooperative, _ = await fulfilment.staff_cooperative(db_session, user, slug)
        errors: dict[str, str] = {}
        day = fulfilment.parse_date(tanggal, "tanggal", "Tanggal", errors)
        if errors:
            raise InvalidInput(next(iter(errors.values())), field_errors=errors)
        numbers = fulfilment.clean_numbers(pilih or [])
        orders = await fulfilment.packing_slips(db_session, cooperative, day=day, numbers=numbers)
        size = "a4" if ukuran == "a4" else "a6"
        return render(
            request,
            "staff/slips.html",
            cooperative=cooperative,
            nav="ambil",
            orders=orders,
            size=size,
            fulfilments=services.FULFILMENTS,
            payment_methods=services.PAYMENT_METHODS,
            cash_to_collect=fulfilment.cash_to_collect,
            query=urlencode({"tanggal": tanggal or "", "pilih": numbers}, doseq=True),
            selected=bool(numbers),
        )

    # --- couriers, delivery runs, run sheets ------------------------------------------------------------

    @get("/antar", name="staff_runs")
    async def runs(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        slug: str,
        user: CurrentUser | None,
        tanggal: Annotated[str | None, Parameter(query="tanggal", max_length=10)] = None,
    ) -> Any:
        cooperative, _ = await fulfilment.staff_cooperative(db_session, user, slug)
        day = _date_or_today(cooperative, tanggal)
        ready = await fulfilment.load_board(
            db_session, cooperative, BoardFilters(cara="delivery", status=state.OrderStatus.PACKED, semua=True)
        )
        return render(
            request,
            "staff/runs.html",
            cooperative=cooperative,
            nav="antar",
            day=day,
            runs=await fulfilment.runs_of_day(db_session, cooperative, day),
            ready=ready.columns[0].orders if ready.columns else [],
            couriers=ready.couriers,
            cash_to_collect=fulfilment.cash_to_collect,
        )

    @post("/antar", name="staff_assign", status_code=303)
    async def assign(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str, user: CurrentUser | None
    ) -> Any:
        cooperative, staff = await fulfilment.staff_cooperative(db_session, user, slug)
        numbers, form = await _form_numbers(request)
        result = await fulfilment.assign_to_courier(db_session, cooperative, staff, numbers, form.get("kurir", ""))
        flash(request, result.message("diserahkan ke kurir"), "ok" if result.done else "error")
        if result.done and result.run_id:
            return Redirect(path=f"/staf/{cooperative.slug}/antar/{result.run_id}", status_code=303)
        return Redirect(path=_back(request, f"/staf/{cooperative.slug}/antar"), status_code=303)

    @post("/kurir", name="staff_add_courier", status_code=303)
    async def add_courier(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        slug: str,
        data: Annotated[CourierForm, Form],
        user: CurrentUser | None,
    ) -> Any:
        cooperative, _ = await fulfilment.staff_cooperative(db_session, user, slug)
        courier = await fulfilment.add_courier(db_session, cooperative, data.name, data.phone)
        flash(request, f"Kurir {courier.name} ditambahkan.", "ok")
        return Redirect(path=_back(request, f"/staf/{cooperative.slug}/antar"), status_code=303)

    @get("/antar/{run_id:int}", name="staff_run_sheet")
    async def run_sheet(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        slug: str,
        run_id: int,
        user: CurrentUser | None,
    ) -> Any:
        cooperative, _ = await fulfilment.staff_cooperative(db_session, user, slug)
        return self._run_page(request, cooperative, await fulfilment.run_sheet(db_session, cooperative, run_id))

    @staticmethod
    def _run_page(request: Request[Any, Any, Any], cooperative: Cooperative, sheet: fulfilment.RunSheet) -> Any:
        return render(
            request,
            "staff/run.html",
            "sheet",
            cooperative=cooperative,
            nav="antar",
            sheet=sheet,
            cash_to_collect=fulfilment.cash_to_collect,
            wa=services.staff_whatsapp_url,
        )

    @post("/antar/{run_id:int}/{number:str}/terkirim", name="staff_delivered", status_code=303)
    async def delivered(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        slug: str,
        run_id: int,
        number: str,
        data: Annotated[DeliveredForm, Form],
        user: CurrentUser | None,
    ) -> Any:
        cooperative, staff = await fulfilment.staff_cooperative(db_session, user, slug)
        stop = await fulfilment.mark_delivered(db_session, cooperative, staff, run_id, number, cash=bool(data.tunai))
        flash(request, f"Pesanan {stop.order.number} terkirim.", "ok")
        if is_partial(request):
            return self._run_page(request, cooperative, await fulfilment.run_sheet(db_session, cooperative, run_id))
        return Redirect(path=f"/staf/{cooperative.slug}/antar/{run_id}", status_code=303)

    @post("/antar/{run_id:int}/{number:str}/tunai", name="staff_cash_collected", status_code=303)
    async def cash_collected(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        slug: str,
        run_id: int,
        number: str,
        user: CurrentUser | None,
    ) -> Any:
        cooperative, staff = await fulfilment.staff_cooperative(db_session, user, slug)
        stop = await fulfilment.collect_cash(db_session, cooperative, staff, run_id, number)
        flash(request, f"Uang pesanan {stop.order.number} diterima kurir.", "ok")
        if is_partial(request):
            return self._run_page(request, cooperative, await fulfilment.run_sheet(db_session, cooperative, run_id))
        return Redirect(path=f"/staf/{cooperative.slug}/antar/{run_id}", status_code=303)

    # --- cash hand-in ------------------------------------------------------------------------------------

    @get("/setoran", name="staff_cash_day")
    async def cash_day(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        slug: str,
        user: CurrentUser | None,
        tanggal: Annotated[str | None, Parameter(query="tanggal", max_length=10)] = None,
    ) -> Any:
        cooperative, _ = await fulfilment.staff_cooperative(db_session, user, slug)
        day = _date_or_today(cooperative, tanggal)
        return render(
            request,
            "staff/cash.html",
            cooperative=cooperative,
            nav="setoran",
            cash=await fulfilment.cash_day(db_session, cooperative, day),
            month=await fulfilment.cash_differences(db_session, cooperative.id, day.year, day.month),
        )

    @post("/setoran", name="staff_reconcile", status_code=303)
    async def reconcile(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        slug: str,
        data: Annotated[ReconcileForm, Form],
        user: CurrentUser | None,
    ) -> Any:
        cooperative, staff = await fulfilment.staff_cooperative(db_session, user, slug)
        record = await fulfilment.reconcile(
            db_session,
            cooperative,
            staff,
            courier_id=data.kurir,
            day=data.tanggal,
            received=data.received,
            note=data.note,
        )
        if record.difference:
            flash(
                request, f"Setoran {record.courier_name} dicatat dengan selisih {rupiah(record.difference)}.", "error"
            )
        else:
            flash(request, f"Setoran {record.courier_name} cocok: {rupiah(record.received)}.", "ok")
        return Redirect(
            path=f"/staf/{cooperative.slug}/setoran?tanggal={record.business_date.isoformat()}", status_code=303
        )

    # --- stock work -----------------------------------------------------------------------------------------

    @get("/stok", name="staff_stock")
    async def stock(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        slug: str,
        user: CurrentUser | None,
        q: Annotated[str | None, Parameter(query="q", max_length=80)] = None,
    ) -> Any:
        cooperative, _ = await fulfilment.staff_cooperative(db_session, user, slug)
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
            producers=await fulfilment.list_producers(db_session, cooperative),
            q=q or "",
        )

    @get("/stok/opname", name="staff_stocktake_sheet")
    async def stocktake_sheet(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        slug: str,
        user: CurrentUser | None,
        produsen: Annotated[int | None, Parameter(query="produsen", ge=1, le=10**12)] = None,
        q: Annotated[str | None, Parameter(query="q", max_length=80)] = None,
    ) -> Any:
        cooperative, _ = await fulfilment.staff_cooperative(db_session, user, slug)
        rows = await fulfilment.stocktake_sheet(db_session, cooperative, producer_id=produsen, q=q)
        return render(
            request,
            "staff/stocktake.html",
            cooperative=cooperative,
            nav="stok",
            rows=rows,
            producers=await fulfilment.list_producers(db_session, cooperative),
            produsen=produsen,
            q=q or "",
        )

    @post("/stok/opname", name="staff_stocktake", status_code=303)
    async def stocktake(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str, user: CurrentUser | None
    ) -> Any:
        cooperative, staff = await fulfilment.staff_cooperative(db_session, user, slug)
        form = await request.form()
        counts = _per_product(form, "count-")
        done = await fulfilment.record_stocktake(db_session, cooperative, staff, counts, form.get("note", ""))
        changed = [line for line in done.lines if line.difference]
        flash(
            request,
            f"Stok opname #{done.id}: {len(done.lines)} barang dihitung, "
            f"{len(changed)} berselisih dan sudah dibukukan.",
            "ok",
        )
        return Redirect(path=f"/staf/{cooperative.slug}/stok", status_code=303)

    @get("/stok/terima", name="staff_receive_sheet")
    async def receive_sheet(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        slug: str,
        user: CurrentUser | None,
        produsen: Annotated[int | None, Parameter(query="produsen", ge=1, le=10**12)] = None,
        produk: Annotated[int | None, Parameter(query="produk", ge=1, le=10**12)] = None,
    ) -> Any:
        cooperative, _ = await fulfilment.staff_cooperative(db_session, user, slug)
        producers = await fulfilment.list_producers(db_session, cooperative)
        if produk is not None:
            products = [await stockwork.product_of(db_session, cooperative.id, produk)]
        elif produsen is not None:
            if produsen not in {p.id for p in producers}:
                raise NotFound("Produsen tidak ditemukan di koperasi ini.")
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

    @post("/stok/terima", name="staff_receive", status_code=303)
    async def receive(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str, user: CurrentUser | None
    ) -> Any:
        cooperative, staff = await fulfilment.staff_cooperative(db_session, user, slug)
        form = await request.form()
        quantities = _per_product(form, "qty-")
        prices = _per_product(form, "price-")
        lines = [stockwork.ReceiptLine(pid, qty, prices.get(pid, "")) for pid, qty in quantities.items()]
        receipts = await stockwork.receive(db_session, cooperative.id, lines, user_id=staff.id, note=form.get("note"))
        total = sum(r.total for r in receipts)
        flash(request, f"{len(receipts)} jenis barang diterima; utang titip jual {rupiah(total)}.", "ok")
        return Redirect(path=f"/staf/{cooperative.slug}/stok", status_code=303)

    @get("/stok/{product_id:int}", name="staff_product_stock")
    async def product_stock(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        slug: str,
        product_id: int,
        user: CurrentUser | None,
    ) -> Any:
        cooperative, _ = await fulfilment.staff_cooperative(db_session, user, slug)
        return render(
            request,
            "staff/product_stock.html",
            cooperative=cooperative,
            nav="stok",
            ledger=await stockwork.product_ledger(db_session, cooperative.id, product_id),
            kinds=stockwork.ADJUSTMENT_KINDS,
            reason_labels=stockwork.REASON_LABELS,
        )

    @post("/stok/{product_id:int}/sesuaikan", name="staff_adjust", status_code=303)
    async def adjust(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        slug: str,
        product_id: int,
        data: Annotated[AdjustForm, Form],
        user: CurrentUser | None,
    ) -> Any:
        cooperative, staff = await fulfilment.staff_cooperative(db_session, user, slug)
        left = await stockwork.adjust(
            db_session,
            cooperative.id,
            product_id,
            kind=data.kind,
            quantity=data.quantity,
            user_id=staff.id,
            note=data.note,
        )
        flash(request, f"Stok disesuaikan; sekarang {left}.", "ok")
        return Redirect(path=f"/staf/{cooperative.slug}/stok/{product_id}", status_code=303)

    @post("/stok/{product_id:int}/batas", name="staff_threshold", status_code=303)
    async def threshold(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        slug: str,
        product_id: int,
        data: Annotated[ThresholdForm, Form],
        user: CurrentUser | None,
    ) -> Any:
        cooperative, _ = await fulfilment.staff_cooperative(db_session, user, slug)
        value = await stockwork.set_threshold(db_session, cooperative.id, product_id, data.threshold)
        flash(request, f"Batas stok menipis: {value}.", "ok")
        return Redirect(path=f"/staf/{cooperative.slug}/stok/{product_id}", status_code=303)

    # --- exports --------------------------------------------------------------------------------------------

    @get("/ekspor", name="staff_exports")
    async def exports(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        slug: str,
        user: CurrentUser | None,
        dari: Annotated[str | None, Parameter(query="dari", max_length=10)] = None,
        sampai: Annotated[str | None, Parameter(query="sampai", max_length=10)] = None,
    ) -> Any:
        cooperative, _ = await fulfilment.staff_cooperative(db_session, user, slug)
        period = reports.parse_range(cooperative, dari, sampai)
        return render(
            request,
            "staff/exports.html",
            cooperative=cooperative,
            nav="ekspor",
            period=period,
            exports=reports.EXPORTS,
            query=urlencode({"dari": period.first.isoformat(), "sampai": period.last.isoformat()}),
        )

    @get("/ekspor/{filename:str}", name="staff_export_csv")
    async def export_csv(
        self,
        db_session: AsyncSession,
        slug: str,
        filename: str,
        user: CurrentUser | None,
        dari: Annotated[str | None, Parameter(query="dari", max_length=10)] = None,
        sampai: Annotated[str | None, Parameter(query="sampai", max_length=10)] = None,
    ) -> Response[str]:
        cooperative, _ = await fulfilment.staff_cooperative(db_session, user, slug)
        if filename not in reports.EXPORTS:
            raise NotFound("Laporan itu tidak ada.")
        period = reports.parse_range(cooperative, dari, sampai)
        text = await reports.export_csv(db_session, cooperative, filename, period)
        return _csv(text, f"{cooperative.slug}-{filename.removesuffix('.csv')}-{period.label}.csv")


def _csv(text: str, filename: str) -> Response[str]:
    return Response(
        content=text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


def _per_product(form: Any, prefix: str) -> dict[int, object]:
    values: dict[int, object] = {}
    for key, value in form.items():
        suffix = key[len(prefix) :] if key.startswith(prefix) else ""
        if is_digits(suffix) and len(suffix) <= 12:
            values[int(suffix)] = value
        if len(values) > 2000:
            raise InvalidInput("Terlalu banyak baris dalam satu formulir.")
    return values
