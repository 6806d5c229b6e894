"""Fulfilment pages under /staf/<cooperative>: the order board, picking and slips, delivery runs, cash hand-in."""

from __future__ import annotations

import datetime
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode, urlsplit

from litestar import Request, Response, get, post
from litestar.exceptions import PermissionDeniedException
from litestar.params import Parameter
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import CurrentUser
from app.clock import local_today
from app.csv import csv_response, csv_text
from app.db import roll_back
from app.errors import InvalidInput
from app.forms import parse_date, raise_errors
from app.guards import StaffController, is_kurir, requires_courier, requires_staff
from app.i18n import _
from app.models import Cooperative
from app.text import rupiah
from app.web import flash, is_partial, render
from orders import services, state
from orders.fulfilment import board as boards
from orders.fulfilment import cash, delivery, picking
from orders.fulfilment.board import BoardFilters
from orders.fulfilment.common import check_selection, clean_numbers
from orders.routes.common import Form, back_to
from orders.schemas import CourierForm, DeliveredForm, ReconcileForm, StatusForm

Numbers = Annotated[list[str] | None, Parameter(query="pilih")]
Day = Annotated[str | None, Parameter(query="tanggal", max_length=10)]


def _day(value: str | None) -> datetime.date | None:
    errors: dict[str, str] = {}
    day = parse_date(value, "tanggal", _("Tanggal"), errors)
    raise_errors(errors)
    return day


def _date_or_today(cooperative: Cooperative, value: str | None) -> datetime.date:
    return _day(value) or local_today(cooperative)


def _selection(tanggal: str | None, pilih: list[str] | None) -> tuple[datetime.date | None, list[str]]:
    """The day and order numbers a pick list or the packing slips are asked for."""
    return _day(tanggal), clean_numbers(pilih or [])


async def _form_numbers(request: Request[Any, Any, Any]) -> tuple[list[str], dict[str, str]]:
    form = await request.form()
    numbers = clean_numbers(form.getall("pilih") if "pilih" in form else [])
    return numbers, {k: str(v) for k, v in form.items() if k != "pilih"}


# --- the board -------------------------------------------------------------------------------------------------


def _board_filters_from(request: Request[Any, Any, Any]) -> BoardFilters:
    # After an htmx action the board re-renders with the filters the page shows (its current URL).
    query = urlsplit(request.headers.get("hx-current-url") or request.headers.get("referer") or "").query
    values = {k: v[0] for k, v in parse_qs(query).items() if v}
    try:
        return boards.parse_filters(
            **{k: values.get(k, "") for k in ("tanggal", "cara", "dusun", "bayar", "q", "status", "semua")}
        )
    except InvalidInput:
        return BoardFilters()


