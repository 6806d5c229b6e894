"""The cart: product ids and quantities per cooperative, kept in the server-side session."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from litestar import Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import CurrentUser
from app.errors import InvalidInput
from app.forms import parse_int, raise_errors
from app.i18n import _
from app.models import Cooperative
from app.text import is_digits
from catalog import services as catalog
from catalog.models import Product
from orders import services
from orders.models import Order
from orders.rules import Refusal

MAX_CART_LINES = 50
MAX_QUANTITY = 1000


@dataclass(frozen=True)
class CartLine:
    product: Product
    quantity: int
    # Why the buyer cannot have this line as it is (members only, NIK, limits, quota), with a way to fix it.
    refusal: Refusal | None = None

    @property
    def line_total(self) -> int:
        return self.product.retail_price * self.quantity

    @property
    def problem(self) -> str | None:
        """Why this line cannot be checked out as it is, in words a buyer understands."""
        p = self.product
        if p.stock <= 0:
            return _("Stok habis. Hapus dari keranjang.")
        if self.quantity > p.stock:
            return _("Stok tinggal %(n)s %(unit)s.", n=p.stock, unit=p.unit)
        return self.refusal.message if self.refusal else None


@dataclass(frozen=True)
class Cart:
    lines: list[CartLine]
    dropped: int  # items no longer sold by the cooperative

    @property
    def total(self) -> int:
        return sum(line.line_total for line in self.lines)

    @property
    def count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def ok(self) -> bool:
        return bool(self.lines) and all(line.problem is None for line in self.lines)

    @property
    def fingerprint(self) -> str:
        """What the cart holds, as a short digest: the checkout page carries it, so a page opened before the
        cart changed is noticed when it is sent."""
        lines = sorted((line.product.id, line.quantity) for line in self.lines)
        return hashlib.sha256(repr(lines).encode()).hexdigest()[:32]


def _raw(request: Request[Any, Any, Any], slug: str) -> dict[str, int]:
    carts = request.session.get("carts") if request.session else None
    if not isinstance(carts, dict):
        return {}
    cart = carts.get(slug)
    if not isinstance(cart, dict):
        return {}
    return {str(k): int(v) for k, v in cart.items() if isinstance(v, int) and v > 0}


def _save(request: Request[Any, Any, Any], slug: str, cart: dict[str, int]) -> None:
    carts = dict(request.session.get("carts") or {}) if request.session else {}
    if cart:
        carts[slug] = cart
    else:
        carts.pop(slug, None)
    if carts:
        request.session["carts"] = carts
    elif request.session:
        request.session.pop("carts", None)


def count(request: Request[Any, Any, Any], slug: str) -> int:
    return sum(_raw(request, slug).values())


def quantity_of(request: Request[Any, Any, Any], slug: str, product_id: int) -> int:
    return _raw(request, slug).get(str(product_id), 0)


def parse_quantity(raw: str, *, allow_zero: bool) -> int:
    """How many of a product the buyer typed: a whole number, at least 1 (0 removes it where allowed)."""
    errors: dict[str, str] = {}
    quantity = parse_int(raw, "quantity", _("Jumlah"), errors, low=0 if allow_zero else 1, high=MAX_QUANTITY)
    raise_errors(errors)
    assert quantity is not None
    return quantity


async def add(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    cooperative_id: int,
    slug: str,
    product_id: int,
    quantity: int,
) -> Product:
    product = await catalog.get_product(session, product_id, cooperative_id)
    cart = _raw(request, slug)
    if str(product_id) not in cart and len(cart) >= MAX_CART_LINES:
        raise InvalidInput(_("Keranjang paling banyak berisi %(n)s jenis barang.", n=MAX_CART_LINES))
    cart[str(product_id)] = min(cart.get(str(product_id), 0) + quantity, MAX_QUANTITY)
    _save(request, slug, cart)
    return product


def set_quantity(request: Request[Any, Any, Any], slug: str, product_id: int, quantity: int) -> None:
    cart = _raw(request, slug)
    if quantity <= 0:
        cart.pop(str(product_id), None)
    else:
        cart[str(product_id)] = quantity
    _save(request, slug, cart)


def clear(request: Request[Any, Any, Any], slug: str) -> None:
    _save(request, slug, {})


async def load(
    request: Request[Any, Any, Any], session: AsyncSession, cooperative: Cooperative, user: CurrentUser | None
) -> Cart:
    """The cart at today's prices and stock, with this buyer's purchase rules applied.

    Items the cooperative stopped selling are dropped.
    """
    slug = cooperative.slug
    raw = _raw(request, slug)
    ids = [int(k) for k in raw if is_digits(k)]
    products = await catalog.products_by_ids(session, cooperative.id, ids)
    quantities = {i: raw[str(i)] for i in ids if i in products}
    refusals = await services.purchase_refusals(session, cooperative, user, quantities, products)
    lines = [CartLine(products[i], quantity, refusals.get(i)) for i, quantity in quantities.items()]
    dropped = len(raw) - len(lines)
    if dropped:
        _save(request, slug, {str(line.product.id): line.quantity for line in lines})
    return Cart(lines=lines, dropped=dropped)


@dataclass
class Reorder:
    added: list[str] = field(default_factory=list)
    reduced: list[str] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        parts = []
        if self.added:
            parts.append(_("%(n)s barang masuk keranjang dengan harga hari ini.", n=len(self.added)))
        if self.reduced:
            names = ", ".join(self.reduced)
            parts.append(_("Jumlah dikurangi karena stok atau batas pembelian: %(names)s.", names=names))
        if self.unavailable:
            parts.append(_("Tidak tersedia lagi: %(names)s.", names=", ".join(self.unavailable)))
        return " ".join(parts) or _("Tidak ada barang dari pesanan ini yang bisa dibeli lagi.")


async def reorder(request: Request[Any, Any, Any], session: AsyncSession, order: Order, slug: str) -> Reorder:
    """ "Beli lagi": put an order's items back in the cart, as much as today's stock and limits allow.

    Prices are not copied: the cart always shows today's prices.
    """
    ids = [line.product_id for line in order.lines if line.product_id is not None]
    products = await catalog.products_by_ids(session, order.cooperative_id, ids)
    cart = _raw(request, slug)
    result = Reorder()
    for line in order.lines:
        product = products.get(line.product_id) if line.product_id is not None else None
        if product is None or product.stock <= 0:
            result.unavailable.append(line.name)
            continue
        wanted = cart.get(str(product.id), 0) + line.quantity
        limit = min(product.stock, product.max_qty_per_order or MAX_QUANTITY, MAX_QUANTITY)
        if str(product.id) not in cart and len(cart) >= MAX_CART_LINES:
            result.unavailable.append(line.name)
            continue
        cart[str(product.id)] = min(wanted, limit)
        (result.reduced if wanted > limit else result.added).append(product.name)
    _save(request, slug, cart)
    return result
