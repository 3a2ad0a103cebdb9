"""Growth on a child's page: every measurement's z-scores with WHO's category in plain words,
and charts of height-for-age and BMI-for-age against WHO's reference lines (issue #13).

Nothing is worked out here that the measure does not already work out: the z-scores and the
classes come from the instrument's growth measure through the scorer (`Scorer.measures_of`,
the same code that feeds the scoring rules), and the reference lines from the WHO LMS tables
through `growth.reference_value`. This module only words them and places them on a drawing.

Who sees them: a measure's results are as sensitive as the answers it reads
(`measure_sensitivity`), so growth is shown only to readers of those answers' classes (health,
in the default instrument: nurses and social workers, not teachers). Decision 0051.

No query is made per measurement: the assessments are the page's own list (already read), and
each instrument version is compiled once per process (`scorer_for`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cwtt.assessments.actions import child_facts
from cwtt.instruments.actions import scorer_for
from cwtt.instruments.engine.definition import measure_sensitivity
from cwtt.instruments.measures.growth import (
    WEIGHT_FOR_AGE_2007_UNTIL_MONTHS,
    WHO_2007_FROM_MONTHS,
    overweight_cutoffs,
    reference_value,
)

MINUS = "\u2212"  # a real minus sign: "−2 SD" reads better than "-2 SD"


def signed(value: float) -> str:
    """A z-score as people read it, in the page's language: +0.45, −1.23, 0.00."""
    digits = number_format(abs(value), 2)
    if value == 0:
        return digits
    return ("+" if value > 0 else MINUS) + digits


def _n(value: float) -> str:
    """A drawing coordinate: always with a full stop, whatever the page's language (a comma
    would break the SVG)."""
    return f"{value:.1f}".removesuffix(".0")


def _sd_words(z: float) -> str:
    return _("%(z)s SD") % {"z": f"{z:+g}".replace("-", MINUS)}


@dataclass(frozen=True)
class ZScore:
    """One z-score with its WHO category; `level` colours the badge like a risk level."""

    value: float | None
    category: str
    level: str = "none"  # low (normal), moderate, high (severe), none (undefined)

    @property
    def shown(self) -> str:
        return "—" if self.value is None else signed(self.value)


@dataclass(frozen=True)
class Measurement:
    """One growth measurement: one assessment's height and weight, and what WHO makes of them."""

    on: dt.date
    wave: str
    informant: str
    age_months: float
    height: float | None
    weight: float | None
    bmi: float | None
    haz: ZScore
    waz: ZScore
    baz: ZScore
    problem: str = ""  # why the z-scores could not be worked out

    @property
    def age_text(self) -> str:
        return age_words(self.age_months)

    @property
    def scores(self) -> list[tuple[ZScore, str]]:
        """The three z-scores with their names, in the table's order."""
        return [
            (self.haz, _("Height-for-age")),
            (self.waz, _("Weight-for-age")),
            (self.baz, _("BMI-for-age")),
        ]


@dataclass
class Growth:
    measurements: list[Measurement]  # oldest first
    charts: list[dict[str, Any]] = field(default_factory=list)


def age_words(months: float) -> str:
    """An age in whole years and months: "7 years 11 months"."""
    whole = int(months)
    years, rest = divmod(whole, 12)
    year_text = ngettext("%(n)s year", "%(n)s years", years) % {"n": years}
    month_text = ngettext("%(n)s month", "%(n)s months", rest) % {"n": rest}
    return f"{year_text} {month_text}" if years else month_text


# --- WHO categories in plain words ------------------------------------------------------------

CHECK = "moderate"


def _flagged() -> str:
    return _("check the measurement: far outside what is possible for a child of this age")


def height_for_age(result: dict[str, Any]) -> ZScore:
    z = result.get("haz")
    if z is None:
        return ZScore(None, _("not measured"))
    if result.get("flag_haz"):
        return ZScore(z, _flagged(), CHECK)
    if result.get("severely_stunted"):
        return ZScore(
            z, _("severely stunted (height-for-age below %(sd)s)") % {"sd": _sd_words(-3)}, "high"
        )
    if result.get("stunted"):
        return ZScore(z, _("stunted (height-for-age below %(sd)s)") % {"sd": _sd_words(-2)}, CHECK)
    return ZScore(z, _("normal"), "low")


