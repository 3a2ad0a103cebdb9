"""The Evidence page's charts: each share (or difference) as a dot with its 95% interval as a
line, drawn on the server as SVG (no script, no inline style: positions are SVG attributes, colours come from
static/analytics/evidence.css). Only shown numbers are drawn; a hidden row gets no dot and the
caption says how many were left out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640
LABEL_WIDTH = 260  # room for the measure's name on the left
ROW_HEIGHT = 26
TOP = 28  # room for the scale above the rows
PLOT = WIDTH - LABEL_WIDTH - 20


@dataclass(frozen=True)
class Dot:
    label: str
    y: float
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
    label_x: int = LABEL_WIDTH - 8
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
        y = TOP + ROW_HEIGHT * i + ROW_HEIGHT / 2
        dots.append(
            Dot(
                label=label,
                y=y,
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


def _x_difference(value: float) -> float:
    return round(LABEL_WIDTH + PLOT * (max(-1.0, min(1.0, value)) + 1) / 2, 1)


def difference_chart(
    title: str, rows: Sequence[tuple[str, float | None, float | None, float | None]]
) -> IntervalChart:
    """`rows`: (label, difference, low, high), differences -1 to 1 drawn as -100 to +100
    points around a line at 0; None when not shown."""
    dots = []
    shown = [r for r in rows if r[1] is not None]
    for i, (label, difference, low, high) in enumerate(shown):
        low = difference if low is None else low
        high = difference if high is None else high
        dots.append(
            Dot(
                label=label,
                y=TOP + ROW_HEIGHT * i + ROW_HEIGHT / 2,
                x=_x_difference(difference),
                x_low=_x_difference(low),
                x_high=_x_difference(high),
                text=f"{100 * difference:+.0f} points ({100 * low:+.0f} to {100 * high:+.0f})",
            )
        )
    ticks = [(_x_difference(t / 100), f"{t:+d}" if t else "0") for t in (-100, -50, 0, 50, 100)]
    return IntervalChart(
        title=title,
        height=TOP + ROW_HEIGHT * max(1, len(shown)) + 8,
        dots=dots,
        ticks=ticks,
        missing=len(rows) - len(shown),
    )
