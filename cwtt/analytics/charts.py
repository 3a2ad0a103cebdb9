"""The Evidence page's charts: each share (or difference) as a dot with its 95% interval as a
line, drawn on the server as SVG (no script, no inline style: positions are SVG attributes, colours come from
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


def _chart(title, rows, x_of, text_of, ticks) -> IntervalChart:
    """One row per measure with a value: its name above its dot and interval."""
    dots = []
    shown = [r for r in rows if r[1] is not None]
    for i, (label, value, low, high) in enumerate(shown):
        low = value if low is None else low
        high = value if high is None else high
        y = TOP + ROW_HEIGHT * i + 30
        dots.append(
            Dot(
                label=label,
                y=y,
                label_y=y - 16,
                x=x_of(value),
                x_low=x_of(low),
                x_high=x_of(high),
                text=text_of(value, low, high),
            )
        )
    return IntervalChart(
        title=title,
        height=TOP + ROW_HEIGHT * max(1, len(shown)) + 8,
        dots=dots,
        ticks=ticks,
        missing=len(rows) - len(shown),
    )


def interval_chart(
    title: str, rows: Sequence[tuple[str, float | None, float | None, float | None]]
) -> IntervalChart:
    """`rows`: (label, share, low, high), shares 0 to 1; None when not shown."""
    return _chart(
        title,
        rows,
        _x,
        lambda share, low, high: f"{share:.0%} ({low:.0%} to {high:.0%})",
        [(_x(t / 100), f"{t}%") for t in (0, 25, 50, 75, 100)],
    )


def _x_difference(value: float) -> float:
    return round(LABEL_WIDTH + PLOT * (max(-1.0, min(1.0, value)) + 1) / 2, 1)


def difference_chart(
    title: str, rows: Sequence[tuple[str, float | None, float | None, float | None]]
) -> IntervalChart:
    """`rows`: (label, difference, low, high), differences -1 to 1 drawn as -100 to +100
    points around a line at 0; None when not shown."""
    return _chart(
        title,
        rows,
        _x_difference,
        lambda d, low, high: f"{100 * d:+.0f} points ({100 * low:+.0f} to {100 * high:+.0f})",
        [(_x_difference(t / 100), f"{t:+d}" if t else "0") for t in (-100, -50, 0, 50, 100)],
    )
