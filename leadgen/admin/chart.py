"""A line chart of sign-ups per day per offer, as plain numbers the SVG template draws."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 40, 12, 12, 28
COLOURS = {"ebook": "#0f6b5c", "adviesgesprek": "#b35c00", "pijncheck": "#4a4fb3"}


@dataclass(frozen=True)
class Series:
    kind: str
    colour: str
    points: str  # "x,y x,y …" for <polyline points>
    total: int


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    series: list[Series]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    plot_left: int
    plot_right: int
    plot_bottom: int


def _nice_max(value: int) -> int:
    """Round up to 1, 2 or 5 times a power of ten, so the axis reads easily."""
    if value <= 4:
        return 4
    magnitude = 10 ** math.floor(math.log10(value))
    return next(step * magnitude for step in (1, 2, 5, 10) if step * magnitude >= value)


def line_chart(days: list[date], signups: dict[str, list[int]]) -> Chart:
    top = _nice_max(max((max(c, default=0) for c in signups.values()), default=0))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(days) - 1, 1)

    def x(i: int) -> float:
        return round(LEFT + i * step, 1)

    def y(v: float) -> float:
        return round(TOP + plot_h - v / top * plot_h, 1)

    series = [
        Series(
            kind=kind,
            colour=COLOURS.get(kind, "#333"),
            points=" ".join(f"{x(i)},{y(v)}" for i, v in enumerate(counts)),
            total=sum(counts),
        )
        for kind, counts in signups.items()
    ]
    parts = 4 if top % 4 == 0 else 2  # whole numbers on every gridline
    y_ticks = [Tick(y(top * n / parts), str(top * n // parts)) for n in range(parts + 1)]
    every = 7 if len(days) <= 31 else 14
    x_ticks = [
        Tick(x(i), f"{day:%d-%m}") for i, day in enumerate(days) if (len(days) - 1 - i) % every == 0
    ]
    return Chart(WIDTH, HEIGHT, series, y_ticks, x_ticks, LEFT, WIDTH - RIGHT, TOP + plot_h)