class BoardController(StaffController):
    @get("/pesanan", name="staff_board")
    async def board(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        tanggal: Day = None,
        cara: Annotated[str | None, Parameter(query="cara", max_length=16)] = None,
        dusun: Annotated[str | None, Parameter(query="dusun", max_length=120)] = None,
        bayar: Annotated[str | None, Parameter(query="bayar", max_length=16)] = None,
        q: Annotated[str | None, Parameter(query="q", max_length=40)] = None,
        status: Annotated[str | None, Parameter(query="status", max_length=24)] = None,
        semua: Annotated[str | None, Parameter(query="semua", max_length=2)] = None,
    ) -> Any:
        filters = boards.parse_filters(
            tanggal=tanggal, cara=cara, dusun=dusun, bayar=bayar, q=q, status=status, semua=semua
        )
        return self._board_page(request, cooperative, await boards.load_board(db_session, cooperative, filters))

    @staticmethod
    def _board_page(
        request: Request[Any, Any, Any], cooperative: Cooperative, board: boards.Board, moved: str = ""
    ) -> Any:
        return render(
            request,
            "staff/board.html",
            "board",
            cooperative=cooperative,
            nav="pesanan",
            board=board,
            fulfilments=services.FULFILMENTS,
            payment_filters=boards.PAYMENT_FILTERS,
            bulk_actions=boards.BULK_ACTIONS,
            action_labels=state.ACTION_LABELS,
            next_steps=state.next_steps,
            cash_to_collect=cash.cash_to_collect,
            takes_cash=boards.takes_cash_on_completion,
            lunas_offer=boards.lunas_offer,
            staff_whatsapp=services.staff_whatsapp_url,
            moved=moved,
        )

    async def _after_action(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, cooperative: Cooperative, moved: str = ""
    ) -> Any:
        """An htmx action gets the board again, as the page shows it; a plain form post goes back.

        `moved` names the order a step just moved to another column: its card is marked so that the
        phone, where the columns scroll sideways, brings it into view (app.js)."""
        if is_partial(request):
            board = await boards.load_board(db_session, cooperative, _board_filters_from(request))
            return self._board_page(request, cooperative, board, moved)
        return Redirect(path=back_to(request, f"/staf/{cooperative.slug}/pesanan"), status_code=303)

    @post("/pesanan/{number:str}/langkah", name="staff_step", status_code=303)
    async def step(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        number: str,
        data: Annotated[StatusForm, Form],
        user: CurrentUser,
    ) -> Any:
        """One staff step for an order, from the board, a run sheet or the order's own page (with a note)."""
        order, taken = await boards.take_step(db_session, cooperative, user, number, data.to[:24], data.note or None)
        paid = _(" Tunai %(amount)s diterima.", amount=rupiah(taken)) if taken else ""
        status = state.status_label(order.status)
        flash(request, _("Pesanan %(number)s: %(status)s.", number=order.number, status=status) + paid, "ok")
        return await self._after_action(request, db_session, cooperative, moved=order.number)

    @post("/pesanan/aksi", name="staff_bulk", status_code=303)
    async def bulk(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, cooperative: Cooperative, user: CurrentUser
    ) -> Any:
        numbers, form = await _form_numbers(request)
        action = form.get("aksi", "")[:16]
        if action in {"ambil", "slip"}:
            # Views of a selection are GET pages; the selection travels in the query, never the CSRF token.
            await check_selection(db_session, cooperative, numbers)
            return Redirect(path=f"/staf/{cooperative.slug}/{action}?" + urlencode({"pilih": numbers}, doseq=True))
        result = await boards.bulk_action(db_session, cooperative, user, numbers, action, courier=form.get("kurir", ""))
        verb = {"confirm": _("dikonfirmasi"), "pack": _("ditandai dikemas"), "assign": _("diserahkan ke kurir")}[action]
        flash(request, result.message(verb), "ok" if result.done else "error")
        return await self._after_action(request, db_session, cooperative)


# --- pick list and packing slips ---------------------------------------------------------------------------------


class PickingController(StaffController):
    @staticmethod
    async def _pick(
        db_session: AsyncSession, cooperative: Cooperative, tanggal: str | None, pilih: list[str] | None
    ) -> picking.PickList:
        day, numbers = _selection(tanggal, pilih)
        return await picking.pick_list(db_session, cooperative, day=day, numbers=numbers)

    @get("/ambil", name="staff_pick_list")
    async def pick_list(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        tanggal: Day = None,
        pilih: Numbers = None,
    ) -> Any:
        pick = await self._pick(db_session, cooperative, tanggal, pilih)
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
        cooperative: Cooperative,
        tanggal: Day = None,
        pilih: Numbers = None,
    ) -> Response[str]:
        pick = await self._pick(db_session, cooperative, tanggal, pilih)
        text = csv_text([_(header) for header in picking.PICK_CSV_HEADERS], picking.pick_list_rows(pick))
        day = (pick.day or local_today(cooperative)).isoformat()
        return csv_response(text, f"{cooperative.slug}-daftar-ambil-{day}.csv")

    @get("/slip", name="staff_slips")
    async def slips(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        tanggal: Day = None,
        ukuran: Annotated[str | None, Parameter(query="ukuran", max_length=4)] = None,
        pilih: Numbers = None,
    ) -> Any:
        day, numbers = _selection(tanggal, pilih)
        orders = await picking.packing_slips(db_session, cooperative, day=day, numbers=numbers)
        return render(
            request,
            "staff/slips.html",
            cooperative=cooperative,
            nav="ambil",
            orders=orders,
            size="a4" if ukuran == "a4" else "a6",
            fulfilments=services.FULFILMENTS,
            payment_methods=services.PAYMENT_METHODS,
            cash_to_collect=cash.cash_to_collect,
            query=urlencode({"tanggal": tanggal or "", "pilih": numbers}, doseq=True),
            selected=bool(numbers),
        )


