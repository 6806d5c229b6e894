"""Weeks and months on the cooperative's calendar: the periods sales are counted and producers paid in.

Lives below `producers` and `reports` so both may read it; the cooperative's clock (`zone_of`,
`local_today`, `bounds`) is meant to move to one clock module for the whole app.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.errors import InvalidInput
from app.models import Cooperative

MONTHS_ID = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
PERIOD_KINDS = {"bulan": "month", "minggu": "week", "month": "month", "week": "week"}
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True)
class Period:
    kind: str  # "month" | "week"
    start: datetime.date
    end: datetime.date  # exclusive

    @property
    def key(self) -> str:
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{MONTHS_ID[self.start.month - 1]} {self.start.year}"
        last = self.end - datetime.timedelta(days=1)
        return f"Minggu {self.start:%d/%m} – {last:%d/%m/%Y}"

    @property
    def last_day(self) -> datetime.date:
        return self.end - datetime.timedelta(days=1)

    @property
    def kind_param(self) -> str:
        return "bulan" if self.kind == "month" else "minggu"

    def previous(self) -> Period:
        return period_containing(self.kind, self.start - datetime.timedelta(days=1))

    def next(self) -> Period:
        return period_containing(self.kind, self.end)


def period_containing(kind: str, day: datetime.date) -> Period:
    if kind == "week":
        start = day - datetime.timedelta(days=day.weekday())
        return Period("week", start, start + datetime.timedelta(days=7))
    start = day.replace(day=1)
    end = (start + datetime.timedelta(days=32)).replace(day=1)
    return Period("month", start, end)


def parse_period(kind: str | None, value: str | None, today: datetime.date) -> Period:
    """`bulan`/`2026-11` or `minggu`/`2026-W47`; empty value: the period containing today."""
    normalised = PERIOD_KINDS.get((kind or "bulan").strip().lower())
    if normalised is None:
        raise InvalidInput("Jenis periode harus bulan atau minggu.", field_errors={"jenis": "bulan atau minggu"})
    if not value:
        return period_containing(normalised, today)
    value = value.strip()
    try:
        if normalised == "month" and (m := _MONTH.match(value)):
            return period_containing("month", datetime.date(int(m.group(1)), int(m.group(2)), 1))
        if normalised == "week" and (w := _WEEK.match(value)):
            return period_containing("week", datetime.date.fromisocalendar(int(w.group(1)), int(w.group(2)), 1))
    except ValueError:
        pass
    example = "2026-11" if normalised == "month" else "2026-W47"
    raise InvalidInput(
        f"Periode tidak dikenal. Tulis seperti {example}.", field_errors={"periode": f"Contoh: {example}"}
    )


def last_months(today: datetime.date, count: int) -> list[Period]:
    periods = [period_containing("month", today)]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    return list(reversed(periods))


def last_weeks(today: datetime.date, count: int) -> list[Period]:
    periods = [period_containing("week", today)]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    return list(reversed(periods))


def zone_of(cooperative: Cooperative) -> ZoneInfo:
    try:
        return ZoneInfo(cooperative.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Asia/Makassar")


def local_today(cooperative: Cooperative, now: datetime.datetime | None = None) -> datetime.date:
    return (now or datetime.datetime.now(datetime.UTC)).astimezone(zone_of(cooperative)).date()


def bounds(cooperative: Cooperative, start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, ...]:
    """Local midnight to local midnight, as UTC instants: a village's day ends at its own midnight."""
    zone = zone_of(cooperative)
    return tuple(
        datetime.datetime.combine(d, datetime.time(), tzinfo=zone).astimezone(datetime.UTC) for d in (start, end)
    )
