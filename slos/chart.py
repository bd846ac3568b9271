"""An SLO's daily attainment as an SVG bar chart, laid out here and drawn by
templates/catalog/_slo_chart.html (no JavaScript, no build step).

Readable in black and white: days that kept the target are solid bars, days
below it are hatched, days without measurements carry a cross on the
baseline, and the target is a dashed line with its value written beside it.
"""

import math
from dataclasses import dataclass

from .rules import Day

WIDTH = 720
HEIGHT = 180
LEFT = 48  # room for the axis labels
RIGHT = 8
TOP = 10
BOTTOM = 28


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    day: Day
    kept: bool  # the day's attainment reached the target

    @property
    def title(self) -> str:
        if self.day.attainment is None:
            return f"{self.day.day:%d %b}: no measurements"
        return f"{self.day.day:%d %b}: {self.day.attainment:.2f} % ({self.day.good} of {self.day.total} good)"


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    baseline: float
    right: float
    bars: list[Bar]
    missing: list[tuple[float, Day]]  # x of the cross, and its day
    target_y: float
    target_label: str
    ticks: list[Tick]
    date_labels: list[tuple[float, str]]


def _floor(days: list[Day], target: float) -> float:
    """The lowest attainment the y axis shows: a little below the target and
    the worst day, on a round number, so differences near the top stay visible."""
    worst = min((day.attainment for day in days if day.attainment is not None), default=target)
    low = min(worst, target - max(1.0, (100.0 - target) * 4))
    for step in (1, 5, 10, 25):
        if 100 - low <= step * 8:
            return max(0.0, math.floor(low / step) * step)
    return 0.0


def chart(days: list[Day], *, target: float) -> Chart:
    floor = _floor(days, target)
    plot_height = HEIGHT - TOP - BOTTOM
    plot_width = WIDTH - LEFT - RIGHT
    baseline = TOP + plot_height

    def y_of(value: float) -> float:
        return TOP + plot_height * (100.0 - max(floor, min(100.0, value))) / (100.0 - floor or 1.0)

    slot = plot_width / max(1, len(days))
    gap = min(2.0, slot * 0.2)
    bars, missing = [], []
    for index, day in enumerate(days):
        x = LEFT + index * slot
        if day.attainment is None:
            missing.append((round(x + slot / 2, 1), day))
            continue
        top = y_of(day.attainment)
        # A day at the floor still gets a sliver, so it does not read as "no data".
        height = max(1.0, baseline - top)
        bars.append(
            Bar(round(x + gap / 2, 1), round(baseline - height, 1), round(slot - gap, 1), round(height, 1), day, day.attainment >= target)
        )
    # The floor, the target and the top; the target's tick is dropped when it would crowd another.
    ticks = [Tick(round(y_of(value), 1), f"{value:g} %") for value in sorted({floor, 100.0})]
    if all(abs(y_of(target) - tick.y) >= 12 for tick in ticks):
        ticks.append(Tick(round(y_of(target), 1), f"{target:g} %"))
    every = max(1, math.ceil(len(days) / 6))
    date_labels = [(round(LEFT + index * slot + slot / 2, 1), f"{day.day:%d %b}") for index, day in enumerate(days) if index % every == 0]
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        baseline=round(baseline, 1),
        right=WIDTH - RIGHT,
        bars=bars,
        missing=missing,
        target_y=round(y_of(target), 1),
        target_label=f"{target:g} %",
        ticks=ticks,
        date_labels=date_labels,
    )
