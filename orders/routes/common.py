"""What the orders controllers share: form and upload bodies, the order's secret-link token, the order's path."""

from __future__ import annotations

from typing import Annotated

from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter

from orders.models import Order

Form = Body(media_type=RequestEncodingType.URL_ENCODED)
Upload = Body(media_type=RequestEncodingType.MULTI_PART)
Token = Annotated[str | None, Parameter(query="token", max_length=100)]


def order_path(order: Order) -> str:
    """The buyer's page of an order, with the secret link's token."""
    return f"/pesanan/{order.number}?token={order.token}"
