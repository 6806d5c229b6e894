"""The buyer's cart and checkout pages, under /k/<cooperative>."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from app import accounts, cooperatives
from app.auth import CurrentUser
from app.db import roll_back
from app.errors import Conflict, DomainError, InvalidInput
from app.i18n import _
from app.models import Cooperative
from app.text import display_phone, is_digits
from app.web import flash, render
from orders import cart as carts
from orders import services, state
from orders.models import Order
from orders.routes.common import Form, client_address, order_limits, order_path, session_id
from orders.schemas import CartForm, CheckoutForm, LineIn


async def _cart_page(
    request: Request[Any, Any, Any], db_session: AsyncSession, cooperative: Cooperative, user: CurrentUser | None
) -> Any:
    cart = await carts.load(request, db_session, cooperative, user)
    return render(request, "orders/cart.html", "cart", cooperative=cooperative, cart=cart, cart_count=cart.count)


async def _checkout_page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    cooperative: Cooperative,
    cart: carts.Cart,
    form: CheckoutForm,
    refused: DomainError | None = None,
) -> Any:
    """The checkout form, blank or again after `refused` with its messages and status."""
    return render(
        request,
        "orders/checkout.html",
        status_code=refused.status_code if refused else 200,
        headers={"Retry-After": str(refused.extra["retry_after"])}
        if refused and "retry_after" in refused.extra
        else None,
        cooperative=cooperative,
        cart=cart,
        form=form,
        errors=refused.field_errors if refused else {},
        error=refused.message if refused else None,
        cart_count=cart.count,
        fulfilments=state.FULFILMENT_LABELS,
        zones=await services.active_zones(db_session, cooperative.id),
        payment_choices=services.payment_choices(cooperative),
    )


# The session key of the name and phone a guest ordered with last.
_BUYER = "buyer"


async def _prefilled(
    request: Request[Any, Any, Any], db_session: AsyncSession, user: CurrentUser | None
) -> CheckoutForm:
    """A fresh checkout form, filled from the signed-in resident's profile or from this browser's last order."""
    key = secrets.token_urlsafe(18)
    if user is not None:
        # A signed-in resident's profile fills the form; they can still change it for this order.
        profile = await accounts.get_user(db_session, user)
        return CheckoutForm(
            name=profile.name,
            phone=display_phone(profile.phone),
            dusun=profile.dusun or "",
            rt=profile.rt or "",
            rw=profile.rw or "",
            landmark=profile.landmark or "",
            idempotency_key=key,
        )
    buyer = request.session.get(_BUYER) if request.session else None
    if isinstance(buyer, dict):
        return CheckoutForm(name=str(buyer.get("name", "")), phone=str(buyer.get("phone", "")), idempotency_key=key)
    return CheckoutForm(idempotency_key=key)


def _fresh_key(form: CheckoutForm) -> CheckoutForm:
    return msgspec.structs.replace(form, idempotency_key=secrets.token_urlsafe(18))


async def _placed_from_this_page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    cooperative: Cooperative,
    form: CheckoutForm,
    user: CurrentUser | None,
) -> Order | None:
    """The order this buyer (account or browser session, never a phone typed in) placed with the page's key."""
    scope = services.buyer_scope(user, session_id(request), None)
    try:
        key = services.check_idempotency_key(form.idempotency_key)
    except InvalidInput:
        return None
    if not scope or not key:
        return None
    return await services.find_by_idempotency_key(db_session, cooperative.id, scope, key)


def _product_id(data: CartForm) -> int:
    if not is_digits(data.product_id) or len(data.product_id) > 12:
        raise InvalidInput(_("Produk tidak dikenal."), field_errors={"product_id": _("Produk tidak dikenal.")})
    return int(data.product_id)


class CartController(Controller):
    path = "/k/{slug:str}"
    include_in_schema = False

    @get("/keranjang", name="cart")
    async def view_cart(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str, user: CurrentUser | None
    ) -> Any:
        return await _cart_page(request, db_session, await cooperatives.get_cooperative(db_session, slug), user)

    @post("/keranjang", name="cart_add", status_code=200)
    async def add_to_cart(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        slug: str,
        data: Annotated[CartForm, Form],
    ) -> Any:
        cooperative = await cooperatives.get_cooperative(db_session, slug)
        product_id = _product_id(data)
        quantity = carts.parse_quantity(data.quantity, allow_zero=False)
        product = await carts.add(request, db_session, cooperative.id, slug, product_id, quantity)
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
        flash(request, _("%(name)s masuk keranjang.", name=product.name), "ok")
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
        product_id = _product_id(data)
        quantity = 0 if data.action == "remove" else carts.parse_quantity(data.quantity, allow_zero=True)
        carts.set_quantity(request, slug, product_id, quantity)
        if request.headers.get("hx-request"):
            return await _cart_page(request, db_session, cooperative, user)
        return Redirect(path=f"/k/{slug}/keranjang", status_code=303)

    @get("/checkout", name="checkout")
    async def checkout_form(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str, user: CurrentUser | None
    ) -> Any:
        cooperative = await cooperatives.get_cooperative(db_session, slug)
        cart = await carts.load(request, db_session, cooperative, user)
        if not cart.lines:
            flash(request, _("Keranjang masih kosong."), "info")
            return Redirect(path=f"/k/{slug}", status_code=303)
        form = await _prefilled(request, db_session, user)
        return await _checkout_page(request, db_session, cooperative, cart, form)

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
        if not cart.lines and (placed := await _placed_from_this_page(request, db_session, cooperative, data, user)):
            # A second press after the first one placed the order (and emptied the cart): show that order.
            return Redirect(path=order_path(placed) + "&baru=1", status_code=303)
        if data.cart_fingerprint and cart.lines and data.cart_fingerprint != cart.fingerprint:
            stale = Conflict(
                _(
                    "Isi keranjang berubah sejak halaman ini dibuka. Periksa lagi barang dan jumlahnya di bawah, "
                    "lalu tekan Pesan sekali lagi."
                )
            )
            return await _checkout_page(request, db_session, cooperative, cart, _fresh_key(data), stale)
        lines = [LineIn(product_id=line.product.id, quantity=line.quantity) for line in cart.lines]
        try:
            order, _created = await services.place_order(
                db_session,
                cooperative,
                data.order(lines),
                idempotency_key=data.idempotency_key or None,
                session_id=session_id(request),
                user=user,
                limits=order_limits(request),
                client=client_address(request),
            )
        except DomainError as exc:
            await roll_back(db_session, cooperative)
            cart = await carts.load(request, db_session, cooperative, user)
            # The key already stands for another order of this buyer: the page gets a new key, so the next
            # press places the order the page now shows.
            if isinstance(exc, services.KeyReused):
                exc = Conflict(
                    _(
                        "Halaman ini sudah dipakai untuk pesanan lain dengan isi berbeda. Periksa lagi isian di bawah, "
                        "lalu tekan Pesan untuk membuat pesanan baru."
                    )
                )
                data = _fresh_key(data)
            return await _checkout_page(request, db_session, cooperative, cart, data, exc)
        carts.clear(request, slug)
        # Keeps a guest's session, and with it the scope of the page's key, alive once the cart is empty:
        # a second press of this page still finds this order instead of starting an empty checkout.
        request.session["last_order"] = order.number
        if user is None:
            # A guest types their name and number once: the next order in this browser starts from them.
            # Kept in the server-side session (the cookie holds only its id), so no script or other browser sees it.
            request.session[_BUYER] = {"name": order.customer_name, "phone": display_phone(order.customer_phone)}
        return Redirect(path=order_path(order) + "&baru=1", status_code=303)
