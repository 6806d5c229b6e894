"""The cooperative's clock: zones, local dates, day bounds in UTC, periods and Indonesian month names."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest

from app.clock import (
    MONTHS,
    Period,
    bounds,
    day_bounds,
    last_months,
    local_date,
    local_midnight,
    local_time,
    local_today,
    parse_period,
    period_containing,
    tanggal,
    zone_label,
    zone_of,
)
from app.errors import InvalidInput

UTC = datetime.UTC


@dataclass
class Coop:
    timezone: str


def test_zone_of_takes_a_cooperative_or_a_name_and_falls_back_to_wita() -> None:
    assert zone_of(Coop("Asia/Jakarta")).key == "Asia/Jakarta"
    assert zone_of("Asia/Jayapura").key == "Asia/Jayapura"
    for unknown in (None, "", "Mars/Olympus", "../etc/passwd", Coop("")):
        assert zone_of(unknown).key == "Asia/Makassar"
    assert [zone_label(z) for z in ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura", "Europe/Berlin")] == [
        "WIB",
        "WITA",
        "WIT",
        "Europe/Berlin",
    ]


def test_local_today_and_date_follow_the_village_midnight() -> None:
    # 16:30 UTC is 00:30 the next day in WITA (UTC+8), still the same day in WIB (UTC+7).
    now = datetime.datetime(2026, 11, 27, 16, 30, tzinfo=UTC)
    assert local_today(Coop("Asia/Makassar"), now) == datetime.date(2026, 11, 28)
    assert local_today("Asia/Jakarta", now) == datetime.date(2026, 11, 27)
    assert local_date("Asia/Makassar", now.replace(tzinfo=None)) == datetime.date(2026, 11, 28)  # naive is UTC
    assert isinstance(local_today(None), datetime.date)


def test_day_bounds_cover_whole_local_days_in_utc() -> None:
    day = datetime.date(2026, 11, 27)
    start, end = day_bounds("Asia/Makassar", day)
    assert start == datetime.datetime(2026, 11, 26, 16, tzinfo=UTC)
    assert end == datetime.datetime(2026, 11, 27, 16, tzinfo=UTC)
    start, end = day_bounds(Coop("Asia/Jayapura"), day, day + datetime.timedelta(days=2))
    assert (end - start) == datetime.timedelta(days=3) and start.hour == 15
    # `bounds` takes an end that is not included, as periods do.
    assert bounds("Asia/Makassar", day, day + datetime.timedelta(days=1)) == day_bounds("Asia/Makassar", day)
    assert local_midnight("Asia/Jakarta", day) == datetime.datetime(2026, 11, 26, 17, tzinfo=UTC)


def test_local_time_shows_the_zone() -> None:
    moment = datetime.datetime(2026, 11, 27, 11, 52, tzinfo=UTC)
    assert local_time(moment, "Asia/Makassar") == "27/11/2026 19:52 WITA"
    assert local_time(moment.replace(tzinfo=None), "Nowhere/City") == "27/11/2026 19:52 WITA"
    assert local_time(moment, "Asia/Jakarta", "%H:%M") == "18:52 WIB"
    assert local_time(None) == ""


def test_month_names_and_tanggal() -> None:
    assert len(MONTHS) == 12 and MONTHS[0] == "Januari" and MONTHS[11] == "Desember"
    assert tanggal(datetime.date(2026, 12, 1)) == "1 Desember 2026"


def test_periods_of_each_kind() -> None:
    day = datetime.date(2026, 11, 27)  # a Friday
    month = Period.containing("month", day)
    assert (month.start, month.end, month.key, month.label) == (
        datetime.date(2026, 11, 1),
        datetime.date(2026, 12, 1),
        "2026-11",
        "November 2026",
    )
    assert month.previous().key == "2026-10" and month.next().key == "2026-12"
    assert period_containing("month", datetime.date(2026, 12, 31)).next().key == "2027-01"
    week = period_containing("week", day)
    assert week.start == datetime.date(2026, 11, 23) and week.last_day == datetime.date(2026, 11, 29)
    assert week.key == "2026-W48" and week.label == "Minggu 23/11 – 29/11/2026" and week.kind_param == "minggu"
    assert week.next().start == datetime.date(2026, 11, 30)
    one = period_containing("day", day)
    assert (one.key, one.label, one.kind_param, one.next().start) == (
        "2026-11-27",
        "27 November 2026",
        "hari",
        datetime.date(2026, 11, 28),
    )
    assert month.bounds("Asia/Makassar") == day_bounds("Asia/Makassar", month.start, month.last_day)
    with pytest.raises(ValueError, match="unknown period"):
        period_containing("year", day)


def test_parse_period_and_last_months() -> None:
    today = datetime.date(2026, 11, 27)
    assert parse_period(None, None, today).key == "2026-11"
    assert parse_period("minggu", "2026-W48", today).start == datetime.date(2026, 11, 23)
    assert parse_period("week", "", today).key == "2026-W48"
    for kind, value in [("tahun", None), ("bulan", "2026-13"), ("minggu", "2026-11"), ("bulan", "2026/11")]:
        with pytest.raises(InvalidInput):
            parse_period(kind, value, today)
    assert [p.key for p in last_months(today, 3)] == ["2026-09", "2026-10", "2026-11"]
