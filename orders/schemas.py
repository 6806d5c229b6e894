"""Input and output shapes for orders, carts and checkout (msgspec)."""

from __future__ import annotations

import msgspec


class CustomerIn(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    phone: str


class AddressIn(msgspec.Struct, forbid_unknown_fields=True):
    dusun: str = ""
    rt: str = ""
    rw: str = ""
    landmark: str = ""


class LineIn(msgspec.Struct, forbid_unknown_fields=True):
    product_id: int
    quantity: int


class OrderCreate(msgspec.Struct, forbid_unknown_fields=True):
    customer: CustomerIn
    fulfilment: str
    lines: list[LineIn]
    payment_method: str = "cash"
    address: AddressIn | None = None
    note: str | None = None


class CheckoutForm(msgspec.Struct):
    """The checkout page's form: every field arrives as text and is checked by the service."""

    name: str = ""
    phone: str = ""
    fulfilment: str = ""
    payment_method: str = "cash"
    dusun: str = ""
    rt: str = ""
    rw: str = ""
    landmark: str = ""
    note: str = ""
    idempotency_key: str = ""


class CartForm(msgspec.Struct):
    product_id: str = ""
    quantity: str = "1"
    action: str = "add"


class StatusForm(msgspec.Struct):
    to: str = ""
    note: str = ""


class OrderLineOut(msgspec.Struct):
    product_id: int | None
    name: str
    unit: str
    unit_price: int
    quantity: int
    line_total: int


class OrderOut(msgspec.Struct):
    number: str
    status: str
    payment_status: str
    payment_method: str
    fulfilment: str
    cooperative: str
    customer: CustomerIn
    address: AddressIn | None
    subtotal: int
    delivery_fee: int
    total: int
    lines: list[OrderLineOut]
    created_at: str
    whatsapp_url: str
    token: str | None = None
