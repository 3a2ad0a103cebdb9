"""The Evidence page's chart: each share as a dot with its 95% interval as a line, drawn on the
server as SVG (no script, no inline style: positions are SVG attributes, colours come from
static/analytics/evidence.css). Only shown numbers are drawn; a hidden row gets no dot and the
caption says how many were left out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Drawn 320 units wide, the width it has on a 360-pixel phone, so its 13-unit text stays about
# 13 pixels there (issue #13); each measure's name sits above its interval, not beside it.
WIDTH = 320
LABEL_WIDTH = 18  # the plot's left edge: room for half of "0%" under it
ROW_HEIGHT = 42  # the measure's name, then its dot and interval
TOP = 22  # room for the scale above the rows
PLOT = WIDTH - 2 * LABEL_WIDTH


@dataclass(frozen=True)
class Dot:
    label: str
    y: float  # the interval's line
    label_y: float  # the name's baseline, above it
    x: float
    x_low: float
    x_high: float
    text: str  # "58% (52% to 64%)"


@dataclass(frozen=True)
class IntervalChart:
    title: str
    height: int
    dots: list[Dot]
    ticks: list[tuple[float, str]]  # (x, "25%")
    missing: int
    label_x: int = 0
    plot_left: int = LABEL_WIDTH
    plot_right: int = LABEL_WIDTH + PLOT
    width: int = WIDTH


def _x(share: float) -> float:
    return round(LABEL_WIDTH + PLOT * max(0.0, min(1.0, share)), 1)


def interval_chart(
    title: str, rows: Sequence[tuple[str, float | None, float | None, float | None]]
) -> IntervalChart:
    """`rows`: (label, share, low, high), shares 0 to 1; None when not shown."""
    dots = []
    shown = [r for r in rows if r[1] is not None]
    for i, (label, share, low, high) in enumerate(shown):
        y = TOP + ROW_HEIGHT * i + 30
        dots.append(
            Dot(
                label=label,
                y=y,
                label_y=y - 16,
                x=_x(share),
                x_low=_x(low if low is not None else share),
                x_high=_x(high if high is not None else share),
                text=f"{share:.0%} ({(low or 0):.0%} to {(high or 0):.0%})",
            )
        )
    ticks = [(_x(t / 100), f"{t}%") for t in (0, 25, 50, 75, 100)]
    return IntervalChart(
        title=title,
        height=TOP + ROW_HEIGHT * max(1, len(shown)) + 8,
        dots=dots,
        ticks=ticks,
        missing=len(rows) - len(shown),
    )
