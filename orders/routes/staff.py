"""Staff actions on one order from its page (status step, payment), and the way into the staff area."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from app import cooperatives
from app.auth import CurrentUser, require_staff
from app.web import flash, render
from orders import services, state
from orders.routes.common import Form
from orders.schemas import PaymentForm, StatusForm


class StaffOrderController(Controller):
    path = "/staf"
    include_in_schema = False

    @get("/", name="staff_orders")
    async def staff_orders(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, user: CurrentUser | None
    ) -> Any:
        if user is None:
            return Redirect(path="/masuk?lanjut=/staf", status_code=303)
        ids = user.staff_cooperative_ids
        if len(ids) == 1:
            cooperative = await cooperatives.get_cooperative_by_id(db_session, ids[0])
            return Redirect(path=f"/staf/{cooperative.slug}/pesanan", status_code=303)
        # Several cooperatives (or none): let the person choose; the board itself is per cooperative.
        choices = [await cooperatives.get_cooperative_by_id(db_session, cid) for cid in ids]
        return render(
            request,
            "staff/choose.html",
            status_code=200 if choices else 403,
            cooperative=None,
            choices=choices,
        )

    @post("/pesanan/{number:str}/status", name="staff_transition", status_code=303)
    async def staff_transition(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        number: str,
        data: Annotated[StatusForm, Form],
        user: CurrentUser | None,
    ) -> Any:
        order = await services.get_order(db_session, number[:24])
        cooperative = await cooperatives.get_cooperative_by_id(db_session, order.cooperative_id)
        staff = require_staff(user, cooperative)
        await services.transition(db_session, order, data.to, staff, role="staff", note=data.note or None)
        flash(request, f"Pesanan {order.number}: {state.status_label(order.status)}.", "ok")
        return Redirect(path=request.headers.get("referer") or "/staf", status_code=303)

    @post("/pesanan/{number:str}/pembayaran", name="staff_payment", status_code=303)
    async def staff_payment(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        number: str,
        data: Annotated[PaymentForm, Form],
        user: CurrentUser | None,
    ) -> Any:
        order = await services.get_order_for_staff(db_session, number, user)
        await services.record_payment(
            db_session,
            order,
            data.status,
            user,
            method=data.method or None,
            reference=data.reference or None,
            note=data.note or None,
        )
        label = state.payment_status_label(order.payment_status)
        flash(request, f"Pesanan {order.number}: pembayaran {label.lower()}.", "ok")
        return Redirect(path=f"/pesanan/{order.number}", status_code=303)
