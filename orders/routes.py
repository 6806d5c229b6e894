"""Cart, checkout and order pages, order history, staff orders and payment settings, the orders JSON API."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post, put
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from app import accounts
from app import services as cooperatives
from app.auth import CurrentUser, require_staff, require_user
from app.db import roll_back
from app.errors import DomainError, InvalidInput, NotFound
from app.models import Cooperative
from app.text import display_phone, is_digits
from app.web import flash, render
from orders import cart as carts
from orders import qris, services, state
from orders.models import Order
from orders.schemas import (
    AddressIn,
    BankForm,
    BuyerForm,
    CartForm,
    CheckoutForm,
    CustomerIn,
    OrderCreate,
    OrderEventOut,
    OrderLineOut,
    OrderOut,
    OrderQrisOut,
    PaymentForm,
    PaymentIn,
    PaymentOut,
    QrisIn,
    QrisInfoOut,
    QrisUpload,
    StatusForm,
    TransitionIn,
    ZoneForm,
)

Form = Body(media_type=RequestEncodingType.URL_ENCODED)
Upload = Body(media_type=RequestEncodingType.MULTI_PART)
Token = Annotated[str | None, Parameter(query="token", max_length=100)]


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


def order_path(order: Order) -> str:
    return f"/pesanan/{order.number}?token={order.token}"


def _checkout_page(
    request: Request[Any, Any, Any],
    cooperative: Cooperative,
    cart: carts.Cart,
    form: CheckoutForm,
    zones: Any,
    *,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Any:
    return render(
        request,
        "orders/checkout.html",
        status_code=status_code,
        cooperative=cooperative,
        cart=cart,
        form=form,
        errors=errors or {},
        error=error,
        cart_count=cart.count,
        fulfilments=services.FULFILMENTS,
        zones=zones,
        payment_choices=services.payment_choices(cooperative),
    )


class CartController(Controller):
    path = "/k/{slug:str}"
    include_in_schema = False

    @get("/keranjang", name="cart")
    async def view_cart(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str, user: CurrentUser | None
    ) -> Any:
        cooperative = await cooperatives.get_cooperative(db_session, slug)
        cart = await carts.load(request, db_session, cooperative, user)
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
        user: CurrentUser | None,
    ) -> Any:
        cooperative = await cooperatives.get_cooperative(db_session, slug)
        if not is_digits(data.product_id) or len(data.product_id) > 12:
            raise InvalidInput("Produk tidak dikenal.", field_errors={"product_id": "Produk tidak dikenal."})
        quantity = 0 if data.action == "remove" else carts.parse_quantity(data.quantity, allow_zero=True)
        carts.set_quantity(request, slug, int(data.product_id), quantity)
        if request.headers.get("hx-request"):
            cart = await carts.load(request, db_session, cooperative, user)
            return render(
                request, "orders/cart.html", "cart", cooperative=cooperative, cart=cart, cart_count=cart.count
            )
        return Redirect(path=f"/k/{slug}/keranjang", status_code=303)

    @get("/checkout", name="checkout")
    async def checkout_form(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str, user: CurrentUser | None
    ) -> Any:
        cooperative = await cooperatives.get_cooperative(db_session, slug)
        cart = await carts.load(request, db_session, cooperative, user)
        if not cart.lines:
            flash(request, "Keranjang masih kosong.", "info")
            return Redirect(path=f"/k/{slug}", status_code=303)
        form = CheckoutForm(idempotency_key=secrets.token_urlsafe(18))
        if user is not None:
            # A signed-in resident's profile fills the form; they can still change it for this order.
            profile = await accounts.get_user(db_session, user)
            form = CheckoutForm(
                name=profile.name,
                phone=display_phone(profile.phone),
                dusun=profile.dusun or "",
                rt=profile.rt or "",
                rw=profile.rw or "",
                landmark=profile.landmark or "",
                idempotency_key=form.idempotency_key,
            )
        zones = await services.active_zones(db_session, cooperative.id)
        return _checkout_page(request, cooperative, cart, form, zones)

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
        cart = await carts.load(request, db_session, cooperative, user)
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
            await roll_back(db_session, cooperative)
            cart = await carts.load(request, db_session, cooperative, user)
            zones = await services.active_zones(db_session, cooperative.id)
            return _checkout_page(
                request,
                cooperative,
                cart,
                data,
                zones,
                errors=exc.field_errors,
                error=exc.message,
                status_code=exc.status_code,
            )
        carts.clear(request, slug)
        return Redirect(path=order_path(order) + "&baru=1", status_code=303)


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
        "payment_labels": state.PAYMENT_LABELS,
        "buyer_can_cancel": is_buyer and order.status == state.OrderStatus.PLACED,
        "buyer_whatsapp": services.buyer_whatsapp_url(order, cooperative),
        "staff_whatsapp": services.staff_whatsapp_url(order, cooperative, base + order_path(order))
        if is_staff
        else None,
        "staff_targets": state.allowed_targets(order.status, "staff", order.fulfilment) if is_staff else [],
        "action_labels": state.ACTION_LABELS,
        "fulfilments": services.FULFILMENTS,
        "payment_methods": services.PAYMENT_METHODS,
    }


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
    ) -> Any:
        order = await services.get_order_for_viewer(db_session, number, token, user)
        cooperative = await cooperatives.get_cooperative_by_id(db_session, order.cooperative_id)
        return render(
            request,
            "orders/order.html",
            "order_status",
            is_new=bool(baru),
            **_order_context(request, order, cooperative, user, token or ""),
        )

    @get("/pesanan/{number:str}/qris.png", name="order_qris_png")
    async def order_qris_png(
        self, db_session: AsyncSession, number: str, user: CurrentUser | None, token: Token = None
    ) -> Response[bytes]:
        order = await services.get_order_for_viewer(db_session, number, token, user)
        cooperative = await cooperatives.get_cooperative_by_id(db_session, order.cooperative_id)
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
            raise NotFound("Pesanan tidak ditemukan. Periksa nomor pesanan.")
        await services.transition(db_session, order, state.OrderStatus.CANCELLED, user, role="buyer")
        flash(request, f"Pesanan {order.number} dibatalkan. Stok sudah dikembalikan ke koperasi.", "ok")
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
        order = await services.get_order_for_viewer(db_session, number, data.token or None, user)
        cooperative = await cooperatives.get_cooperative_by_id(db_session, order.cooperative_id)
        result = await carts.reorder(request, db_session, order, cooperative.slug)
        flash(request, result.message, "ok" if result.added or result.reduced else "info")
        return Redirect(path=f"/k/{cooperative.slug}/keranjang", status_code=303)

    @get("/akun/pesanan", name="order_history")
    async def history(self, request: Request[Any, Any, Any], db_session: AsyncSession, user: CurrentUser | None) -> Any:
        if user is None:
            return Redirect(path="/masuk?lanjut=/akun/pesanan", status_code=303)
        orders = await services.list_orders_for_buyer(db_session, user)
        names = {c.id: c.short_name for c in await cooperatives.list_cooperatives(db_session)}
        return render(request, "orders/history.html", orders=orders, cooperative_names=names)


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
        label = state.PAYMENT_LABELS.get(state.PaymentStatus(order.payment_status), order.payment_status)
        flash(request, f"Pesanan {order.number}: pembayaran {label.lower()}.", "ok")
        return Redirect(path=f"/pesanan/{order.number}", status_code=303)

    @get("/pengaturan", name="staff_settings")
    async def settings_page(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, user: CurrentUser | None
    ) -> Any:
        if user is None:
            return Redirect(path="/masuk?lanjut=/staf/pengaturan", status_code=303)
        cooperative = await cooperatives.staff_cooperative(db_session, user)
        return await self._settings(request, db_session, cooperative)

    async def _settings(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        *,
        section: str = "",
        errors: dict[str, str] | None = None,
        error: str | None = None,
        status_code: int = 200,
        bank: BankForm | None = None,
        qris_text: str = "",
    ) -> Any:
        zones = await services.list_zones(db_session, cooperative.id)
        return render(
            request,
            "orders/settings.html",
            status_code=status_code,
            cooperative=cooperative,
            zones=zones,
            section=section,
            errors=errors or {},
            error=error,
            bank=bank
            or BankForm(
                bank_name=cooperative.bank_name or "",
                account_number=cooperative.bank_account_number or "",
                account_name=cooperative.bank_account_name or "",
            ),
            qris_text=qris_text,
        )

    async def _refused(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        section: str,
        exc: DomainError,
        **form: Any,
    ) -> Any:
        """The settings page again after a refused save: nothing saved, that section's errors shown."""
        await roll_back(db_session, cooperative)
        return await self._settings(
            request,
            db_session,
            cooperative,
            section=section,
            errors=exc.field_errors,
            error=exc.message,
            status_code=exc.status_code,
            **form,
        )

    @post("/pengaturan/qris", name="staff_qris", status_code=303)
    async def save_qris(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        data: Annotated[QrisUpload, Upload],
        user: CurrentUser | None,
    ) -> Any:
        cooperative = await cooperatives.staff_cooperative(db_session, user)
        try:
            payload = data.payload
            if not payload.strip() and data.image is not None:
                payload = services.qris_from_image(await data.image.read())
            info = await services.set_qris(db_session, cooperative, user, payload)
        except DomainError as exc:
            return await self._refused(request, db_session, cooperative, "qris", exc, qris_text=data.payload[:600])
        flash(request, f"QRIS tersimpan: {info.merchant_name}{f', NMID {info.nmid}' if info.nmid else ''}.", "ok")
        return Redirect(path="/staf/pengaturan#qris", status_code=303)

    @post("/pengaturan/rekening", name="staff_bank", status_code=303)
    async def save_bank(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        data: Annotated[BankForm, Form],
        user: CurrentUser | None,
    ) -> Any:
        cooperative = await cooperatives.staff_cooperative(db_session, user)
        account = services.BankAccount(data.bank_name, data.account_number, data.account_name)
        try:
            await services.set_bank_account(db_session, cooperative, user, account)
        except DomainError as exc:
            return await self._refused(request, db_session, cooperative, "rekening", exc, bank=data)
        flash(request, "Rekening koperasi tersimpan.", "ok")
        return Redirect(path="/staf/pengaturan#rekening", status_code=303)

    @post("/pengaturan/antar", name="staff_zone", status_code=303)
    async def save_zone(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        data: Annotated[ZoneForm, Form],
        user: CurrentUser | None,
    ) -> Any:
        cooperative = await cooperatives.staff_cooperative(db_session, user)
        zone_id = int(data.zone_id) if is_digits(data.zone_id) and len(data.zone_id) < 12 else None
        try:
            zone = await services.save_zone(
                db_session,
                cooperative,
                user,
                zone_id=zone_id,
                name=data.name,
                fee=data.fee,
                active=zone_id is None or data.active == "1",
            )
        except DomainError as exc:
            return await self._refused(request, db_session, cooperative, "antar", exc)
        flash(request, f"Wilayah antar {zone.name} tersimpan.", "ok")
        return Redirect(path="/staf/pengaturan#antar", status_code=303)


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
            db_session,
            cooperative,
            checkout,
            idempotency_key=idempotency_key,
            fingerprint=services.request_fingerprint(checkout),
            user=user,
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
        """Staff move an order: 409 for a move the state machine refuses, 404 for another cooperative's order."""
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
            raise NotFound("Pesanan tidak ditemukan. Periksa nomor pesanan.")
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
