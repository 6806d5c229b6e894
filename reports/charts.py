"""Chart geometry drawn on the server: the daily sales bars and their short rupiah axis labels."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from babel.numbers import get_decimal_symbol

from app.i18n import _, get_locale


@dataclass(frozen=True)
class Bar:
    day: datetime.date
    amount: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class SalesChart:
    """Bars and labels in SVG user units; the template only draws them."""

    width: int
    height: int
    bars: Sequence[Bar]
    ticks: Sequence[Tick]
    day_labels: Sequence[tuple[float, str]]
    total: int
    plot_left: int
    plot_bottom: int

    @property
    def has_sales(self) -> bool:
        return self.total > 0


def short_rupiah(amount: int) -> str:
    """`1250000` → `Rp1,25jt`, `120000` → `Rp120rb` (`Rp1.25M`, `Rp120K` in English): axis labels that fit a phone."""
    if amount >= 1_000_000:
        text = f"{amount / 1_000_000:.2f}".rstrip("0").rstrip(".").replace(".", get_decimal_symbol(get_locale()))
        return _("Rp%(amount)sjt", amount=text)
    if amount >= 1_000:
        return _("Rp%(amount)srb", amount=amount // 1_000)
    return f"Rp{amount}"


def _nice_ceiling(value: int) -> int:
    if value <= 0:
        return 1_000
    magnitude = int(10 ** (len(str(value)) - 1))
    for step in (1, 2, 2.5, 5, 10):
        ceiling = int(step * magnitude)
        if ceiling >= value:
            return ceiling
    return 10 * magnitude


def sales_chart(points: Sequence[tuple[datetime.date, int]], *, width: int = 360, height: int = 180) -> SalesChart:
    """Daily sales as bars, oldest left; y axis from 0 to a round ceiling with three labelled lines."""
    left, right, top, bottom = 52, 16, 8, 24
    plot_w, plot_h = width - left - right, height - top - bottom
    ceiling = _nice_ceiling(max((a for _, a in points), default=0))
    slot = plot_w / max(len(points), 1)
    bars = []
    for index, (day, amount) in enumerate(points):
        h = plot_h * amount / ceiling
        bars.append(
            Bar(
                day=day,
                amount=amount,
                x=round(left + index * slot + slot * 0.15, 2),
                y=round(top + plot_h - h, 2),
                width=round(slot * 0.7, 2),
                height=round(h, 2),
            )
        )
    ticks = [Tick(y=round(top + plot_h - plot_h * f, 2), label=short_rupiah(int(ceiling * f))) for f in (0, 0.5, 1)]
    day_labels = [
        (round(left + i * slot + slot / 2, 2), f"{day.day}/{day.month}")
        for i, (day, _) in enumerate(points)
        if (len(points) - 1 - i) % 7 == 0
    ]
    return SalesChart(
        width=width,
        height=height,
        bars=bars,
        ticks=ticks,
        day_labels=day_labels,
        total=sum(a for _, a in points),
        plot_left=left,
        plot_bottom=top + plot_h,
    )
