"""Pages. Thin: ask the access policy, call an action, render."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from typing import Any

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from cwtt.access import policy
from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.assessments.actions import AssessmentInvalid, assessment_save
from cwtt.assessments.models import Assessment, Respondent, RiskProfile, Wave
from cwtt.instruments.actions import rule_sensitivities_for, validator_for
from cwtt.instruments.engine.definition import DOMAIN_LABELS, DOMAINS, label_text
from cwtt.registry.models import SchoolClass

from .presenters import profile_view, risk_chart

# Aggregates with fewer children than this are not shown (issue #3 makes it configurable
# and protects the totals too).
SMALL_CELL = 5


@policy.guarded
def home(request: HttpRequest) -> HttpResponse:
    if policy.sees_aggregates_only(request.user):
        return area_summary(request)
    schools = list(
        policy.schools_for(request.user).annotate(
            active=Count("children", filter=Q(children__status="active"))
        )
    )
    if len(schools) == 1:
        return redirect("school", school_id=schools[0].pk)
    return render(
        request, "web/home.html", {"schools": schools, "role": policy.role_of(request.user)}
    )


def _latest_wave(school_id: int | None = None) -> Wave | None:
    waves = Wave.objects.filter(starts_on__lte=timezone.localdate()).order_by("-starts_on")
    if school_id is not None:
        waves = waves.filter(Q(schools__id=school_id) | Q(schools__isnull=True)).distinct()
    return waves.first()


def _domain_counts(profiles) -> list[dict[str, Any]]:
    rows = []
    total = profiles.count()
    for domain in DOMAINS:
        counts = Counter(profiles.values_list(domain, flat=True))
        rows.append(
            {
                "domain": domain,
                "label": DOMAIN_LABELS[domain],
                "high": counts.get("high", 0),
                "moderate": counts.get("moderate", 0),
                "low": counts.get("low", 0),
                "share_high": round(100 * counts.get("high", 0) / total) if total else None,
            }
        )
    return rows


@policy.guarded
def school(request: HttpRequest, school_id: int) -> HttpResponse:
    found = policy.school_for(request.user, school_id)
    if found is None:
        raise Http404("No such school")
    wave = _latest_wave(found.pk)
    classes = (
        SchoolClass.objects.filter(school=found)
        .annotate(size=Count("children", filter=Q(children__status="active")))
        .order_by("grade", "name")
    )
    profiles = RiskProfile.objects.filter(child__school=found, wave=wave, child__status="active")
    urgent = profiles.filter(urgent=True).select_related("child", "child__school_class")
    return render(
        request,
        "web/school.html",
        {
            "school": found,
            "wave": wave,
            "classes": classes,
            "profile_count": profiles.count(),
            "high_count": profiles.filter(overall="high").count(),
            "domain_rows": _domain_counts(profiles),
            "urgent_profiles": urgent,
        },
    )


@policy.guarded
def school_class(request: HttpRequest, class_id: int) -> HttpResponse:
    found = (
        SchoolClass.objects.filter(pk=class_id, school__in=policy.schools_for(request.user))
        .select_related("school")
        .first()
    )
    if found is None:
        raise Http404("No such class")
    wave = _latest_wave(found.school_id)
    children = list(found.children.filter(status="active").order_by("last_name", "first_name"))
    profiles = {p.child_id: p for p in RiskProfile.objects.filter(child__in=children, wave=wave)}
    rows = [
        {
            "child": child,
            "profile": profiles.get(child.pk),
            "levels": [
                (getattr(profiles[child.pk], d) if child.pk in profiles else "") for d in DOMAINS
            ],
        }
        for child in children
    ]
    return render(
        request,
        "web/class.html",
        {
            "school_class": found,
            "wave": wave,
            "rows": rows,
            "domains": [DOMAIN_LABELS[d] for d in DOMAINS],
        },
    )


@policy.guarded
def child(request: HttpRequest, child_id: int) -> HttpResponse:
    found = policy.child_for(request.user, child_id)
    if found is None:
        raise Http404("No such child")
    audit_record(
        action=AuditEntry.Action.VIEW,
        actor=request.user,
        object_type="child",
        object_id=found.pk,
        child_id=found.pk,
    )
    profiles = list(found.risk_profiles.select_related("wave").order_by("wave__starts_on"))
    readable = policy.readable_classes(request.user)
    views = [
        profile_view(p, rule_sensitivities_for(p.instrument_version_id), readable) for p in profiles
    ]
    assessments = found.assessments.select_related("wave", "assessor").order_by("-assessed_on")
    links = found.caregiver_links.select_related("caregiver")
    return render(
        request,
        "web/child.html",
        {
            "child": found,
            "age_years": (timezone.localdate() - found.date_of_birth).days // 365,
            "warnings": found.warnings(),
            "caregiver_links": links,
            "profiles": list(reversed(views)),
            "chart": risk_chart(profiles) if profiles else None,
            "assessments": assessments,
            "capture_respondents": _capture_respondents(request.user, found),
        },
    )


def _capture_respondents(user, child) -> list[tuple[str, str]]:
    """Questionnaires this user may fill in for the child, in the current wave's instrument."""
    waves = _capture_waves(child)
    if not waves:
        return []
    asked = set(validator_for(waves[0].instrument_version_id).definition.respondents())
    return [(r, Respondent(r).label) for r in policy.respondents_for(user) if r in asked]


