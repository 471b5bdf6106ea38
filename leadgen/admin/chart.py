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


# The funnel chart: per blog post (or campaign) a group of five bars, views to patients, each as
# long as its share of the group's largest step; the counts are written beside the bars.
FUNNEL_WIDTH, FUNNEL_LABEL, FUNNEL_BAR, FUNNEL_GAP, FUNNEL_TITLE = 720, 110, 12, 3, 22
FUNNEL_GROUP_GAP, FUNNEL_COUNT_ROOM = 14, 56


@dataclass(frozen=True)
class Bar:
    step: str
    y: float
    width: float
    count: int


@dataclass(frozen=True)
class Group:
    y: float  # the baseline of the group's title (the template writes it)
    bars: list[Bar]


@dataclass(frozen=True)
class FunnelChart:
    width: int
    height: int
    bar_left: int
    bar_height: int
    groups: list[Group]


def funnel_chart(groups: list[dict[str, int]], steps: tuple[str, ...]) -> FunnelChart:
    """Lay out `groups` (each a count per step) as bars the SVG template draws."""
    room = FUNNEL_WIDTH - FUNNEL_LABEL - FUNNEL_COUNT_ROOM
    laid_out, y = [], 0.0
    for counts in groups:
        largest = max((counts.get(step, 0) for step in steps), default=0) or 1
        y += FUNNEL_TITLE
        title_y = y - 7
        bars = []
        for step in steps:
            count = counts.get(step, 0)
            # A step that happened at all shows at least a sliver next to its number.
            width = round(max(room * count / largest, 2 if count else 0), 1)
            bars.append(Bar(step, y, width, count))
            y += FUNNEL_BAR + FUNNEL_GAP
        laid_out.append(Group(title_y, bars))
        y += FUNNEL_GROUP_GAP
    return FunnelChart(FUNNEL_WIDTH, max(int(y), 1), FUNNEL_LABEL, FUNNEL_BAR, laid_out)
