"""What every part of fulfilment shares: the cooperative's business day, and picking orders by number."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import noload, selectinload

from app import cooperatives
from app.auth import CurrentUser, require_staff
from app.errors import InvalidInput, NotFound
from app.models import Cooperative
from app.text import strip_control
from orders.models import Order

MAX_SELECTED = 300
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER = re.compile(r"^[A-Z0-9]{2,6}-\d{6}-[A-Z0-9]{4}$")


# --- time: business days are the cooperative's local dates -------------------------------------------


def zone_of(cooperative: Cooperative) -> ZoneInfo:
    try:
        return ZoneInfo(cooperative.timezone or "Asia/Makassar")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Asia/Makassar")


def local_today(cooperative: Cooperative, now: datetime.datetime | None = None) -> datetime.date:
    now = now or datetime.datetime.now(datetime.UTC)
    return now.astimezone(zone_of(cooperative)).date()


def local_date(cooperative: Cooperative, moment: datetime.datetime) -> datetime.date:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(zone_of(cooperative)).date()


def day_bounds(
    cooperative: Cooperative, first: datetime.date, last: datetime.date | None = None
) -> tuple[datetime.datetime, datetime.datetime]:
    """UTC [start, end) of the local days first..last."""
    zone = zone_of(cooperative)
    start = datetime.datetime.combine(first, datetime.time(), zone)
    end = datetime.datetime.combine((last or first) + datetime.timedelta(days=1), datetime.time(), zone)
    return start.astimezone(datetime.UTC), end.astimezone(datetime.UTC)


def parse_date(value: object, field_name: str, label: str, errors: dict[str, str]) -> datetime.date | None:
    """`2026-11-27` (what a date input sends); empty gives None."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _DATE.match(value.strip()):
        errors[field_name] = f"{label} harus berupa tanggal, misalnya 2026-11-27."
        return None
    try:
        day = datetime.date.fromisoformat(value.strip())
    except ValueError:
        errors[field_name] = f"{label} bukan tanggal yang ada di kalender."
        return None
    if not datetime.date(2000, 1, 1) <= day <= datetime.date(2100, 12, 31):
        errors[field_name] = f"{label} di luar rentang yang masuk akal."
        return None
    return day


# --- input -----------------------------------------------------------------------------------------------


def refuse(errors: Mapping[str, str]) -> None:
    if errors:
        message = next(iter(errors.values())) if len(errors) == 1 else "Ada beberapa isian yang perlu diperbaiki."
        raise InvalidInput(message, field_errors=errors)


def clean(value: object, max_length: int = 120) -> str:
    return strip_control(value).strip()[:max_length] if isinstance(value, str) else ""


async def staff_cooperative(
    session: AsyncSession, user: CurrentUser | None, slug: str
) -> tuple[Cooperative, CurrentUser]:
    """The cooperative in the URL, if this user is its staff; anyone else gets 403 and learns nothing else."""
    cooperative = await cooperatives.get_cooperative(session, slug[:80])
    return cooperative, require_staff(user, cooperative)


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
        raise InvalidInput("Pilih paling tidak satu pesanan dulu.", field_errors={"pilih": "Belum ada yang dipilih."})


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
        raise NotFound(f"{len(missing)} pesanan yang dipilih tidak ditemukan di koperasi ini.")
    return orders


async def check_selection(session: AsyncSession, cooperative: Cooperative, numbers: Sequence[str]) -> None:
    require_selection(numbers)
    await orders_by_number(session, cooperative, numbers)


async def order_of(session: AsyncSession, cooperative: Cooperative, number: str) -> Order:
    order = await session.scalar(
        select(Order).where(Order.cooperative_id == cooperative.id, Order.number == clean(number, 24).upper())
    )
    if order is None:
        raise NotFound("Pesanan tidak ditemukan di koperasi ini.")
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
            parts.append(f"{len(self.done)} pesanan {verb}.")
        if self.skipped:
            reasons = "; ".join(f"{number}: {why}" for number, why in self.skipped[:5])
            more = f" (dan {len(self.skipped) - 5} lagi)" if len(self.skipped) > 5 else ""
            parts.append(f"{len(self.skipped)} dilewati — {reasons}{more}")
        return " ".join(parts) or "Tidak ada pesanan yang dipilih."