# --- couriers, delivery runs, run sheets -------------------------------------------------------------------------

# No courier row has this id: a kurir never sent out yet sees no runs and no hand-ins.
_NO_COURIER = 0


async def _own_courier(
    request: Request[Any, Any, Any], db_session: AsyncSession, cooperative: Cooperative, user: CurrentUser
) -> int | None:
    """For a kurir, the id of their own courier row (their runs and hand-ins only); None for staff (all)."""
    if not is_kurir(request):
        return None
    courier = await delivery.courier_of_user(db_session, cooperative, user.id)
    return courier.id if courier else _NO_COURIER


class DeliveryController(StaffController):
    """Runs and run sheets: staff see and assign all; a kurir sees and works only their own runs."""

    guards = [requires_courier]

    @staticmethod
    async def _check_run(
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        run_id: int,
    ) -> None:
        own = await _own_courier(request, db_session, cooperative, user)
        if own is not None and (await delivery.get_run(db_session, cooperative, run_id)).courier_id != own:
            raise PermissionDeniedException(_(delivery.NOT_YOUR_RUN))

    @get("/antar", name="staff_runs")
    async def runs(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        tanggal: Day = None,
    ) -> Any:
        day = _date_or_today(cooperative, tanggal)
        own = await _own_courier(request, db_session, cooperative, user)
        runs = await delivery.runs_of_day(db_session, cooperative, day, courier_id=own)
        if own is not None:
            return render(
                request, "staff/runs.html", cooperative=cooperative, nav="antar", day=day, runs=runs, kurir=True
            )
        ready = await boards.load_board(
            db_session, cooperative, BoardFilters(cara="delivery", status=state.OrderStatus.PACKED, semua=True)
        )
        return render(
            request,
            "staff/runs.html",
            cooperative=cooperative,
            nav="antar",
            day=day,
            runs=runs,
            ready=ready.columns[0].orders if ready.columns else [],
            couriers=ready.couriers,
            cash_to_collect=cash.cash_to_collect,
            kurir=False,
        )

    @post("/antar", name="staff_assign", status_code=303, guards=[requires_staff])
    async def assign(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, cooperative: Cooperative, user: CurrentUser
    ) -> Any:
        numbers, form = await _form_numbers(request)
        result = await delivery.assign_to_courier(db_session, cooperative, user, numbers, form.get("kurir", ""))
        flash(request, result.message(_("diserahkan ke kurir")), "ok" if result.done else "error")
        if result.done and result.run_id:
            return Redirect(path=f"/staf/{cooperative.slug}/antar/{result.run_id}", status_code=303)
        return Redirect(path=back_to(request, f"/staf/{cooperative.slug}/antar"), status_code=303)

    @post("/kurir", name="staff_add_courier", status_code=303, guards=[requires_staff])
    async def add_courier(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        data: Annotated[CourierForm, Form],
    ) -> Any:
        courier = await delivery.add_courier(db_session, cooperative, data)
        flash(request, _("Kurir %(name)s ditambahkan.", name=courier.name), "ok")
        return Redirect(path=back_to(request, f"/staf/{cooperative.slug}/antar"), status_code=303)

    @get("/antar/{run_id:int}", name="staff_run_sheet")
    async def run_sheet(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        run_id: int,
    ) -> Any:
        await self._check_run(request, db_session, cooperative, user, run_id)
        return self._run_page(request, cooperative, await delivery.run_sheet(db_session, cooperative, run_id))

    @staticmethod
    def _run_page(request: Request[Any, Any, Any], cooperative: Cooperative, sheet: delivery.RunSheet) -> Any:
        return render(
            request,
            "staff/run.html",
            "sheet",
            cooperative=cooperative,
            nav="antar",
            sheet=sheet,
            cash_to_collect=cash.cash_to_collect,
            wa=services.staff_whatsapp_url,
        )

    async def _after_stop(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, cooperative: Cooperative, run_id: int
    ) -> Any:
        if is_partial(request):
            return self._run_page(request, cooperative, await delivery.run_sheet(db_session, cooperative, run_id))
        return Redirect(path=f"/staf/{cooperative.slug}/antar/{run_id}", status_code=303)

    @post("/antar/{run_id:int}/{number:str}/terkirim", name="staff_delivered", status_code=303)
    async def delivered(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        run_id: int,
        number: str,
        data: Annotated[DeliveredForm, Form],
        user: CurrentUser,
    ) -> Any:
        stop = await delivery.mark_delivered(db_session, cooperative, user, run_id, number, cash=bool(data.tunai))
        flash(request, _("Pesanan %(number)s terkirim.", number=stop.order.number), "ok")
        return await self._after_stop(request, db_session, cooperative, run_id)

    @post("/antar/{run_id:int}/{number:str}/tunai", name="staff_cash_collected", status_code=303)
    async def cash_collected(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        run_id: int,
        number: str,
        user: CurrentUser,
    ) -> Any:
        stop = await delivery.collect_cash(db_session, cooperative, user, run_id, number)
        flash(request, _("Uang pesanan %(number)s diterima kurir.", number=stop.order.number), "ok")
        return await self._after_stop(request, db_session, cooperative, run_id)


