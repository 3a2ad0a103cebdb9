"""The area dashboard's filters (wave, circuit, school quintile, area of wellbeing) and its
comparison of circuits, quintiles and schools, sorted by need (docs/dashboards.md; decision
0052).

The filters only *choose* among numbers that were published together: the day's snapshot holds,
for every wave, a row per school, per circuit (or district, for a province), per quintile and
for the whole area, all protected as one table (area.py `compare_waves`, suppression `groups`).
Nothing here adds, subtracts or recounts, so no combination of filters shows a number that was
not already protected against every other: a filter that leaves one school out gives nothing
away by subtraction, because the sum without that school is never published. No query either:
the page costs the same for a district of 5 schools as of 500.

Sorting by need uses the shares as shown (rounded): a hidden share sorts last, in the order of
the names, so a row's place never hints at a hidden number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cwtt.instruments.engine.definition import DOMAIN_LABELS, DOMAINS

ANY = "any"  # high risk in any area of wellbeing: the comparison's last column


def domain_choices() -> list[tuple[str, str]]:
    return [(ANY, _("Any area of wellbeing")), *((d, str(DOMAIN_LABELS[d])) for d in DOMAINS)]


def column_of(domain: str) -> int:
    return len(DOMAINS) if domain == ANY else DOMAINS.index(domain)


PART_NAMES = {"circuit": gettext_lazy("Circuit"), "district": gettext_lazy("District")}


class CompareFilters(forms.Form):
    """The filters, read from the query string (no personal data in them). The choices are the
    reader's own area's, from the snapshot, so another district's circuit is not a choice:
    it gets a plain message, never figures."""

    wave = forms.TypedChoiceField(
        label=gettext_lazy("Wave"),
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={
            "invalid_choice": gettext_lazy(
                "Wave: “%(value)s” is not one of your area's waves. Choose one from the list."
            )
        },
    )
    quintile = forms.TypedChoiceField(
        label=gettext_lazy("School quintile"),
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={
            "invalid_choice": gettext_lazy(
                "School quintile: “%(value)s” is not a quintile of the schools in your area. "
                "Choose one from the list."
            )
        },
    )
    domain = forms.ChoiceField(
        label=gettext_lazy("Area of wellbeing"),
        required=False,
        error_messages={
            "invalid_choice": gettext_lazy(
                "Area of wellbeing: “%(value)s” is not one of the six areas. Choose one from "
                "the list."
            )
        },
    )

    def __init__(self, data, comparison: dict[str, Any]) -> None:
        super().__init__(data)
        self.kind = comparison.get("kind", "")
        waves = comparison.get("waves", [])
        self.fields["wave"].choices = [("", _("Latest")), *((w["id"], w["name"]) for w in waves)]
        self.fields["quintile"].choices = [
            ("", _("All quintiles")),
            *(
                (q, _("Quintile %(q)s") % {"q": q})
                for q in comparison.get("quintile_choices", [])
            ),
        ]
        self.fields["domain"].choices = domain_choices()
        if self.kind:
            # "circuit" for a district, "district" for a province.
            name = PART_NAMES[self.kind]
            self.fields[self.kind] = forms.TypedChoiceField(
                label=name,
                coerce=int,
                required=False,
                empty_value=None,
                choices=[
                    ("", _("All")),
                    *((p["id"], p["name"]) for p in comparison.get("parts", [])),
                ],
                error_messages={
                    "invalid_choice": _(
                        "%(name)s: “%%(value)s” is not in your area. Choose one from the list."
                    )
                    % {"name": name}
                },
            )
            self.order_fields(["wave", self.kind, "quintile", "domain"])

    @staticmethod
    def initial_choice() -> dict[str, Any]:
        """No filter: the latest wave, the whole area, any area of wellbeing."""
        return {"wave": None, "part": None, "quintile": None, "domain": ANY}

    def chosen(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "wave": data.get("wave"),
            "part": data.get(self.kind) if self.kind else None,
            "quintile": data.get("quintile"),
            "domain": data.get("domain") or ANY,
        }


@dataclass(frozen=True)
class Compared:
    """One row of a comparison table as shown: n and the chosen column, None where hidden."""

    label: str
    n: int | None
    count: int | None
    share: int | None
    detail: str = ""  # a school's circuit and quintile
    chosen: bool = False  # the circuit or quintile the filters chose

    @property
    def hidden(self) -> bool:
        return self.count is None or self.share is None


def _row(label: str, data: dict[str, Any], column: int, **more: Any) -> Compared:
    return Compared(label, data["n"], data["c"][column], data["s"][column], **more)


def by_need(rows: list[Compared]) -> list[Compared]:
    """Highest share at high risk first; hidden shares last, by name (their place must say
    nothing about them)."""
    return sorted(rows, key=lambda r: (r.hidden, -(r.share or 0), r.label))


def comparison(data: dict[str, Any], chosen: dict[str, Any], *, with_schools: bool) -> dict:
    """What the comparison shows for the chosen filters, from the stored figures alone."""
    waves = data.get("waves", [])
    if not waves:
        return {"wave": None}
    wave = next((w for w in waves if w["id"] == chosen["wave"]), waves[-1])
    column = column_of(chosen["domain"])
    part, quintile = chosen["part"], chosen["quintile"]
    parts = [
        _row(p["name"], row, column, chosen=p["id"] == part)
        for p, row in zip(data["parts"], wave["parts"], strict=True)
    ]
    quintiles = [
        _row(_("Quintile %(q)s") % {"q": q}, row, column, chosen=q == quintile)
        for q, row in zip(data["quintiles"], wave["quintiles"], strict=True)
    ]
    part_names = {p["id"]: p["name"] for p in data["parts"]}
    schools = []
    if with_schools:
        for school, row in zip(data["schools"], wave["schools"], strict=True):
            if part is not None and school["part"] != part:
                continue
            if quintile is not None and school["quintile"] != quintile:
                continue
            where = [part_names[school["part"]]] if school["part"] in part_names else []
            where.append(_("quintile %(q)s") % {"q": school["quintile"]})
            schools.append(_row(school["name"], row, column, detail=", ".join(where)))
    # The headline: each group the filters chose (a circuit, a quintile), else the whole area.
    headline = [r for r in parts + quintiles if r.chosen] or [
        _row(data["whole"], wave["whole"], column)
    ]
    return {
        "wave": wave["name"],
        "domain": dict(domain_choices())[chosen["domain"]],
        "part_heading": PART_NAMES.get(data.get("kind", ""), ""),
        "headline": headline,
        "parts": by_need(parts),
        "quintiles": by_need(quintiles),
        "schools": by_need(schools),
        "with_schools": with_schools,
        "too_many_schools": bool(data.get("too_many_schools")),
        "filtered": part is not None or quintile is not None,
    }
