"""The cost scenario a planner sets on the Planning page (a GET form: it changes nothing)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .workforce import DEFAULT_DURATION_YEARS, DEFAULT_REVIEW_WEEKS, PROFESSIONS, UnitCosts

BY_LABELS = [
    ("school", _("School")),
    ("circuit", _("Circuit")),
    ("district", _("District")),
]


class ScenarioForm(forms.Form):
    caseload = forms.IntegerField(
        label=_("Cases per worker"),
        min_value=1,
        max_value=1000,
        initial=60,
        help_text=_("How many cases one full-time worker carries, each reviewed as below."),
    )
    review_weeks = forms.IntegerField(
        label=_("Weeks between reviews of a case"),
        min_value=1,
        max_value=52,
        initial=DEFAULT_REVIEW_WEEKS,
    )
    duration_years = forms.IntegerField(
        label=_("Typical years a case stays open"),
        min_value=1,
        max_value=20,
        initial=DEFAULT_DURATION_YEARS,
    )
    growth = forms.IntegerField(
        label=_("Yearly change in the Grade R intake (%)"),
        min_value=-50,
        max_value=50,
        initial=0,
    )
    by = forms.ChoiceField(label=_("Workers needed by"), choices=BY_LABELS, initial="circuit")

    def __init__(self, *args, costs: UnitCosts, **kwargs):
        super().__init__(*args, **kwargs)
        for p in PROFESSIONS:
            self.fields[f"cost_{p.code}"] = forms.IntegerField(
                label=_("Yearly cost of one %(who)s (%(currency)s)")
                % {"who": p.label.lower().rstrip("s"), "currency": costs.currency},
                min_value=0,
                max_value=100_000_000,
                initial=round(costs.annual(p.code)),
            )

    def scenario(self) -> dict:
        """The values to use: the valid ones entered, the initial ones otherwise."""
        values = {name: field.initial for name, field in self.fields.items()}
        if self.is_bound:
            self.is_valid()  # the fields that are valid are used; the others keep their initial
            values.update(
                {
                    k: v
                    for k, v in self.cleaned_data.items()
                    if k not in self.errors and v is not None
                }
            )
        return values
