"""The projection chart, drawn on the server as SVG (like the child's growth chart, decision
0005): workers needed per profession for each year of the projection. Plain geometry, no
Django; the template draws it with classes only (no inline styles, for the page's CSP)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# Drawn 320 units wide, the width it has on a 360-pixel phone, so its 13-unit text stays about
# 13 pixels there (issue #13; drawn 640 wide it shrank to half that).
WIDTH, HEIGHT = 320, 230
LEFT, RIGHT, TOP, BOTTOM = 44, 14, 26, 42


@dataclass(frozen=True)
class Line:
    label: str
    kind: str  # a CSS class: the profession's code
    points: str  # "x,y x,y ..."
    last: tuple[float, float]


def nice_top(value: float) -> float:
    """A round number at or above `value` for the top of the scale (1, 2, 2.5, 5 × 10^n)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def line_chart(
    *,
    title: str,
    axis: str,
    years: Sequence[int],
    series: Sequence[tuple[str, str, Sequence[float]]],
) -> dict:
    """`series`: (label, css kind, one value per year)."""
    right = WIDTH - RIGHT
    bottom = HEIGHT - BOTTOM
    top_value = nice_top(max((v for _, _, values in series for v in values), default=0.0))
    last_year = max(years) if years else 1

    def x(year: int) -> float:
        return round(LEFT + (right - LEFT) * year / (last_year or 1), 1)

    def y(value: float) -> float:
        return round(bottom - (bottom - TOP) * value / top_value, 1)

    lines = []
    for label, kind, values in series:
        points = [(x(year), y(v)) for year, v in zip(years, values, strict=True)]
        lines.append(Line(label, kind, " ".join(f"{px},{py}" for px, py in points), points[-1]))
    y_ticks = [{"y": y(top_value * i / 4), "label": f"{top_value * i / 4:g}"} for i in range(5)]
    x_ticks = [{"x": x(year), "label": str(year)} for year in years if year % 5 == 0]
    return {
        "title": title,
        "axis": axis,
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": right,
        "top": TOP,
        "bottom": bottom,
        "label_x": LEFT - 6,
        "label_y": bottom + 18,
        "x_title_x": (LEFT + right) / 2,
        "x_title_y": HEIGHT - 6,
        "lines": lines,
        "y_ticks": y_ticks,
        "x_ticks": x_ticks,
    }