# --- the courier's cash hand-in ---------------------------------------------------------------------------------


class CashController(StaffController):
    """The hand-in: a kurir sees what they owe and handed in; staff record what they received (never the kurir)."""

    guards = [requires_courier]

    @get("/setoran", name="staff_cash_day")
    async def cash_day(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        tanggal: Day = None,
    ) -> Any:
        return await self._cash_page(request, db_session, cooperative, user, _date_or_today(cooperative, tanggal))

    @staticmethod
    async def _cash_page(
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        day: datetime.date,
        *,
        refused: InvalidInput | None = None,
        typed: ReconcileForm | None = None,
    ) -> Any:
        own = await _own_courier(request, db_session, cooperative, user)
        return render(
            request,
            "staff/cash.html",
            status_code=refused.status_code if refused else 200,
            cooperative=cooperative,
            nav="setoran",
            cash=await cash.cash_day(db_session, cooperative, day, courier_id=own),
            month=await cash.cash_differences(db_session, cooperative.id, day.year, day.month, courier_id=own),
            kurir=own is not None,
            typed=typed,
            errors=refused.field_errors if refused else {},
            error=refused.message if refused else None,
        )

    @post("/setoran", name="staff_reconcile", status_code=303, guards=[requires_staff])
    async def reconcile(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        data: Annotated[ReconcileForm, Form],
        user: CurrentUser,
    ) -> Any:
        try:
            record = await cash.reconcile(db_session, cooperative, user, data)
        except InvalidInput as refused:
            # The form again with its error and what was typed, instead of an error page.
            await roll_back(db_session, cooperative)
            day = parse_date(data.tanggal, "tanggal", _("Tanggal"), {}) or local_today(cooperative)
            return await self._cash_page(request, db_session, cooperative, user, day, refused=refused, typed=data)
        if record.difference:
            message = _(
                "Setoran %(name)s dicatat dengan selisih %(amount)s.",
                name=record.courier_name,
                amount=rupiah(record.difference),
            )
            flash(request, message, "error")
        else:
            message = _("Setoran %(name)s cocok: %(amount)s.", name=record.courier_name, amount=rupiah(record.received))
            flash(request, message, "ok")
        return Redirect(
            path=f"/staf/{cooperative.slug}/setoran?tanggal={record.business_date.isoformat()}", status_code=303
        )
