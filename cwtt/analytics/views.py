"""The Evidence page (docs/evidence.md): for district and provincial officials, researchers and
data managers, the cohort table of a wave at a chosen area level, the change since an earlier
wave and whether help worked (children served between the two waves against comparable
children not served: cwtt/analytics/outcomes.py), with 95% intervals and plain-language
readings. Aggregates of the reader's own area only
(policy.areas_for), protected like the area dashboard (cwtt/analytics/evidence.py); no child is
named. Everyone else gets "not found", as for any page not theirs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cwtt.access import policy
from cwtt.access.roles import Role
from cwtt.access.suppression import rounding_base, small_cell_k
from cwtt.assessments.models import Wave
from cwtt.instruments.engine.definition import DOMAINS

from . import evidence, outcomes
from .charts import IntervalChart, difference_chart, interval_chart
from .measures import KEY_INDICATORS

# The page shows the domains and the study's key indicators; the CSV has every indicator.
ON_PAGE = frozenset(DOMAINS) | {k.code for k in KEY_INDICATORS}

LEVEL_LABELS = {
    "school": gettext_lazy("School"),
    "circuit": gettext_lazy("Circuit"),
    "district": gettext_lazy("District"),
    "province": gettext_lazy("Province"),
}


def levels_for(user) -> list[str]:
    """Area levels the reader may split by: their own level and those below it."""
    staff = policy.staff_of(user)
    if policy.role_of(user) == Role.DATA_MANAGER or staff is None or staff.location is None:
        return list(evidence.LEVELS)
    top = evidence.LEVELS.index(staff.location.level)
    return list(evidence.LEVELS[: top + 1])


class EvidenceForm(forms.Form):
    wave = forms.ModelChoiceField(queryset=Wave.objects.none(), label=gettext_lazy("Wave"))
    by = forms.ChoiceField(label=gettext_lazy("One table per"))
    since = forms.ModelChoiceField(
        queryset=Wave.objects.none(),
        required=False,
        label=gettext_lazy("Change since"),
        empty_label=gettext_lazy("(no comparison)"),
    )

    def __init__(self, data, *, waves, levels):
        super().__init__(data)
        self.fields["wave"].queryset = waves
        self.fields["since"].queryset = waves
        self.fields["by"].choices = [(level, LEVEL_LABELS[level]) for level in levels]

    def clean(self):
        cleaned = super().clean()
        wave, since = cleaned.get("wave"), cleaned.get("since")
        if wave and since and since.pk == wave.pk:
            self.add_error("since", _("Choose an earlier wave to compare with, not the same one."))
        return cleaned


@dataclass
class AreaEvidence:
    area: str
    cohort: list[tuple[evidence.CohortRow, str]]  # with its reading in words
    change: list[tuple[evidence.ChangeRow, str]]
    chart: IntervalChart
    # Did help work? Per domain (all its services), then the service types that can be shown.
    helped: list[tuple[outcomes.OutcomeRow, str]] = field(default_factory=list)
    services: list[tuple[outcomes.OutcomeRow, str]] = field(default_factory=list)
    helped_chart: IntervalChart | None = None
    helped_hidden: int = 0  # areas of wellbeing with a line not shown


def reading(row: evidence.CohortRow) -> str:
    if not row.shown:
        return _("Not shown: too few children to show safely.")
    return _(
        "Between %(low)s and %(high)s of children, most likely %(share)s (%(n)s children counted)."
    ) % {
        "low": f"{row.ci_low:.0%}",
        "high": f"{row.ci_high:.0%}",
        "share": f"{row.share:.0%}",
        "n": row.n,
    }


def change_reading(row: evidence.ChangeRow) -> str:
    if not row.shown:
        return _("Not shown: too few children changed, or too few were assessed both times.")
    points = round(100 * row.difference)
    words = {
        "from": f"{row.share_from:.0%}",
        "to": f"{row.share_to:.0%}",
        "low": f"{100 * row.ci_low:+.0f}",
        "high": f"{100 * row.ci_high:+.0f}",
        "points": f"{abs(points)}",
    }
    if points > 0:
        text = _("Went up from %(from)s to %(to)s, by %(points)s points") % words
    elif points < 0:
        text = _("Went down from %(from)s to %(to)s, by %(points)s points") % words
    else:
        text = _("About the same: %(from)s and %(to)s") % words
    text += "; " + _("the true change is most likely between %(low)s and %(high)s points.") % words
    if row.p_value is not None and row.p_value < 0.05:
        return f"{text} {_('This is unlikely to be chance.')}"
    return f"{text} {_('This could be chance.')}"


def outcome_reading(row: outcomes.OutcomeRow) -> str:
    if not row.shown:
        return _(
            "Not shown: too few children were served, or too few comparable children were not."
        )
    words = {
        "treated": f"{row.share_treated:.0%}",
        "controls": f"{row.share_controls:.0%}",
        "points": f"{100 * row.difference:+.0f}",
        "low": f"{100 * row.ci_low:+.0f}",
        "high": f"{100 * row.ci_high:+.0f}",
    }
    if row.outcome_code == "improved":
        text = _(
            "%(treated)s of the children who got help went down a level, against "
            "%(controls)s of comparable children who did not"
        )
    else:
        text = _(
            "%(treated)s of the children who got help were at high risk at the later wave, "
            "against %(controls)s of comparable children who did not"
        )
    text = (
        (text % words)
        + "; "
        + _("a difference of %(points)s points, most likely between %(low)s and %(high)s.") % words
    )
    if row.p_value is not None and row.p_value < 0.05:
        return f"{text} {_('This is unlikely to be chance.')}"
    return f"{text} {_('This could be chance.')}"


def reads_evidence(user) -> bool:
    """Area roles and data managers (the page and the API alike)."""
    return policy.sees_aggregates_only(user) or policy.role_of(user) == Role.DATA_MANAGER


def user_has_area(user) -> bool:
    staff = policy.staff_of(user)
    return policy.role_of(user) == Role.DATA_MANAGER or (
        staff is not None and staff.location_id is not None
    )


def finished_waves():
    """Only waves that are over: a running wave's figures move as assessments arrive, and two
    looks at live figures can give away one child's levels (decisions 0028, 0038, 0056)."""
    return Wave.objects.filter(ends_on__lt=timezone.localdate()).order_by("-starts_on", "-pk")


