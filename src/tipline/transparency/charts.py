"""Charts of the transparency report, drawn on the server by matplotlib as SVG and embedded
as `data:` images (nothing is loaded from another origin, and a page's style policy does
not reach inside an image). The same numbers always give the same bytes: SVG ids come from a
fixed salt, no date is written, text stays text (no font outlines that differ by machine)."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from typing import Any

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

STYLE: dict[Any, Any] = {"svg.hashsalt": "tipline-transparency", "svg.fonttype": "none",
         "font.family": "sans-serif", "font.size": 9}
BAR = "#2f5d8a"


def bar_svg(title: str, rows: Sequence[tuple[str, int | None]]) -> bytes:
    """Horizontal bars; a suppressed value (None) gets no bar and the label "<10"."""
    with matplotlib.rc_context(STYLE):
        height = 0.9 + 0.28 * max(1, len(rows))
        figure = Figure(figsize=(6.4, height))
        axes = figure.add_subplot()
        labels = [label if len(label) <= 40 else label[:39] + "…" for label, _ in rows]
        values = [value or 0 for _, value in rows]
        positions = list(range(len(rows)))
        axes.barh(positions, values, color=BAR)
        axes.set_yticks(positions, labels)
        axes.invert_yaxis()
        axes.set_title(title, loc="left")
        top = max(values, default=0) or 1
        for y, (_, value) in zip(positions, rows, strict=True):
            axes.text((value or 0) + top * 0.01, y, "<10" if value is None else str(value),
                      va="center")
        axes.set_xlim(0, top * 1.15)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no 2.5 reports
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        figure.tight_layout()
        out = io.BytesIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
        return out.getvalue()


def data_uri(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
