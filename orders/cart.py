"""The cart: product ids and quantities per cooperative, kept in the server-side session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import InvalidInput
from app.text import is_digits
from catalog import services as catalog
from catalog.models import Product

MAX_CART_LINES = 50
MAX_QUANTITY = 1000


@dataclass(frozen=True)
class CartLine:
    product: Product
    quantity: int

    @property
    def line_total(self) -> int:
        return self.product.retail_price * self.quantity

    @property
    def problem(self) -> str | None:
        """Why this line cannot be checked out as it is, in words a buyer understands."""
        p = self.product
        if p.stock <= 0:
            return "Stok habis. Hapus dari keranjang."
        if self.quantity > p.stock:
            return f"Stok tinggal {p.stock} {p.unit}."
        if p.max_qty_per_order is not None and self.quantity > p.max_qty_per_order:
            return f"Paling banyak {p.max_qty_per_order} {p.unit} per pesanan."
        return None


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
    text = (raw or "").strip()
    if not is_digits(text.lstrip("-")) or len(text) > 6:
        raise InvalidInput("Jumlah harus berupa angka bulat.", field_errors={"quantity": "Isi dengan angka."})
    value = int(text)
    if value < (0 if allow_zero else 1):
        raise InvalidInput("Jumlah paling sedikit 1.", field_errors={"quantity": "Paling sedikit 1."})
    if value > MAX_QUANTITY:
        raise InvalidInput(f"Jumlah paling banyak {MAX_QUANTITY}.", field_errors={"quantity": "Terlalu banyak."})
    return value


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
        raise InvalidInput(f"Keranjang paling banyak berisi {MAX_CART_LINES} jenis barang.")
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


async def load(request: Request[Any, Any, Any], session: AsyncSession, cooperative_id: int, slug: str) -> Cart:
    """The cart at today's prices and stock; items the cooperative stopped selling are dropped."""
    raw = _raw(request, slug)
    ids = [int(k) for k in raw if is_digits(k)]
    products = await catalog.products_by_ids(session, cooperative_id, ids)
    lines = [CartLine(products[i], raw[str(i)]) for i in ids if i in products]
    dropped = len(raw) - len(lines)
    if dropped:
        _save(request, slug, {str(line.product.id): line.quantity for line in lines})
    return Cart(lines=lines, dropped=dropped)
