"""What each chart draws, as plain data for `json_script`; static/dashboards/charts.js hands it to
Chart.js. A chart is the picture of a table on the same page and is drawn from the table's
shown numbers only: a hidden number is None, which Chart.js leaves out, and `missing` says how
many were left out so the caption can tell the reader.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _


def _lines(label: str) -> list[str] | str:
    """A long label on several lines, so the bars keep their room on a 360-pixel screen."""
    lines = textwrap.wrap(str(label), 16)
    return lines if len(lines) > 1 else str(label)


def bar_chart(
    *,
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int | None]]],
    unit: str = "",
    axis: str = "",
    top: int | None = None,
    signed: bool = False,
) -> dict[str, Any]:
    """A horizontal bar chart: one group of bars per label, one bar per series. `unit` follows
    each number ("%"), `axis` names the value axis, `top` fixes the end of the scale (100 for
    shares); `signed` colours rises and falls (a change)."""
    values = [list(vals) for _, vals in series]
    lines = [_lines(label) for label in labels]
    # Room for each group of bars and its label (in rem), the axis, and a legend.
    rows = sum(
        max(1.4 * max(1, len(series)), 1.1 * (len(line) if isinstance(line, list) else 1) + 0.5)
        for line in lines
    )
    height = 4 + rows + (2 if len(series) > 1 else 0) + (1.5 if axis else 0)
    return {
        "title": str(title),
        "labels": lines,
        "series": [
            {"label": str(name), "values": vals}
            for (name, _), vals in zip(series, values, strict=True)
        ],
        "unit": unit,
        "axis": str(axis),
        "top": top,
        "signed": signed,
        "not_shown": _("not shown"),
        "missing": sum(v is None for vals in values for v in vals),
        # Bars with a length: a chart of nothing but zeros and hidden numbers is left out.
        "drawn": sum(bool(v) for vals in values for v in vals),
        "height": f"{height:.1f}rem",  # charts.js sets the chart box's height
    }