def weight_for_age(result: dict[str, Any], age_months: float, weighed: bool) -> ZScore:
    z = result.get("waz")
    if z is None:
        if weighed and age_months > WEIGHT_FOR_AGE_2007_UNTIL_MONTHS:
            return ZScore(None, _("not defined after 10 years (see BMI-for-age)"))
        return ZScore(None, _("not measured"))
    if result.get("flag_waz"):
        return ZScore(z, _flagged(), CHECK)
    if result.get("severely_underweight"):
        return ZScore(
            z,
            _("severely underweight (weight-for-age below %(sd)s)") % {"sd": _sd_words(-3)},
            "high",
        )
    if result.get("underweight"):
        return ZScore(
            z, _("underweight (weight-for-age below %(sd)s)") % {"sd": _sd_words(-2)}, CHECK
        )
    return ZScore(z, _("normal"), "low")


def bmi_for_age(result: dict[str, Any], age_months: float) -> ZScore:
    z = result.get("baz")
    if z is None:
        return ZScore(None, _("not measured"))
    if result.get("flag_baz"):
        return ZScore(z, _flagged(), CHECK)
    overweight, obese = overweight_cutoffs(age_months)
    # WHO's words: "wasted" in the standards for under-fives, "thin" in the 5-19 reference.
    under_five = age_months < WHO_2007_FROM_MONTHS
    if result.get("severely_thin"):
        words = (
            _("severely wasted (BMI-for-age below %(sd)s)")
            if under_five
            else _("severely thin (BMI-for-age below %(sd)s)")
        )
        return ZScore(z, words % {"sd": _sd_words(-3)}, "high")
    if result.get("thin"):
        words = (
            _("wasted (BMI-for-age below %(sd)s)")
            if under_five
            else _("thin (BMI-for-age below %(sd)s)")
        )
        return ZScore(z, words % {"sd": _sd_words(-2)}, CHECK)
    if result.get("obese"):
        return ZScore(z, _("obese (BMI-for-age above %(sd)s)") % {"sd": _sd_words(obese)}, "high")
    if result.get("overweight"):
        return ZScore(
            z, _("overweight (BMI-for-age above %(sd)s)") % {"sd": _sd_words(overweight)}, CHECK
        )
    return ZScore(z, _("normal"), "low")


# --- the measurements -------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    try:
        return None if value is None or value == "" else float(value)
    except (TypeError, ValueError):
        return None


def growth_measurements(
    child, assessments: Iterable, readable: frozenset[str]
) -> list[Measurement]:
    """The child's growth measurements the reader may see, oldest first: one per growth measure
    of each sent assessment whose height or weight was taken. `assessments` is the page's list
    (with `wave` loaded); drafts are left out, as scoring leaves them out."""
    measured: list[Measurement] = []
    allowed: dict[tuple[int, str], bool] = {}  # (version, measure) → the reader may see it
    for assessment in assessments:
        if not assessment.counts:
            continue
        scorer = scorer_for(assessment.instrument_version_id)
        outcomes = scorer.measures_of(
            assessment.respondent,
            assessment.answers or {},
            child_facts(child, assessment.assessed_on),
            kind="growth",
        )
        for outcome in outcomes:
            key = (assessment.instrument_version_id, outcome.name)
            if key not in allowed:
                spec = next(s for s in scorer.definition.measures if s.name == outcome.name)
                allowed[key] = measure_sensitivity(scorer.definition, spec) <= readable
            if not allowed[key]:
                continue
            measured.append(_measurement(assessment, outcome))
    measured.sort(key=lambda m: (m.on, m.wave))
    return measured


