"""Small bar charts drawn on the server as inline SVG: the geometry here, the markup in macros/charts.html."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.text import rupiah

WIDTH = 340
HEIGHT = 150
TOP = 14
LABELS = 18
# Colours with at least 3:1 contrast against the white card, told apart by the legend and the text too.
COLOURS = ("#1b6e3a", "#b3541e", "#2b5d9c", "#6d4c9f")


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    fill: str
    title: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    baseline: float
    labels: list[tuple[float, str]]
    legend: list[tuple[str, str]]
    description: str
    top_value: str


def bar_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[int]]]) -> BarChart:
    """One group of bars per label, one bar per series in it; negative values hang below the zero line.

    `series`: (name, values in rupiah, one per label). The description says every figure in words, for
    screen readers and for anyone who would rather read."""
    values = [v for _, vs in series for v in vs]
    high, low = max([*values, 0]), min([*values, 0])
    span = (high - low) or 1
    plot = HEIGHT - TOP - LABELS

    def y_of(value: int) -> float:
        return TOP + (high - value) * plot / span

    zero = y_of(0)
    group = WIDTH / max(len(labels), 1)
    bar = min(max((group - 4) / max(len(series), 1), 1), 40)
    pad = (group - bar * len(series)) / 2
    bars = []
    for s, (name, vs) in enumerate(series):
        fill = COLOURS[s % len(COLOURS)]
        for i, value in enumerate(vs):
            top = min(y_of(value), zero)
            height = max(abs(y_of(value) - zero), 0.5 if value else 0)
            x = i * group + pad + s * bar
            title = f"{name} {rupiah(value)}"
            bars.append(Bar(round(x, 1), round(top, 1), round(bar, 1), round(height, 1), fill, title))
    words = "; ".join(
        f"{label}: " + ", ".join(f"{name} {rupiah(vs[i])}" for name, vs in series) for i, label in enumerate(labels)
    )
    return BarChart(
        WIDTH,
        HEIGHT,
        bars,
        round(zero, 1),
        [(round(i * group + group / 2, 1), label) for i, label in enumerate(labels)],
        [(name, COLOURS[s % len(COLOURS)]) for s, (name, _) in enumerate(series)],
        words + ".",
        rupiah(high),
    )
