"""What the orders controllers share: form and upload bodies, the order's secret-link token and path, going back."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter

from app.web import SESSION_COOKIE
from app.web import Form as Form  # re-exported: the orders controllers import it from here
from orders.models import Order
from orders.services.order_limits import OrderLimits

Upload = Body(media_type=RequestEncodingType.MULTI_PART)
# No length limit here: an overlong token is a wrong token (404, the same answer as for an unknown
# number), not a validation error that answers before the order is looked up.
Token = Annotated[str | None, Parameter(query="token")]


def session_id(request: Request[Any, Any, Any]) -> str | None:
    """The browser session's id, when the request brought a session that holds something (a cart)."""
    return request.cookies.get(SESSION_COOKIE) if request.session else None


def order_limits(request: Request[Any, Any, Any]) -> OrderLimits:
    """This installation's order-creation limits (settings)."""
    settings = request.app.state["settings"]
    return OrderLimits(per_address=settings.order_rate_limit_address, per_phone=settings.order_rate_limit_phone)


def client_address(request: Request[Any, Any, Any]) -> str | None:
    """The buyer's address, as the trusted-proxy middleware left it in the scope."""
    return request.client.host if request.client else None


def order_path(order: Order) -> str:
    """The buyer's page of an order, with the secret link's token."""
    return f"/pesanan/{order.number}?token={order.token}"


# Pages a staff form may return to: the staff area and the order pages it acts from.
_BACK_PREFIXES = ("/staf/", "/pesanan/")


def back_to(request: Request[Any, Any, Any], fallback: str) -> str:
    """Where a plain form post returns to: the page it came from, if it is one of ours."""
    parts = urlsplit(request.headers.get("referer") or "")
    if parts.netloc and parts.netloc != request.headers.get("host", ""):
        return fallback
    if parts.path.startswith(_BACK_PREFIXES):
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return fallback