def _capture_waves(child) -> list[Wave]:
    return list(
        Wave.objects.filter(Q(schools=child.school) | Q(schools__isnull=True))
        .filter(starts_on__lte=timezone.localdate())
        .distinct()
        .order_by("-starts_on")
    )


def _answers_from_post(request: HttpRequest, questions) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for question in questions:
        if question.type == "select_multiple":
            picked = request.POST.getlist(question.name)
            if picked:
                answers[question.name] = picked
        else:
            value = request.POST.get(question.name, "").strip()
            if value:
                answers[question.name] = value
    return answers


@policy.guarded
@require_http_methods(["GET", "POST"])
def capture(request: HttpRequest, child_id: int, respondent: str) -> HttpResponse:
    found = policy.child_for(request.user, child_id)
    if found is None:
        raise Http404("No such child")
    if respondent not in policy.respondents_for(request.user):
        raise Http404("You cannot capture this questionnaire")
    waves = _capture_waves(found)
    if not waves:
        messages.error(request, "There is no assessment wave for this school yet.")
        return redirect("child", child_id=found.pk)
    wave_id = request.POST.get("wave") or request.GET.get("wave")
    wave = next((w for w in waves if str(w.pk) == str(wave_id)), waves[0])
    version = wave.instrument_version
    definition = version.parsed()
    validator = validator_for(version.pk)
    questions = validator.questions(respondent)
    language = request.GET.get("lang") or request.POST.get("lang") or ""
    errors: dict[str, str] = {}
    answers: dict[str, Any] = {}
    draft = Assessment.objects.filter(
        child=found,
        wave=wave,
        respondent=respondent,
        status=Assessment.Status.DRAFT,
        assessor=request.user,
    ).first()
    form_uuid = str(draft.uuid) if draft else str(uuid.uuid4())
    assessed_on = timezone.localdate().isoformat()
    informant_id = ""
    if draft:
        answers = dict(draft.answers)
        assessed_on = draft.assessed_on.isoformat()
        informant_id = str(draft.informant_caregiver_id or "")
    if request.method == "POST":
        form_uuid = request.POST.get("uuid") or form_uuid
        answers = _answers_from_post(request, questions)
        assessed_on = request.POST.get("assessed_on", "")
        informant_id = request.POST.get("informant_caregiver", "")
        status = (
            Assessment.Status.DRAFT if "save_draft" in request.POST else Assessment.Status.SUBMITTED
        )
        caregiver = found.caregivers.filter(pk=informant_id).first() if informant_id else None
        staff = (
            policy.staff_of(request.user)
            if respondent in {"teacher", "nurse", "social_worker"}
            else None
        )
        try:
            day = dt.date.fromisoformat(assessed_on)
        except ValueError:
            errors["assessed_on"] = "Enter the date the questions were asked (YYYY-MM-DD)."
        if not errors:
            try:
                outcome = assessment_save(
                    child=found,
                    wave=wave,
                    respondent=respondent,
                    answers=answers,
                    assessed_on=day,
                    status=status,
                    uuid=form_uuid,
                    assessor=request.user,
                    informant_caregiver=caregiver,
                    informant_staff=staff,
                )
            except AssessmentInvalid as invalid:
                errors = invalid.errors
            else:
                if status == Assessment.Status.DRAFT:
                    messages.success(request, "Saved as a draft. You can finish it later.")
                    return redirect(f"{request.path}?wave={wave.pk}")
                messages.success(
                    request,
                    "Assessment saved. The child's risk profile has been updated."
                    if outcome.profile
                    else "Assessment saved.",
                )
                return redirect("child", child_id=found.pk)
        messages.error(request, "Some answers need attention; they are marked below.")
    answers_for_relevance = validator.validate(respondent, answers, partial=True).answers
    groups: list[dict[str, Any]] = []
    for question in questions:
        title = question.group or ""
        if not groups or groups[-1]["name"] != title:
            group_row = definition.question(title) if title else None
            groups.append(
                {"name": title, "label": title.replace("_", " ").capitalize(), "fields": []}
            )
            del group_row
        choices = [
            (c.name, label_text(c.label, language) or c.name)
            for c in definition.choices.get(question.list_name or "", [])
        ]
        value = answers.get(question.name)
        groups[-1]["fields"].append(
            {
                "q": question,
                "label": label_text(question.label, language) or question.name,
                "hint": label_text(question.hint, language),
                "choices": choices,
                "value": "" if value is None else value,
                "values": value if isinstance(value, list) else [],
                "error": errors.get(question.name),
                "relevant": validator.relevance_json.get(question.name, ""),
                "shown": validator.is_relevant(question, answers_for_relevance),
            }
        )
    answered = sum(1 for q in questions if answers.get(q.name) not in (None, "", []))
    return render(
        request,
        "web/capture.html",
        {
            "child": found,
            "respondent": respondent,
            "respondent_label": Respondent(respondent).label,
            "wave": wave,
            "waves": waves,
            "version": version,
            "groups": groups,
            "errors": errors,
            "general_errors": {
                k: v for k, v in errors.items() if k not in {q.name for q in questions}
            },
            "uuid": form_uuid,
            "assessed_on": assessed_on,
            "caregiver_links": found.caregiver_links.select_related("caregiver"),
            "informant_id": informant_id,
            "languages": definition.languages,
            "language": language,
            "progress": {"answered": answered, "total": len(questions)},
        },
    )


def area_summary(request: HttpRequest) -> HttpResponse:
    """Aggregates only: share of children at high risk per domain per wave, small cells hidden."""
    schools = policy.areas_for(request.user)
    rows = []
    for wave in Wave.objects.order_by("starts_on"):
        profiles = RiskProfile.objects.filter(wave=wave, child__school__in=schools)
        total = profiles.count()
        if total == 0:
            continue
        cells = []
        for domain in DOMAINS:
            high = profiles.filter(**{domain: "high"}).count()
            cells.append(
                {
                    "suppressed": high < SMALL_CELL or total - high < SMALL_CELL,
                    "share": round(100 * high / total),
                }
            )
        rows.append({"wave": wave, "n": total, "cells": cells})
    return render(
        request,
        "web/area.html",
        {
            "rows": rows,
            "domains": [DOMAIN_LABELS[d] for d in DOMAINS],
            "school_count": schools.count(),
            "small_cell": SMALL_CELL,
            "staff": policy.staff_of(request.user),
        },
    )