@policy.guarded
@require_GET
@never_cache
def evidence_page(request: HttpRequest) -> HttpResponse:
    if not reads_evidence(request.user):
        raise Http404("No evidence page for this account")
    area_known = user_has_area(request.user)
    waves = finished_waves()
    levels = levels_for(request.user)
    latest = list(waves[:2])
    initial = {
        "wave": latest[0].pk if latest else None,
        "since": latest[1].pk if len(latest) > 1 else None,
        "by": levels[-2] if len(levels) > 1 else levels[0],
    }
    data = request.GET if "wave" in request.GET else {k: v for k, v in initial.items() if v}
    form = EvidenceForm(data, waves=waves, levels=levels)
    areas: list[AreaEvidence] = []
    if area_known and latest and form.is_valid():
        areas = area_evidence(request.user, form.cleaned_data)
    since = form.cleaned_data.get("since") if form.is_bound and form.is_valid() else None
    wave = form.cleaned_data.get("wave") if form.is_bound and form.is_valid() else None
    return render(
        request,
        "analytics/evidence.html",
        {
            "form": form,
            "has_area": area_known,
            "has_waves": bool(latest),
            "areas": areas,
            "wave": wave,
            "since": since,
            # Help is followed forwards in time: with a later wave as "since", no outcomes.
            "backwards": bool(since and wave and since.starts_on >= wave.starts_on),
            "small_cell": small_cell_k(),
            "rounding_base": rounding_base(),
        },
    )


def area_evidence(user, chosen) -> list[AreaEvidence]:
    schools = policy.areas_for(user)
    wave, since, by = chosen["wave"], chosen.get("since"), chosen["by"]
    cohort = [r for r in evidence.cohort(wave, schools, by) if r.code in ON_PAGE]
    change = (
        [r for r in evidence.change(since, wave, schools, by) if r.code in ON_PAGE]
        if since is not None
        else []
    )
    forwards = since is not None and since.starts_on < wave.starts_on
    helped = outcomes.outcomes(since, wave, schools, by) if forwards else []
    found = []
    for area in sorted({r.area for r in cohort}):
        rows = [r for r in cohort if r.area == area]
        found.append(
            AreaEvidence(
                area=area,
                cohort=[(r, reading(r)) for r in rows],
                change=[(r, change_reading(r)) for r in change if r.area == area],
                chart=interval_chart(
                    _("Share of children, %(area)s, %(wave)s, with 95%% intervals")
                    % {"area": area, "wave": wave.name},
                    [(r.measure, r.share, r.ci_low, r.ci_high) for r in rows],
                ),
                **_helped(area, [r for r in helped if r.area == area]),
            )
        )
    return found


def _helped(area: str, rows: list[outcomes.OutcomeRow]) -> dict:
    """The "Did help work?" part of one area: the domains' and service types' lines that can be
    shown (a hidden line is left out and counted, as the chart does), and a chart of the
    difference in going down a level per domain."""
    if not rows:
        return {}
    domains = [r for r in rows if not r.service_code]
    improved = [r for r in domains if r.outcome_code == "improved"]
    return {
        "helped": [(r, outcome_reading(r)) for r in domains if r.shown],
        "helped_hidden": len({r.domain_code for r in domains if not r.shown}),
        "services": [(r, outcome_reading(r)) for r in rows if r.service_code and r.shown],
        "helped_chart": difference_chart(
            _(
                "Children who got help against comparable children, %(area)s: difference in going down a level, in points, with 95%% intervals"
            )
            % {"area": area},
            [(r.domain, r.difference, r.ci_low, r.ci_high) for r in improved],
        ),
    }
