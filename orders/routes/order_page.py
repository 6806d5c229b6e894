"""An order's own page (buyer through the secret link, or staff), its QRIS image, buyer actions and history."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from app import cooperatives
from app.auth import CurrentUser
from app.errors import DomainError, NotFound
from app.guards import requires_login
from app.i18n import _
from app.models import Cooperative
from app.web import flash, is_partial, render
from orders import cart as carts
from orders import qris, services, state
from orders.fulfilment.board import takes_cash_on_completion
from orders.models import Order
from orders.routes.common import Form, Token, order_path
from orders.schemas import BuyerForm, PaymentForm


def _order_context(
    request: Request[Any, Any, Any], order: Order, cooperative: Cooperative, user: CurrentUser | None, token: str
) -> dict[str, Any]:
    """Everything the order page and its live status block show, for the buyer and for staff."""
    is_staff = user is not None and user.is_staff_of(order.cooperative_id)
    is_buyer = services.is_buyer(order, token, user)
    payable = order.status != state.OrderStatus.CANCELLED and order.payment_status == state.PaymentStatus.UNPAID
    qris_svg = None
    if payable and order.payment_method == "qris" and cooperative.accepts_qris:
        qris_svg = qris.qr_svg(services.qris_for_order(order, cooperative).payload, label=f"QRIS {order.number}")
    base = str(request.base_url).rstrip("/")
    next_steps = state.next_steps(order.status, order.fulfilment)
    return {
        "cooperative": cooperative,
        "order": order,
        "token": token,
        "is_staff": is_staff,
        "is_buyer": is_buyer,
        "is_final": state.is_final(order.status),
        "payable": payable,
        "qris_svg": qris_svg,
        "payment_label": services.payment_label(order),
        "buyer_can_cancel": is_buyer and order.status == state.OrderStatus.PLACED,
        "buyer_whatsapp": services.buyer_whatsapp_url(order, cooperative),
        "staff_whatsapp": services.staff_whatsapp_url(order, cooperative, base + order_path(order))
        if is_staff
        else None,
        "staff_targets": state.allowed_targets(order.status, "staff", order.fulfilment) if is_staff else [],
        # The next step is a courier run's (out for delivery): staff are sent to the board to pick a courier.
        "courier_step": is_staff and any(state.needs_courier_run(step) for step in next_steps),
        "takes_cash": is_staff and takes_cash_on_completion(order),
        "version": page_version(order),
        "action_labels": state.ACTION_LABELS,
        "fulfilments": state.FULFILMENT_LABELS,
        "payment_methods": state.PAYMENT_METHOD_LABELS,
    }


async def _viewed(
    db_session: AsyncSession, number: str, token: str | None, user: CurrentUser | None
) -> tuple[Order, Cooperative]:
    """The order this buyer (by the secret link or their account) or staff member may see, and its cooperative."""
    order = await services.get_order_for_viewer(db_session, number, token, user)
    return order, await cooperatives.get_cooperative_by_id(db_session, order.cooperative_id)


def page_version(order: Order) -> str:
    """What the live status block shows, in one word: it changes only with the order's or the payment's state."""
    return f"{order.status}.{order.payment_status}"


async def order_page_response(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    number: str,
    user: CurrentUser | None,
    token: str | None,
    *,
    is_new: bool = False,
    refused: DomainError | None = None,
    typed: PaymentForm | None = None,
) -> Any:
    """The order page; after a refused payment form, with its error and what staff typed."""
    order, cooperative = await _viewed(db_session, number, token, user)
    return render(
        request,
        "orders/order.html",
        "order_status",
        status_code=refused.status_code if refused else 200,
        is_new=is_new,
        pay_errors=refused.field_errors if refused else {},
        pay_error=refused.message if refused else None,
        pay_typed=typed,
        **_order_context(request, order, cooperative, user, token or ""),
    )


class OrderPageController(Controller):
    include_in_schema = False

    @get("/pesanan/{number:str}", name="order")
    async def order_page(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        number: str,
        user: CurrentUser | None,
        token: Token = None,
        baru: Annotated[str | None, Parameter(query="baru", max_length=2)] = None,
        versi: Annotated[str | None, Parameter(query="versi", max_length=40)] = None,
    ) -> Any:
        if versi and is_partial(request):
            # The live block asks with the state it shows: unchanged, it gets nothing (not the QR again).
            order = await services.get_order_for_viewer(db_session, number, token, user)
            if versi == page_version(order):
                return Response(b"", status_code=204, headers={"Vary": "HX-Request"})
        return await order_page_response(request, db_session, number, user, token, is_new=bool(baru))

    @get("/pesanan/{number:str}/qris.png", name="order_qris_png")
    async def order_qris_png(
        self, db_session: AsyncSession, number: str, user: CurrentUser | None, token: Token = None
    ) -> Response[bytes]:
        order, cooperative = await _viewed(db_session, number, token, user)
        payload = services.qris_for_order(order, cooperative).payload
        return Response(
            qris.qr_png(payload),
            media_type="image/png",
            headers={
                "Content-Disposition": f'inline; filename="QRIS-{order.number}.png"',
                "Cache-Control": "private, no-store",
            },
        )

    @post("/pesanan/{number:str}/batal", name="order_cancel", status_code=303)
    async def cancel(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        number: str,
        data: Annotated[BuyerForm, Form],
        user: CurrentUser | None,
    ) -> Any:
        order = await services.get_order_for_viewer(db_session, number, data.token or None, user)
        if not services.is_buyer(order, data.token or None, user):
            raise NotFound(_("Pesanan tidak ditemukan. Periksa nomor pesanan."))
        await services.transition(db_session, order, state.OrderStatus.CANCELLED, user, role="buyer")
        message = _("Pesanan %(number)s dibatalkan. Stok sudah dikembalikan ke koperasi.", number=order.number)
        flash(request, message, "ok")
        suffix = f"?token={data.token}" if data.token else ""
        return Redirect(path=f"/pesanan/{order.number}{suffix}", status_code=303)

    @post("/pesanan/{number:str}/beli-lagi", name="order_again", status_code=303)
    async def buy_again(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        number: str,
        data: Annotated[BuyerForm, Form],
        user: CurrentUser | None,
    ) -> Any:
        order, cooperative = await _viewed(db_session, number, data.token or None, user)
        result = await carts.reorder(request, db_session, order, cooperative.slug)
        flash(request, result.message, "ok" if result.added or result.reduced else "info")
        return Redirect(path=f"/k/{cooperative.slug}/keranjang", status_code=303)

    @get("/akun/pesanan", name="order_history", guards=[requires_login])
    async def history(self, request: Request[Any, Any, Any], db_session: AsyncSession, user: CurrentUser) -> Any:
        orders = await services.list_orders_for_buyer(db_session, user)
        names = {c.id: c.short_name for c in await cooperatives.list_cooperatives(db_session, open_only=False)}
        return render(
            request,
            "orders/history.html",
            orders=orders,
            cooperative_names=names,
        )
