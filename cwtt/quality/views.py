"""Data quality pages for coordinators (their schools) and data managers (every school).

Thin: check the role and the school through the access policy, run the checks, put names on
the children the checks found — looked up through the policy, so only children of the reader's
schools are ever named — and hide the details of answers the reader may not read.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from cwtt.access import policy
from cwtt.access.roles import Role
from cwtt.assessments.corrections import changed_classes, may_review_role
from cwtt.assessments.models import AssessmentCorrection, Respondent
from cwtt.assessments.triage import SHORT_LIST
from cwtt.instruments.actions import validator_for
from cwtt.instruments.engine.definition import label_text
from cwtt.registry.actions import pairs_for
from cwtt.registry.models import PossibleDuplicate

from .checks import (
    AnswerProblem,
    DuplicateReason,
    ProblemKind,
    QualityReport,
    current_wave,
    quality_report,
    waves_for,
)

# Who reads data quality: those who send the team back to fix things (DESIGN §3).
READERS = frozenset({Role.COORDINATOR, Role.DATA_MANAGER})
# The overview of many schools lists this many answer problems; a school's page lists all.
PROBLEMS_SHOWN = 200


def _reader(user) -> None:
    if policy.role_of(user) not in READERS:
        raise PermissionDenied(_("Data quality is for coordinators and data managers."))


@policy.guarded
@require_GET
def quality(request: HttpRequest) -> HttpResponse:
    """Every school the reader may see; a data manager picks a school from here."""
    _reader(request.user)
    schools = policy.schools_for(request.user)
    picked = request.GET.get("school", "")
    if picked:
        if not picked.isdigit() or not schools.filter(pk=int(picked)).exists():
            raise Http404("No such school")
        url = reverse("quality_school", args=[int(picked)])
        wave = request.GET.get("wave", "")
        return redirect(f"{url}?wave={wave}" if wave.isdigit() else url)
    return _page(request, list(schools.values_list("pk", flat=True)), school=None)


@policy.guarded
@require_GET
def quality_school(request: HttpRequest, school_id: int) -> HttpResponse:
    _reader(request.user)
    found = policy.school_for(request.user, school_id)
    if found is None:
        raise Http404("No such school")
    return _page(request, [found.pk], school=found)


def _page(request: HttpRequest, school_ids: list[int], school) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    waves = list(waves_for(school_ids))
    wanted = request.GET.get("wave", "")
    wave = next((w for w in waves if str(w.pk) == wanted), None) or current_wave(school_ids, today)
    report = quality_report(school_ids=school_ids, wave=wave, today=today)
    problems = report.problems if school is not None else report.problems[:PROBLEMS_SHOWN]
    missing_ids = (
        {c for row in report.schools for c in row.missing} if school is not None else set()
    )
    corrections = _corrections_to_decide(user, school_ids)
    named = _names(
        user,
        {p.child_id for p in problems}
        | {i for d in report.duplicates for i in (d.first_id, d.second_id)}
        | {c.assessment.child_id for c in corrections}
        | missing_ids,
    )
    completeness = _completeness_rows(report, named, school is not None, user)
    # Ranked: answers the reader can read and correct before those only others may read.
    problem_rows = sorted(_problem_rows(user, report, problems, named), key=lambda r: r["withheld"])
    duplicate_rows = _duplicate_rows(report, named)
    correction_rows = _correction_rows(corrections, named)
    return render(
        request,
        "quality/quality.html",
        {
            "school": school,
            "schools": policy.schools_for(user).order_by("name") if school is None else [],
            "waves": waves,
            "wave": wave,
            "report": report,
            "counts": report.counts(),
            "completeness": completeness,
            "waiting": [c for c in completeness if c["children"]],
            "assessors": [
                {"row": a, "label": _respondent_label(a.respondent)} for a in report.assessors
            ],
            # The data manager's work first, each list short with the rest one tap away
            # (decision 0050): answers to check, corrections to decide, possible duplicates.
            "problems": problem_rows[:SHORT_LIST],
            "more_problems": problem_rows[SHORT_LIST:],
            "problems_total": len(report.problems),
            "problems_hidden": len(report.problems) - len(problems),
            "corrections": correction_rows[:SHORT_LIST],
            "more_corrections": correction_rows[SHORT_LIST:],
            "corrections_total": len(correction_rows),
            "duplicates": duplicate_rows[:SHORT_LIST],
            "more_duplicates": duplicate_rows[SHORT_LIST:],
            "duplicates_waiting": pairs_for(user)
            .filter(status=PossibleDuplicate.Status.PENDING)
            .count(),
            "volume": report.volume,
            "by_school": _by_school(report) if school is None and len(school_ids) > 1 else [],
        },
    )


def _by_school(report: QualityReport) -> list[dict[str, Any]]:
    """Findings per school, for the overview of many schools: where to look first."""
    kinds = Counter((p.school_id, p.kind) for p in report.problems)
    named = {row.school_id: row.school_name for row in report.schools}
    rows = []
    for school_id, name in named.items():
        counts = [kinds[(school_id, kind)] for kind in ProblemKind.values]
        if any(counts):
            rows.append({"school_id": school_id, "name": name, "counts": counts})
    return sorted(rows, key=lambda row: -sum(row["counts"]))


def _names(user, child_ids: set[int]) -> dict[int, dict[str, Any]]:
    """Names of the children the reader may see, by id; others stay out of the page."""
    if not child_ids:
        return {}
    return {
        row["pk"]: row
        for row in policy.children_for(user)
        .filter(pk__in=child_ids)
        .values("pk", "first_name", "last_name", "date_of_birth", "school_id", "school__name")
    }


def _respondent_label(respondent: str) -> str:
    return str(Respondent(respondent).label) if respondent in Respondent.values else respondent


def _completeness_rows(report: QualityReport, named, with_children: bool, user):
    may_capture = set(policy.respondents_for(user))
    rows = []
    for row in report.schools:
        children = []
        if with_children:
            drafted = set(row.drafted)
            children = [
                {
                    "pk": c,
                    "name": f"{named[c]['first_name']} {named[c]['last_name']}",
                    "draft": c in drafted,
                }
                for c in row.missing
                if c in named
            ]
        rows.append(
            {
                "row": row,
                "label": _respondent_label(row.respondent),
                "children": children,
                "capture": row.respondent in may_capture,
            }
        )
    return rows


# Sensitivity classes as a reader is told them ("… who may read health answers").
CLASS_LABELS = {
    "general": gettext_lazy("general"),
    "education": gettext_lazy("education"),
    "health": gettext_lazy("health"),
    "protection": gettext_lazy("protection"),
}


def _problem_rows(user, report: QualityReport, problems: list[AnswerProblem], named):
    readable = policy.readable_classes(user)
    definition = (
        validator_for(report.wave.instrument_version_id).definition if report.wave else None
    )
    rows = []
    withheld_seen: set[tuple[Any, ...]] = set()
    for problem in problems:
        child = named.get(problem.child_id)
        if child is None:
            continue  # not the reader's to see (the scope already keeps these out)
        shown = problem.classes <= readable
        if not shown:
            # Without the details, two problems in one questionnaire read the same: say it once.
            key = (problem.child_id, problem.kind, problem.respondents, problem.classes)
            if key in withheld_seen:
                continue
            withheld_seen.add(key)
        questions = []
        if shown and definition is not None:
            for name in problem.questions:
                question = definition.question(name)
                questions.append(
                    {"name": name, "label": label_text(question.label) if question else ""}
                )
        rows.append(
            {
                "kind": ProblemKind(problem.kind).label,
                "child": child,
                "questionnaires": [_respondent_label(r) for r in problem.respondents],
                "questions": questions,
                "message": problem.message
                if shown
                else _(
                    "An answer needs checking by someone who may read %(classes)s answers; the "
                    "details are not shown to you."
                )
                % {
                    "classes": _(" and ").join(
                        str(CLASS_LABELS.get(c, c)) for c in sorted(problem.classes - readable)
                    )
                },
                "withheld": not shown,
                # Where to correct them: each questionnaire's page (its own access check).
                "assessments": problem.assessments,
            }
        )
    return rows


def _duplicate_rows(report: QualityReport, named):
    rows = []
    for pair in report.duplicates:
        first, second = named.get(pair.first_id), named.get(pair.second_id)
        if first is None or second is None:
            continue
        rows.append(
            {
                "pair": pair,
                "first": first,
                "second": second,
                "reason": DuplicateReason(pair.reason).label,
            }
        )
    return rows


def _corrections_to_decide(user, school_ids: list[int]) -> list[AssessmentCorrection]:
    """Corrections at these schools waiting for a second person, that the reader may decide:
    not their own, and none changing answers their role may not read (decision 0064). Oldest
    first: the person who asked has waited longest. One query."""
    role = policy.role_of(user)
    waiting = (
        AssessmentCorrection.objects.filter(
            status=AssessmentCorrection.Status.PENDING,
            assessment__child__school__in=policy.schools_for(user).filter(pk__in=school_ids),
        )
        .exclude(requested_by=user.pk)
        .select_related("assessment")
        .order_by("requested_at", "pk")
    )
    return [c for c in waiting if may_review_role(role, changed_classes(c))]


def _correction_rows(corrections: list[AssessmentCorrection], named):
    rows = []
    for correction in corrections:
        child = named.get(correction.assessment.child_id)
        if child is None:
            continue
        rows.append(
            {
                "child": child,
                "questionnaire": _respondent_label(correction.assessment.respondent),
                "asked_on": correction.requested_at,
                "uuid": correction.assessment.uuid,
            }
        )
    return rows
