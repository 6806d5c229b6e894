"""The cooperative's clock: its time zone, today, day bounds in UTC, periods (day, week, month), month names.

A business day is a local date: a village's day ends at its own midnight, whatever the server's zone.
Stored times are UTC; pages show them on the cooperative's clock.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.errors import InvalidInput
from app.forms import parse_date
from app.i18n import MonthNames, _, format_date

__all__ = [
    "DEFAULT_TIMEZONE",
    "MONTHS",
    "PERIOD_KINDS",
    "Period",
    "bounds",
    "day_bounds",
    "last_months",
    "local_date",
    "local_midnight",
    "local_time",
    "local_today",
    "parse_date",
    "parse_period",
    "period_containing",
    "tanggal",
    "zone_label",
    "zone_of",
]

DEFAULT_TIMEZONE = "Asia/Makassar"
# Month names of the request's language (Babel's CLDR data), indexed 0-11: "Januari" … "Desember" in Indonesian.
MONTHS = MonthNames()
_ZONE_LABELS = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
# What the books pages accept as `jenis`; quota windows also use "day".
PERIOD_KINDS = {"bulan": "month", "minggu": "week", "month": "month", "week": "week"}
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class HasTimezone(Protocol):
    @property
    def timezone(self) -> str: ...


ZoneSource = HasTimezone | str | None


def zone_of(source: ZoneSource) -> ZoneInfo:
    """The zone of a cooperative (or a zone name); an unknown or empty name falls back to WITA."""
    name = source if source is None or isinstance(source, str) else source.timezone
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def zone_label(source: ZoneSource) -> str:
    """`WIB`, `WITA` or `WIT`, as Indonesians name their zones."""
    key = zone_of(source).key
    return _ZONE_LABELS.get(key, key)


def local_today(source: ZoneSource, now: datetime.datetime | None = None) -> datetime.date:
    return (now or datetime.datetime.now(datetime.UTC)).astimezone(zone_of(source)).date()


def local_date(source: ZoneSource, moment: datetime.datetime) -> datetime.date:
    """The local date of a stored time; a naive time is UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(zone_of(source)).date()


def local_midnight(source: ZoneSource, day: datetime.date) -> datetime.datetime:
    """The UTC instant the local `day` starts."""
    return datetime.datetime.combine(day, datetime.time(), tzinfo=zone_of(source)).astimezone(datetime.UTC)


def day_bounds(
    source: ZoneSource, first: datetime.date, last: datetime.date | None = None
) -> tuple[datetime.datetime, datetime.datetime]:
    """UTC [start, end) of the local days first..last, both included."""
    return local_midnight(source, first), local_midnight(source, (last or first) + datetime.timedelta(days=1))


def bounds(source: ZoneSource, start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """UTC [start, end) from local midnight of `start` to local midnight of `end` (not included)."""
    return local_midnight(source, start), local_midnight(source, end)


def local_time(moment: datetime.datetime | None, tz: str = DEFAULT_TIMEZONE, fmt: str = "%d/%m/%Y %H:%M") -> str:
    """A stored UTC time as the cooperative's clock shows it: `27/11/2026 19:52 WITA`."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return f"{moment.astimezone(zone_of(tz)).strftime(fmt)} {zone_label(tz)}"


def tanggal(day: datetime.date) -> str:
    """`2026-12-01` → `1 Desember 2026` (or `1 December 2026` in English)."""
    return format_date(day)


@dataclass(frozen=True)
class Period:
    kind: str  # "day" | "week" (from Monday) | "month"
    start: datetime.date
    end: datetime.date  # not included

    @classmethod
    def containing(cls, kind: str, day: datetime.date) -> Period:
        return period_containing(kind, day)

    @property
    def key(self) -> str:
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "day":
            return self.start.isoformat()
        year, week, _weekday = self.start.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{MONTHS[self.start.month - 1]} {self.start.year}"
        if self.kind == "day":
            return tanggal(self.start)
        return _(
            "Minggu %(start)s – %(end)s", start=self.start.strftime("%d/%m"), end=self.last_day.strftime("%d/%m/%Y")
        )

    @property
    def last_day(self) -> datetime.date:
        return self.end - datetime.timedelta(days=1)

    @property
    def kind_param(self) -> str:
        return {"month": "bulan", "week": "minggu", "day": "hari"}[self.kind]

    def previous(self) -> Period:
        return period_containing(self.kind, self.start - datetime.timedelta(days=1))

    def next(self) -> Period:
        return period_containing(self.kind, self.end)

    def bounds(self, source: ZoneSource) -> tuple[datetime.datetime, datetime.datetime]:
        """The period as UTC [start, end) on the cooperative's clock."""
        return bounds(source, self.start, self.end)


def period_containing(kind: str, day: datetime.date) -> Period:
    if kind == "day":
        return Period("day", day, day + datetime.timedelta(days=1))
    if kind == "week":
        start = day - datetime.timedelta(days=day.weekday())
        return Period("week", start, start + datetime.timedelta(days=7))
    if kind == "month":
        start = day.replace(day=1)
        return Period("month", start, (start + datetime.timedelta(days=32)).replace(day=1))
    raise ValueError(f"unknown period kind {kind!r}")


def parse_period(kind: str | None, value: str | None, today: datetime.date) -> Period:
    """`bulan`/`2026-11` or `minggu`/`2026-W47`; an empty value gives the period containing today."""
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
    """The `count` months up to and including the one containing `today`, oldest first."""
    periods = [period_containing("month", today)]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    return list(reversed(periods))
