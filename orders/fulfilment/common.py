"""What every part of fulfilment shares: picking orders by number, and the outcome of an action on many."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import noload, selectinload

from app.errors import InvalidInput, NotFound
from app.i18n import _
from app.models import Cooperative
from app.text import strip_control
from orders.models import Order

MAX_SELECTED = 300
_NUMBER = re.compile(r"^[A-Z0-9]{2,6}-\d{6}-[A-Z0-9]{4}$")


# --- input -----------------------------------------------------------------------------------------------


def clean(value: object, max_length: int = 120) -> str:
    return strip_control(value).strip()[:max_length] if isinstance(value, str) else ""


# --- orders picked by number -------------------------------------------------------------------------------


def clean_numbers(values: Iterable[object]) -> list[str]:
    """Order numbers picked on the board; anything that cannot be one is dropped."""
    seen: dict[str, None] = {}
    for value in values:
        text = clean(value, 24).upper()
        if _NUMBER.match(text):
            seen[text] = None
        if len(seen) >= MAX_SELECTED:
            break
    return list(seen)


def require_selection(numbers: Sequence[str]) -> None:
    if not numbers:
        raise InvalidInput(
            _("Pilih paling tidak satu pesanan dulu."), field_errors={"pilih": _("Belum ada yang dipilih.")}
        )


async def orders_by_number(session: AsyncSession, cooperative: Cooperative, numbers: Sequence[str]) -> list[Order]:
    """The picked orders, all of this cooperative: a number from elsewhere (a tampered form) is a 404."""
    if not numbers:
        return []
    rows = await session.scalars(
        select(Order)
        .where(Order.cooperative_id == cooperative.id, Order.number.in_(numbers))
        .options(selectinload(Order.lines), noload(Order.events))
        .order_by(Order.id)
    )
    orders = list(rows.all())
    found = {o.number for o in orders}
    if missing := [n for n in numbers if n not in found]:
        raise NotFound(_("%(n)s pesanan yang dipilih tidak ditemukan di koperasi ini.", n=len(missing)))
    return orders


async def check_selection(session: AsyncSession, cooperative: Cooperative, numbers: Sequence[str]) -> None:
    require_selection(numbers)
    await orders_by_number(session, cooperative, numbers)


async def order_of(session: AsyncSession, cooperative: Cooperative, number: str) -> Order:
    order = await session.scalar(
        select(Order).where(Order.cooperative_id == cooperative.id, Order.number == clean(number, 24).upper())
    )
    if order is None:
        raise NotFound(_("Pesanan tidak ditemukan di koperasi ini."))
    return order


@dataclass
class BulkResult:
    """What an action on many orders did: which went through, which were skipped and why."""

    done: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    run_id: int | None = None

    def message(self, verb: str) -> str:
        parts = []
        if self.done:
            parts.append(_("%(n)s pesanan %(verb)s.", n=len(self.done), verb=verb))
        if self.skipped:
            reasons = "; ".join(f"{number}: {why}" for number, why in self.skipped[:5])
            more = _(" (dan %(n)s lagi)", n=len(self.skipped) - 5) if len(self.skipped) > 5 else ""
            parts.append(_("%(n)s dilewati — %(reasons)s%(more)s", n=len(self.skipped), reasons=reasons, more=more))
        return " ".join(parts) or _("Tidak ada pesanan yang dipilih.")
