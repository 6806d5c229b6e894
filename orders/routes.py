"""Cart, checkout and order pages, the staff order list, and the orders JSON API."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from app import services as cooperatives
from app.auth import CurrentUser, require_staff
from app.errors import DomainError, InvalidInput
from app.models import Cooperative
from app.text import is_digits
from app.web import flash, render
from orders import cart as carts
from orders import services, state
from orders.models import Order
from orders.schemas import (
    AddressIn,
    CartForm,
    CheckoutForm,
    CustomerIn,
    OrderCreate,
    OrderLineOut,
    OrderOut,
    StatusForm,
)

Form = Body(media_type=RequestEncodingType.URL_ENCODED)


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
        token=order.token if with_token else None,
    )


def order_path(order: Order) -> str:
    return f"/pesanan/{order.number}?token={order.token}"


class CartController(Controller):
    path = "/k/{slug:str}"
    include_in_schema = False

    @get("/keranjang", name="cart")
    async def view_cart(self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str) -> Any:
        cooperative = await cooperatives.get_cooperative(db_session, slug)
        cart = await carts.load(request, db_session, cooperative.id, slug)
        return render(request, "orders/cart.html", "cart", cooperative=cooperative, cart=cart, cart_count=cart.count)

    @post("/keranjang", name="cart_add", status_code=200)
    async def add_to_cart(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        slug: str,
        data: Annotated[CartForm, Form],
    ) -> Any:
        cooperative = await cooperatives.get_cooperative(db_session, slug)
        if not is_digits(data.product_id) or len(data.product_id) > 12:
            raise InvalidInput("Produk tidak dikenal.", field_errors={"product_id": "Produk tidak dikenal."})
        quantity = carts.parse_quantity(data.quantity, allow_zero=False)
        product = await carts.add(request, db_session, cooperative.id, slug, int(data.product_id), quantity)
        count = carts.count(request, slug)
        if request.headers.get("hx-request"):
            # The product card swaps in a confirmation and the cart badge updates out of band.
            return render(
                request,
                "orders/added.html",
                "added",
                cooperative=cooperative,
                product=product,
                cart_line_quantity=carts.quantity_of(request, slug, product.id),
                cart_count=count,
            )
        flash(request, f"{product.name} masuk keranjang.", "ok")
        return Redirect(path=request.headers.get("referer") or f"/k/{slug}", status_code=303)

    @post("/keranjang/ubah", name="cart_update", status_code=200)
    async def update_cart(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        slug: str,
        data: Annotated[CartForm, Form],
    ) -> Any:
        cooperative = await cooperatives.get_cooperative(db_session, slug)
        if not is_digits(data.product_id) or len(data.product_id) > 12:
            raise InvalidInput("Produk tidak dikenal.", field_errors={"product_id": "Produk tidak dikenal."})
        quantity = 0 if data.action == "remove" else carts.parse_quantity(data.quantity, allow_zero=True)
        carts.set_quantity(request, slug, int(data.product_id), quantity)
        if request.headers.get("hx-request"):
            cart = await carts.load(request, db_session, cooperative.id, slug)
            return render(
                request, "orders/cart.html", "cart", cooperative=cooperative, cart=cart, cart_count=cart.count
            )
        return Redirect(path=f"/k/{slug}/keranjang", status_code=303)

    @get("/checkout", name="checkout")
    async def checkout_form(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str, user: CurrentUser | None
    ) -> Any:
        cooperative = await cooperatives.get_cooperative(db_session, slug)
        cart = await carts.load(request, db_session, cooperative.id, slug)
        if not cart.lines:
            flash(request, "Keranjang masih kosong.", "info")
            return Redirect(path=f"/k/{slug}", status_code=303)
        form = CheckoutForm(
            name=user.name if user else "", phone=user.phone if user else "", idempotency_key=secrets.token_urlsafe(18)
        )
        return render(
            request,
            "orders/checkout.html",
            cooperative=cooperative,
            cart=cart,
            form=form,
            errors={},
            cart_count=cart.count,
            fulfilments=services.FULFILMENTS,
        )

    @post("/checkout", name="checkout_submit", status_code=303)
    async def checkout_submit(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        slug: str,
        data: Annotated[CheckoutForm, Form],
        user: CurrentUser | None,
    ) -> Any:
        cooperative = await cooperatives.get_cooperative(db_session, slug)
        cart = await carts.load(request, db_session, cooperative.id, slug)
        checkout = services.CheckoutRequest(
            name=data.name,
            phone=data.phone,
            fulfilment=data.fulfilment,
            payment_method=data.payment_method,
            dusun=data.dusun,
            rt=data.rt,
            rw=data.rw,
            landmark=data.landmark,
            note=data.note,
            lines=[services.LineRequest(line.product.id, line.quantity) for line in cart.lines],
        )
        try:
            order, _ = await services.place_order(
                db_session, cooperative, checkout, idempotency_key=data.idempotency_key or None, user=user
            )
        except DomainError as exc:
            # The failed attempt is rolled back when the response starts (non-2xx); the form comes back
            # with what the buyer typed and one message per field.
            return render(
                request, "orders/checkout.html", status_code=exc.status_code, cooperative=cooperative, cart=cart,
                form=data, errors=exc.field_errors, error=exc.message, cart_count=cart.count,
                fulfilments=services.FULFILMENTS,
            )
        carts.clear(request, slug)
        return Redirect(path=order_path(order) + "&baru=1", status_code=303)


class OrderPageController(Controller):
    include_in_schema = False

    @get("/pesanan/{number:str}", name="order")
    async def order_page(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        number: str,
        user: CurrentUser | None,
        token: Annotated[str | None, Parameter(query="token", max_length=100)] = None,
        baru: Annotated[str | None, Parameter(query="baru", max_length=2)] = None,
    ) -> Any:
        order = await services.get_order_for_viewer(db_session, number, token, user)
        cooperative = await cooperatives.get_cooperative_by_id(db_session, order.cooperative_id)
        is_staff = user is not None and user.is_staff_of(order.cooperative_id)
        return render(
            request,
            "orders/order.html",
            "order_status",
            cooperative=cooperative,
            order=order,
            is_new=bool(baru),
            is_staff=is_staff,
            buyer_whatsapp=services.buyer_whatsapp_url(order, cooperative),
            staff_whatsapp=services.staff_whatsapp_url(order, cooperative) if is_staff else None,
            next_steps=state.next_steps(order.status, order.fulfilment) if is_staff else [],
            action_labels=state.ACTION_LABELS,
            fulfilments=services.FULFILMENTS,
            payment_methods=services.PAYMENT_METHODS,
            token=token or "",
        )


class StaffController(Controller):
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
        label = state.LABELS.get(state.OrderStatus(order.status), order.status)
        flash(request, f"Pesanan {order.number}: {label}.", "ok")
        return Redirect(path=request.headers.get("referer") or "/staf", status_code=303)


class OrderApiController(Controller):
    path = "/api"
    tags = ["pesanan"]

    @post("/cooperatives/{slug:str}/orders", name="api_create_order", status_code=201)
    async def create_order(
        self,
        db_session: AsyncSession,
        slug: str,
        data: OrderCreate,
        user: CurrentUser | None,
        idempotency_key: Annotated[str | None, Parameter(header="Idempotency-Key")] = None,
    ) -> Response[OrderOut]:
        cooperative = await cooperatives.get_cooperative(db_session, slug)
        address = data.address or AddressIn()
        checkout = services.CheckoutRequest(
            name=data.customer.name,
            phone=data.customer.phone,
            fulfilment=data.fulfilment,
            payment_method=data.payment_method,
            dusun=address.dusun,
            rt=address.rt,
            rw=address.rw,
            landmark=address.landmark,
            note=data.note or "",
            lines=[services.LineRequest(line.product_id, line.quantity) for line in data.lines],
        )
        order, _created = await services.place_order(
            db_session, cooperative, checkout, idempotency_key=idempotency_key, user=user
        )
        return Response(order_out(order, cooperative, with_token=True), status_code=201)

    @get("/orders/{number:str}", name="api_order")
    async def get_order(
        self,
        db_session: AsyncSession,
        number: str,
        user: CurrentUser | None,
        token: Annotated[str | None, Parameter(query="token", max_length=100)] = None,
    ) -> OrderOut:
        order = await services.get_order_for_viewer(db_session, number, token, user)
        cooperative = await cooperatives.get_cooperative_by_id(db_session, order.cooperative_id)
        return order_out(order, cooperative, with_token=False)
