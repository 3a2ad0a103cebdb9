"""The school dashboard, for the people who work with the school's children by name (its team
and data managers): every count is shown as it is, with no suppression, because these readers
may already open each child's record. Still counts only: the page names no child.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from cwtt.access.suppression import Cell
from cwtt.assessments.models import Assessment, RiskProfile
from cwtt.instruments.engine.definition import DOMAIN_LABELS, DOMAINS
from cwtt.registry.models import School, Staff

from . import figures
from .charts import bar_chart
from .tables import RISK_N, Table, TableRow, change_rows, moves_table, unsuppressed


def school_page(school: School, user) -> dict[str, Any]:
    """Everything the school dashboard shows, for one reader (the caseloads depend on who
    reads: cwtt/worklists/caseload.py decides whose caseloads a person may see)."""
    profiles = RiskProfile.objects.filter(child__school=school, child__status="active")
    domains = [DOMAIN_LABELS[d] for d in DOMAINS]

    waves = figures.risk_by_wave(profiles)
    wave_table = unsuppressed([w.counts.high for w in waves], [w.counts.n for w in waves])
    risk_rows = [TableRow(w.name, row) for w, row in zip(waves, wave_table.rows, strict=True)]
    risk = Table(
        id="by-wave",
        title=_("Children at high risk, by wave"),
        heading=_("Wave"),
        n_label=str(RISK_N),
        columns=domains,
        rows=risk_rows,
    )
    risk_chart = bar_chart(
        title=_("Share of children at high risk, by area of wellbeing and wave"),
        labels=domains,
        series=[
            (
                _("%(wave)s (n = %(n)s)") % {"wave": w.name, "n": w.counts.n},
                [c.share for c in row.cells],
            )
            for w, row in zip(waves, wave_table.rows, strict=True)
        ],
        unit="%",
        top=100,
    )

    change = None
    if len(waves) >= 2:
        before, after = waves[-2], waves[-1]
        moves = figures.moves_between(profiles, before.wave_id, after.wave_id)
        rows = change_rows(
            wave_table.rows[-2], wave_table.rows[-1], unsuppressed(*moves_table(moves))
        )
        change = {
            "before": before.name,
            "after": after.name,
            "rows": rows,
            "n": Cell(moves.n, None, False),
            "chart": bar_chart(
                title=_("Change in the share at high risk from %(before)s to %(after)s")
                % {"before": before.name, "after": after.name},
                labels=domains,
                series=[(_("Change (percentage points)"), [r.points for r in rows])],
                axis=_("Change in percentage points"),
                signed=True,
            ),
        }

    from cwtt.cases.models import Case
    from cwtt.referrals.models import Referral

    funnel = figures.referral_funnel(Referral.objects.filter(child__school=school))[None]
    funnel_table = Table(
        id="funnel",
        title=_("Referrals sent in the past 12 months"),
        heading=_("School"),
        n_label=_("Sent"),
        columns=[_("Accepted by the provider"), _("Service delivered")],
        rows=[
            TableRow(
                school.name,
                unsuppressed([[funnel.accepted, funnel.delivered]], [funnel.sent]).rows[0],
            )
        ]
        if funnel.sent
        else [],
    )
    funnel_chart = bar_chart(
        title=_("Referrals sent, accepted and delivered, %(place)s") % {"place": school.name},
        labels=[_("Sent"), _("Accepted"), _("Delivered")],
        series=[(_("Referrals"), [funnel.sent, funnel.accepted, funnel.delivered])],
    )

    latest = waves[-1] if waves else None
    coverage = coverage_chart = activity = None
    if latest is not None:
        covered = figures.coverage(profiles, latest.wave_id, latest.starts_on)[None]
        row = unsuppressed([[covered.with_plan, covered.with_service]], [covered.high]).rows[0]
        coverage = Table(
            id="coverage",
            title=_("Support for children at high risk, %(wave)s") % {"wave": latest.name},
            heading=_("School"),
            n_label=_("Children at high risk in any area"),
            columns=[_("With an agreed case plan"), _("Received a service")],
            rows=[TableRow(school.name, row)] if covered.high else [],
        )
        if covered.high:
            coverage_chart = bar_chart(
                title=_("Share of children at high risk with a plan and with a service"),
                labels=[_("With an agreed case plan"), _("Received a service")],
                series=[(school.name, [c.share for c in row.cells])],
                unit="%",
                top=100,
            )
    current = figures.latest_wave(school.pk)
    if current is not None:
        counted = figures.wave_activity(Assessment.objects.filter(child__school=school), current.pk)
        activity = {
            "wave": current.name,
            "assessments": counted.assessments,
            "last_at": counted.last_at,
            "children": profiles.filter(wave=current).count(),
        }

    from cwtt.worklists.caseload import caseloads, workers_for

    # Of the people whose caseloads this reader may see, those who work at this school.
    workers = list(
        Staff.objects.filter(pk__in=[w.pk for w in workers_for(user)], schools=school)
        .select_related("user")
        .distinct()
    )
    loads = caseloads(workers, timezone.localdate()) if workers else []
    here = figures.open_cases_by_lead(Case.objects.filter(school=school))
    caseload_chart = (
        bar_chart(
            title=_("Open cases each person leads"),
            labels=[_person(load.staff) for load in loads],
            series=[
                (_("At this school"), [here.get(load.staff.pk, 0) for load in loads]),
                (_("At all their schools"), [load.open_cases for load in loads]),
            ],
        )
        if loads
        else None
    )

    return {
        "school": school,
        "risk": risk if waves else None,
        "risk_chart": risk_chart,
        "change": change,
        "funnel": funnel_table,
        "funnel_chart": funnel_chart if funnel.sent else None,
        "declined": funnel.declined,
        "coverage": coverage,
        "coverage_chart": coverage_chart,
        "loads": [
            {"load": load, "name": _person(load.staff), "here": here.get(load.staff.pk, 0)}
            for load in loads
        ],
        "caseload_chart": caseload_chart,
        "sees_caseloads": bool(workers),
        "without_lead": here.get(None, 0),
        "activity": activity,
        "now": timezone.now(),
    }


def _person(staff) -> str:
    return staff.user.get_full_name() or staff.user.get_username()