def _measurement(assessment, outcome) -> Measurement:
    age = _number(outcome.inputs.get("age_months")) or 0.0
    weight = _number(outcome.inputs.get("weight_kg"))
    result = dict(outcome.result or {})
    return Measurement(
        on=assessment.assessed_on,
        wave=assessment.wave.name,
        informant=assessment.informant_label(),
        age_months=age,
        height=_number(outcome.inputs.get("height_cm")),
        weight=weight,
        bmi=result.get("bmi"),
        haz=height_for_age(result),
        waz=weight_for_age(result, age, weighed=weight is not None),
        baz=bmi_for_age(result, age),
        problem=outcome.problem,
    )


def child_growth(child, assessments: Iterable, readable: frozenset[str]) -> Growth | None:
    """What the child's page shows of growth to this reader, or None when there is nothing the
    reader may see."""
    measurements = growth_measurements(child, assessments, readable)
    if not measurements:
        return None
    name = child.first_name
    charts = [
        growth_chart(
            indicator="height",
            sex=child.sex,
            measurements=measurements,
            title=_("%(name)s's height for age, against WHO's lines") % {"name": name},
            axis=_("Height (cm)"),
            unit=_("cm"),
            lines=HEIGHT_LINES,
        ),
        growth_chart(
            indicator="bmi",
            sex=child.sex,
            measurements=measurements,
            title=_("%(name)s's BMI for age, against WHO's lines") % {"name": name},
            axis=_("BMI (kg/m²)"),
            unit="",
            lines=BMI_LINES,
        ),
    ]
    return Growth(measurements, [c for c in charts if c["points"]])


# --- the charts -------------------------------------------------------------------------------

# WHO's z-score lines drawn on each chart. BMI-for-age adds +1 SD: from 5 years it is where
# overweight starts (decision 0051).
HEIGHT_LINES: tuple[float, ...] = (-3, -2, 0, 2, 3)
BMI_LINES: tuple[float, ...] = (-3, -2, 0, 1, 2, 3)

# Drawing units. The drawing is 320 wide, about the width it gets on a 360-pixel phone, so its
# 12.5-unit text stays about 12 pixels there (cwtt.css: svg.growth-chart text).
WIDTH, HEIGHT = 320, 260
LEFT, RIGHT, TOP, BOTTOM = 36, 54, 28, 42
LABEL_GAP = 15  # least room between two line labels at the right edge: a line of text
OLDEST_YEARS = 19  # WHO's 2007 reference stops at 228 months


def _value_of(measurement: Measurement, indicator: str) -> float | None:
    if measurement.problem:
        return None
    return measurement.height if indicator == "height" else measurement.bmi


def _year_range(ages: Sequence[float]) -> tuple[int, int]:
    """Whole years around the measured ages, at least two years wide, within WHO's range."""
    low = max(0, math.floor((min(ages) - 6) / 12))
    high = min(OLDEST_YEARS, math.ceil((max(ages) + 6) / 12))
    if high - low < 2:
        high = min(OLDEST_YEARS, low + 2)
        low = max(0, high - 2)
    return low, high


def _step(span: float) -> float:
    """A round tick step giving at most six ticks over `span`."""
    for step in (0.5, 1, 2, 5, 10, 20, 25, 50):
        if span / step <= 6:
            return step
    return 100


def _line_name(z: float) -> str:
    return _("median") if z == 0 else _sd_words(z)


def _line_class(z: float) -> str:
    return {0: "median", 1: "sd1", 2: "sd2", 3: "sd3"}[int(abs(z))]


