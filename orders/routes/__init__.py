"""The orders web layer: cart and checkout, order page, staff order actions, shop settings, JSON API."""

from __future__ import annotations

from orders.routes.api import OrderApiController
from orders.routes.cart import CartController
from orders.routes.order_page import OrderPageController
from orders.routes.settings import ShopSettingsController
from orders.routes.staff import StaffEntryController, StaffPaymentController

__all__ = [
    "CartController",
    "OrderApiController",
    "OrderPageController",
    "ShopSettingsController",
    "StaffEntryController",
    "StaffPaymentController",
]
