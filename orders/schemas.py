"""Input and output shapes for orders, carts, checkout, payments and QRIS (msgspec)."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec
from litestar.datastructures import UploadFile


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
    """An order as the buyer asks for it (the API's body, or the checkout form with the cart's lines).

    The checkout service takes it as is and checks every field; prices and fees never come from here.
    """

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
    # The digest of the cart the page showed (orders.cart.Cart.fingerprint).
    cart_fingerprint: str = ""

    def order(self, lines: list[LineIn]) -> OrderCreate:
        """This form's buyer and address with the cart's lines, in the shape the checkout service takes."""
        return OrderCreate(
            customer=CustomerIn(name=self.name, phone=self.phone),
            fulfilment=self.fulfilment,
            lines=lines,
            payment_method=self.payment_method,
            address=AddressIn(dusun=self.dusun, rt=self.rt, rw=self.rw, landmark=self.landmark),
            note=self.note,
        )


class CartForm(msgspec.Struct):
    product_id: str = ""
    quantity: str = "1"
    action: str = "add"


class StatusForm(msgspec.Struct):
    """A staff step for an order (`to` a status), from the board or the order page, with an optional note."""

    to: str = ""
    note: str = ""


class CourierForm(msgspec.Struct):
    name: str = ""
    phone: str = ""


class DeliveredForm(msgspec.Struct):
    tunai: str = ""


class ReconcileForm(msgspec.Struct):
    """A courier's cash hand-in: courier id, business day, rupiah received, and a note for any difference."""

    kurir: str = ""
    tanggal: str = ""
    received: str = ""
    note: str = ""


class BuyerForm(msgspec.Struct):
    """A buyer's button on the order page: the secret link's token proves it is theirs."""

    token: str = ""


class PaymentForm(msgspec.Struct):
    status: str = "paid"
    method: str = ""
    reference: str = ""
    note: str = ""


@dataclass
class QrisUpload:
    """Staff paste the QRIS text or upload a photo of the sticker (multipart form)."""

    payload: str = ""
    image: UploadFile | None = None


class BankForm(msgspec.Struct):
    bank_name: str = ""
    account_number: str = ""
    account_name: str = ""


class ZoneForm(msgspec.Struct):
    zone_id: str = ""
    name: str = ""
    fee: str = ""
    active: str = ""


class TransitionIn(msgspec.Struct, forbid_unknown_fields=True):
    to: str
    note: str | None = None


class PaymentIn(msgspec.Struct, forbid_unknown_fields=True):
    status: str
    method: str | None = None
    reference: str | None = None
    note: str | None = None


class QrisIn(msgspec.Struct, forbid_unknown_fields=True):
    payload: str


class QrisInfoOut(msgspec.Struct):
    merchant_name: str
    merchant_city: str | None
    nmid: str | None


class OrderQrisOut(msgspec.Struct):
    payload: str
    amount: int


class OrderEventOut(msgspec.Struct):
    from_status: str | None
    to_status: str
    actor: str
    at: str
    note: str | None


class PaymentOut(msgspec.Struct):
    kind: str
    method: str
    amount: int
    reference: str | None
    actor: str
    at: str


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
    events: list[OrderEventOut]
    payments: list[PaymentOut]
    token: str | None = None