def growth_chart(
    *,
    indicator: str,
    sex: str,
    measurements: Sequence[Measurement],
    title: str,
    axis: str,
    unit: str,
    lines: Sequence[float],
) -> dict[str, Any]:
    """Geometry for an inline SVG chart of one growth indicator against age: WHO's z-score
    lines over the child's age range (a band between −2 and +2 SD) and the child's points,
    joined in order. Also `table`: the same numbers, for the table under the chart."""
    measured = [(m, v) for m in measurements if (v := _value_of(m, indicator)) is not None]
    if not measured:
        return {"points": []}
    low_year, high_year = _year_range([m.age_months for m, _ in measured])
    first, last = low_year * 12, high_year * 12
    steps = min(last - first, 72)
    ages = [first + (last - first) * i / steps for i in range(steps + 1)]
    curves = {z: [_on_line(indicator, sex, age, z) for age in ages] for z in lines}
    values = [v for curve in curves.values() for v in curve] + [v for _, v in measured]
    step = _step(max(values) - min(values))
    bottom_value = math.floor(min(values) / step) * step
    top_value = math.ceil(max(values) / step) * step
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(age: float) -> str:
        return _n(LEFT + (age - first) / (last - first) * plot_width)

    def y_at(value: float) -> float:
        return TOP + (top_value - value) / (top_value - bottom_value) * plot_height

    def y(value: float) -> str:
        return _n(y_at(value))

    def path(curve: Sequence[float]) -> str:
        return " ".join(f"{x(a)},{y(v)}" for a, v in zip(ages, curve, strict=True))

    drawn = [
        {"z": f"{z:+g}", "name": _line_name(z), "kind": _line_class(z), "points": path(curve)}
        for z, curve in curves.items()
    ]
    band = ""
    if -2 in curves and 2 in curves:
        upper = list(zip(ages, curves[2], strict=True))
        lower = list(zip(ages, curves[-2], strict=True))[::-1]
        band = " ".join(f"{x(a)},{y(v)}" for a, v in upper + lower)
    labels = _spread([(y_at(curve[-1]), _line_name(z)) for z, curve in curves.items()])
    year_step = 1 if high_year - low_year <= 8 else 2
    x_ticks = [
        {"x": x(year * 12), "label": str(year)}
        for year in range(low_year, high_year + 1, year_step)
    ]
    y_ticks = []
    tick = bottom_value
    while tick <= top_value + 1e-9:
        y_ticks.append({"y": y(tick), "label": number_format(tick, 0 if step >= 1 else 1)})
        tick += step
    suffix = f" {unit}" if unit else ""
    points = [
        {
            "x": x(m.age_months),
            "y": y(v),
            "text": _("%(day)s, %(age)s: %(value)s")
            % {
                "day": date_format(m.on, "j M Y"),
                "age": m.age_text,
                "value": number_format(v, 1) + suffix,
            },
        }
        for m, v in measured
    ]
    table = [
        {
            "measurement": m,
            "value": v,
            "lines": [_on_line(indicator, sex, m.age_months, z) for z in lines],
        }
        for m, v in measured
    ]
    return {
        "id": f"growth-{indicator}",
        "title": title,
        "axis": axis,
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right_edge": WIDTH - RIGHT,
        "top": TOP,
        "plot_bottom": HEIGHT - BOTTOM,
        "band": band,
        "lines": drawn,
        "labels": [{"y": _n(ly), "text": text, "x": WIDTH - RIGHT + 4} for ly, text in labels],
        "x_ticks": x_ticks,
        "y_ticks": y_ticks,
        "y_label_x": LEFT - 5,
        "x_label_y": HEIGHT - BOTTOM + 16,
        "x_title_y": HEIGHT - 6,
        "x_title_x": _n(LEFT + plot_width / 2),
        "points": points,
        "trail": " ".join(f"{p['x']},{p['y']}" for p in points),
        "line_names": [_line_name(z) for z in lines],
        "table": table,
        "unit": unit,
    }


def _on_line(indicator: str, sex: str, age_months: float, z: float) -> float:
    """A point of WHO's line `z` SD from the median (height and BMI are defined at every age)."""
    value = reference_value(indicator, sex, age_months, z)
    if value is None:
        raise ValueError(f"WHO defines no {indicator}-for-age at {age_months} months")
    return value


def _spread(labels: list[tuple[float, str]]) -> list[tuple[float, str]]:
    """Line labels moved apart just enough not to overlap, in the order the lines end."""
    ordered = sorted(labels)
    placed: list[tuple[float, str]] = []
    for position, text in ordered:
        if placed and position < placed[-1][0] + LABEL_GAP:
            position = placed[-1][0] + LABEL_GAP
        placed.append((position, text))
    overflow = placed[-1][0] - (HEIGHT - BOTTOM) if placed else 0
    if overflow > 0:  # pushed below the plot: move the whole column up
        placed = [(position - overflow, text) for position, text in placed]
    return placed
