"""The orders JSON API: place, read, move, cancel and pay orders; the cooperative's QRIS."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post, put
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from app import cooperatives
from app.auth import CurrentUser, require_user
from app.errors import NotFound
from app.i18n import _
from app.models import Cooperative
from orders import services, state
from orders.models import Order
from orders.routes.common import Token, client_address, order_limits, session_id
from orders.schemas import (
    AddressIn,
    CustomerIn,
    OrderCreate,
    OrderEventOut,
    OrderLineOut,
    OrderOut,
    OrderQrisOut,
    PaymentIn,
    PaymentOut,
    QrisIn,
    QrisInfoOut,
    TransitionIn,
)


def order_out(order: Order, cooperative: Cooperative, *, with_token: bool) -> OrderOut:
    address = (
        AddressIn(dusun=order.dusun or "", rt=order.rt or "", rw=order.rw or "", landmark=order.landmark or "")
        if order.fulfilment == "delivery"
        else None
    )
    return OrderOut(
        number=order.number,
        status=order.status,
        payment_status=order.payment_status,
        payment_method=order.payment_method,
        fulfilment=order.fulfilment,
        cooperative=cooperative.slug,
        customer=CustomerIn(name=order.customer_name, phone=order.customer_phone),
        address=address,
        subtotal=order.subtotal,
        delivery_fee=order.delivery_fee,
        total=order.total,
        lines=[
            OrderLineOut(
                product_id=line.product_id,
                name=line.name,
                unit=line.unit,
                unit_price=line.unit_price,
                quantity=line.quantity,
                line_total=line.line_total,
            )
            for line in order.lines
        ],
        created_at=order.created_at.isoformat(),
        whatsapp_url=services.buyer_whatsapp_url(order, cooperative),
        events=[
            OrderEventOut(
                from_status=e.from_status,
                to_status=e.to_status,
                actor=e.actor_label,
                at=e.created_at.isoformat(),
                note=e.note,
            )
            for e in order.events
        ],
        payments=[
            PaymentOut(
                kind=p.kind,
                method=p.method,
                amount=p.amount,
                reference=p.reference,
                actor=p.actor_label,
                at=p.created_at.isoformat(),
            )
            for p in order.payments
        ],
        token=order.token if with_token else None,
    )


class OrderApiController(Controller):
    path = "/api"
    tags = ["pesanan"]

    @post("/cooperatives/{slug:str}/orders", name="api_create_order", status_code=201)
    async def create_order(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        slug: str,
        data: OrderCreate,
        user: CurrentUser | None,
        idempotency_key: Annotated[str | None, Parameter(header="Idempotency-Key")] = None,
    ) -> Response[OrderOut]:
        """Place an order. With an `Idempotency-Key`, a retry by the same buyer (the signed-in account, else
        the session, else the phone) with the same contents answers that buyer's first order, 201 as the
        first time; the same key with other contents is 409 `idempotency_key_reused`. Another buyer's use
        of the same key is simply their own new order: keys are never shared between buyers."""
        cooperative = await cooperatives.get_cooperative(db_session, slug)
        order, _created = await services.place_order(
            db_session,
            cooperative,
            data,
            idempotency_key=idempotency_key,
            session_id=session_id(request),
            user=user,
            limits=order_limits(request),
            client=client_address(request),
        )
        return Response(order_out(order, cooperative, with_token=True), status_code=201)

    @get("/orders/{number:str}", name="api_order")
    async def get_order(
        self, db_session: AsyncSession, number: str, user: CurrentUser | None, token: Token = None
    ) -> OrderOut:
        order = await services.get_order_for_viewer(db_session, number, token, user)
        cooperative = await cooperatives.get_cooperative_by_id(db_session, order.cooperative_id)
        return order_out(order, cooperative, with_token=False)

    @post("/orders/{number:str}/transitions", name="api_order_transition", status_code=200)
    async def transition(
        self, db_session: AsyncSession, number: str, data: TransitionIn, user: CurrentUser | None
    ) -> OrderOut:
        """Staff move an order: 409 for a move the state machine refuses (out for delivery goes through a
        courier run on the board), 404 for another cooperative's order."""
        order = await services.get_order_for_staff(db_session, number, require_user(user))
        await services.transition(db_session, order, data.to, user, role="staff", note=data.note)
        cooperative = await cooperatives.get_cooperative_by_id(db_session, order.cooperative_id)
        return order_out(order, cooperative, with_token=False)

    @post("/orders/{number:str}/cancel", name="api_order_cancel", status_code=200)
    async def cancel(
        self, db_session: AsyncSession, number: str, user: CurrentUser | None, token: Token = None
    ) -> OrderOut:
        """The buyer cancels while the order is still placed (secret link token, or signed in as its buyer)."""
        order = await services.get_order_for_viewer(db_session, number, token, user)
        if not services.is_buyer(order, token, user):
            raise NotFound(_("Pesanan tidak ditemukan. Periksa nomor pesanan."))
        await services.transition(db_session, order, state.OrderStatus.CANCELLED, user, role="buyer")
        cooperative = await cooperatives.get_cooperative_by_id(db_session, order.cooperative_id)
        return order_out(order, cooperative, with_token=False)

    @post("/orders/{number:str}/payment", name="api_order_payment", status_code=200)
    async def payment(
        self, db_session: AsyncSession, number: str, data: PaymentIn, user: CurrentUser | None
    ) -> OrderOut:
        """Staff confirm a payment (`paid`, with the method and reference) or record a refund (`refunded`)."""
        order = await services.get_order_for_staff(db_session, number, require_user(user))
        await services.record_payment(
            db_session, order, data.status, user, method=data.method, reference=data.reference, note=data.note
        )
        cooperative = await cooperatives.get_cooperative_by_id(db_session, order.cooperative_id)
        return order_out(order, cooperative, with_token=False)

    @get("/orders/{number:str}/qris", name="api_order_qris")
    async def order_qris(
        self, db_session: AsyncSession, number: str, user: CurrentUser | None, token: Token = None
    ) -> OrderQrisOut:
        """The dynamic QRIS for the order's exact total (tag 54), to render or hand to a payment app."""
        order = await services.get_order_for_viewer(db_session, number, token, user)
        cooperative = await cooperatives.get_cooperative_by_id(db_session, order.cooperative_id)
        found = services.qris_for_order(order, cooperative)
        return OrderQrisOut(payload=found.payload, amount=found.amount)

    @put("/cooperatives/{slug:str}/qris", name="api_cooperative_qris", status_code=200)
    async def set_qris(
        self, db_session: AsyncSession, slug: str, data: QrisIn, user: CurrentUser | None
    ) -> QrisInfoOut:
        """Staff set the cooperative's static QRIS; 422 names what is wrong with it."""
        cooperative = await cooperatives.get_cooperative(db_session, slug)
        info = await services.set_qris(db_session, cooperative, require_user(user), data.payload)
        return QrisInfoOut(merchant_name=info.merchant_name, merchant_city=info.merchant_city, nmid=info.nmid)
