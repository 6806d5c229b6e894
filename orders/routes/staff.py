"""Staff payment on one order from its page, and the staff URLs from before they named the cooperative."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, post
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import CurrentUser
from app.db import roll_back
from app.errors import InvalidInput
from app.guards import StaffController, old_staff_url
from app.i18n import _
from app.models import Cooperative
from app.web import flash
from orders import services, state
from orders.fulfilment.common import order_of
from orders.routes.common import Form, back_to
from orders.routes.order_page import order_page_response
from orders.schemas import PaymentForm


class StaffPaymentController(StaffController):
    """The order page's payment form; the order's steps go through the board's `…/langkah`."""

    path = "/staf/{slug:str}/pesanan"

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
        try:
            await services.record_payment(
                db_session,
                order,
                data.status,
                user,
                method=data.method or None,
                reference=data.reference or None,
                note=data.note or None,
            )
        except InvalidInput as refused:
            # The order page again with the error by the field and what was typed, not an error page.
            await roll_back(db_session, cooperative, order)
            return await order_page_response(request, db_session, order.number, user, None, refused=refused, typed=data)
        label = state.payment_status_label(order.payment_status)
        flash(request, _("Pesanan %(number)s: pembayaran %(status)s.", number=order.number, status=label.lower()), "ok")
        # "Lunas" on the board goes back to the board; the order page's form back to the order page.
        return Redirect(path=back_to(request, f"/pesanan/{order.number}"), status_code=303)


class StaffEntryController(Controller):
    """`/staf` and bookmarks of the old catalog and settings pages: on to the cooperative's own URL.

    Staff of one cooperative go straight there, staff of several choose (`app.guards.staff_entry`).
    """

    path = "/staf"
    include_in_schema = False

    entry = old_staff_url("/", "", name="staff_entry")
    products = old_staff_url("/produk", "produk", name="staff_products_entry")
    product = old_staff_url("/produk/{product_id:int}", "produk/{product_id}", name="staff_product_entry")
    settings = old_staff_url("/pengaturan", "pengaturan", name="staff_settings_entry")


# app/asgi.py registers this name; it stands for the two controllers until asgi lists them itself.
