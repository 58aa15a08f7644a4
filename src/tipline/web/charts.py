"""Bar charts as inline SVG, drawn on the server (no script, no chart library): the geometry
is computed here, `templates/_chart.html` draws it, and every chart's numbers are also in a
table next to it for screen readers and for reading exact values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

ROW = 22  # pixels per bar
LABEL_WIDTH = 170
BAR_WIDTH = 360
VALUE_WIDTH = 60


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    y: int
    width: int  # the bar's length in pixels (at least 1 for a value above zero)


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: list[Bar]
    width: int
    height: int
    label_width: int = LABEL_WIDTH
    bar_height: int = ROW - 6

    @property
    def value_x(self) -> int:
        return self.label_width + BAR_WIDTH + 6


def bar_chart(title: str, rows: Sequence[tuple[str, float]]) -> BarChart:
    """Horizontal bars, one row per (label, value), scaled to the largest value."""
    top = max((value for _label, value in rows), default=0) or 1
    bars = [Bar(label if len(label) <= 26 else label[:25] + "…", value, i * ROW,
                max(1, round(BAR_WIDTH * value / top)) if value > 0 else 0)
            for i, (label, value) in enumerate(rows)]
    return BarChart(title, bars, LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH,
                    max(ROW, len(bars) * ROW))
