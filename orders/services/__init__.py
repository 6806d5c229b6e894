"""Order rules, by feature: `checkout`, `lifecycle` (status moves, payments), `messages`, `shop_settings`.

The names other packages call are re-exported here, so `from orders import services` keeps working.
"""

from __future__ import annotations

from orders.services.checkout import (
    MAX_LINES,
    MAX_NOTE,
    MAX_QUANTITY,
    KeyReused,
    ValidCheckout,
    buyer_scope,
    check_idempotency_key,
    checkout_fingerprint,
    find_by_idempotency_key,
    make_order_number,
    order_number_for,
    place_order,
    purchase_refusals,
    request_fingerprint,
    validate_checkout,
)
from orders.services.lifecycle import (
    QrisForOrder,
    get_order,
    get_order_for_staff,
    get_order_for_viewer,
    is_buyer,
    list_orders_for_buyer,
    qris_for_order,
    record_payment,
    transition,
)
from orders.services.messages import (
    buyer_whatsapp_url,
    order_summary_text,
    payment_label,
    staff_whatsapp_url,
    status_message_text,
)
from orders.services.order_limits import OrderLimits, TooManyOrders
from orders.services.shop_settings import (
    active_zones,
    list_zones,
    payment_choices,
    qris_from_image,
    save_zone,
    set_bank_account,
    set_qris,
)
from orders.state import FULFILMENT_LABELS as FULFILMENTS
from orders.state import PAYMENT_METHOD_LABELS as PAYMENT_METHODS

__all__ = [
    "FULFILMENTS",
    "MAX_LINES",
    "MAX_NOTE",
    "MAX_QUANTITY",
    "PAYMENT_METHODS",
    "KeyReused",
    "OrderLimits",
    "QrisForOrder",
    "TooManyOrders",
    "ValidCheckout",
    "active_zones",
    "buyer_scope",
    "buyer_whatsapp_url",
    "check_idempotency_key",
    "checkout_fingerprint",
    "find_by_idempotency_key",
    "get_order",
    "get_order_for_staff",
    "get_order_for_viewer",
    "is_buyer",
    "list_orders_for_buyer",
    "list_zones",
    "make_order_number",
    "order_number_for",
    "order_summary_text",
    "payment_choices",
    "payment_label",
    "place_order",
    "purchase_refusals",
    "qris_for_order",
    "qris_from_image",
    "record_payment",
    "request_fingerprint",
    "save_zone",
    "set_bank_account",
    "set_qris",
    "staff_whatsapp_url",
    "status_message_text",
    "transition",
    "validate_checkout",
]
