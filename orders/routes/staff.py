"""Staff payment on one order from its page, and the staff URLs from before they named the cooperative."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import CurrentUser
from app.guards import provide_cooperative, requires_staff, staff_entry
from app.models import Cooperative
from app.web import flash
from orders import services, state
from orders.fulfilment.common import order_of
from orders.routes.common import Form
from orders.schemas import PaymentForm


class StaffPaymentController(Controller):
    """The order page's payment form; the order's steps go through the board's `…/langkah`."""

    path = "/staf/{slug:str}/pesanan"
    include_in_schema = False
    guards = [requires_staff]
    dependencies = {"cooperative": Provide(provide_cooperative)}

    @post("/{number:str}/pembayaran", name="staff_payment", status_code=303)
    async def staff_payment(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        number: str,
        data: Annotated[PaymentForm, Form],
    ) -> Any:
        order = await order_of(db_session, cooperative, number)
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


class StaffEntryController(Controller):
    """`/staf` and bookmarks of the old catalog and settings pages: on to the cooperative's own URL.

    Staff of one cooperative go straight there, staff of several choose (`app.guards.staff_entry`).
    """

    path = "/staf"
    include_in_schema = False

    @get("/", name="staff_entry")
    async def entry(self, request: Request[Any, Any, Any]) -> Response[Any]:
        return await staff_entry(request, "")

    @get("/produk", name="staff_products_entry")
    async def products(self, request: Request[Any, Any, Any]) -> Response[Any]:
        return await staff_entry(request, "produk")

    @get("/produk/{product_id:int}", name="staff_product_entry")
    async def product(self, request: Request[Any, Any, Any], product_id: int) -> Response[Any]:
        return await staff_entry(request, f"produk/{product_id}")

    @get("/pengaturan", name="staff_settings_entry")
    async def settings(self, request: Request[Any, Any, Any]) -> Response[Any]:
        return await staff_entry(request, "pengaturan")


# app/asgi.py registers this name; it stands for the two controllers until asgi lists them itself.
