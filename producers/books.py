"""Old names kept only for `app/demo/history.py` until it imports `orders.periods` and `producers.services`."""

from __future__ import annotations

from orders.periods import Period, last_months, local_today, zone_of
from producers.services import statement

__all__ = ["Period", "last_months", "local_today", "statement", "zone_of"]
