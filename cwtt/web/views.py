"""Pages. Thin: ask the access policy, call an action, render."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cwtt.access import policy
from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.assessments.actions import (
    AssessmentConflict,
    AssessmentInvalid,
    AssessmentRefused,
    assessment_save,
    default_interview_date,
    merged_child_record,
    redirected_message,
)
from cwtt.assessments.models import Assessment, Respondent, RiskProfile, Wave
from cwtt.cases.permissions import cases_for_child
from cwtt.cases.worklist import my_cases
from cwtt.consent.actions import consent_in_force
from cwtt.consent.models import Purpose
from cwtt.dashboards.figures import casework, domain_counts, latest_wave
from cwtt.dashboards.views import area_home
from cwtt.instruments.actions import rule_sensitivities_for, validator_for
from cwtt.instruments.engine.definition import DOMAINS
from cwtt.instruments.labels import domain_label
from cwtt.registry.models import Child, ChildMerge, SchoolClass
from cwtt.rights.views import may_correct, may_export
from cwtt.worklists.my_class import classes_of
from cwtt.worklists.urgent import urgent_children, urgent_profiles

from . import answer_messages
from .capture_form import question_groups, repeat_rows_from_post
from .growth import child_growth
from .presenters import profile_view, risk_chart
from .timeline import child_timeline


@policy.guarded
def home(request: HttpRequest) -> HttpResponse:
    """Each person's start page. Area roles see what needs their attention in their area
    (the full comparison is their Dashboard); everyone else sees their own work first (overdue tasks, what is coming up), then their schools."""
    if policy.sees_aggregates_only(request.user):
        return area_home(request)
    from cwtt.worklists.tasks import split_by_due, tasks_for

    staff = policy.staff_of(request.user)
    role = policy.role_of(request.user)
    today = timezone.localdate()
    overdue, upcoming = split_by_due(tasks_for(staff, today) if staff is not None else [], today)
    schools = policy.schools_for(request.user).annotate(
        active=Count("children", filter=Q(children__status="active"))
    )
    return render(
        request,
        "web/home.html",
        {
            "role": role,
            "overdue": overdue,
            "upcoming": upcoming[:HOME_TASKS],
            "more_tasks": max(0, len(upcoming) - HOME_TASKS),
            "schools": list(schools[:HOME_SCHOOLS]),
            "school_total": schools.count(),
            "can_capture": policy.can_capture(request.user),
            # People who work in the field see offline work next to their tasks; those who
            # work at a desk find it below their schools.
            "offline_first": role in OFFLINE_FIRST,
            **_mine_first(request.user),
        },
    )


def _mine_first(user) -> dict[str, Any]:
    """What heads "Your work today" (decision 0049): a coordinator's urgent children, a
    person's own cases (how many, how many new), a teacher's class."""
    cases = my_cases(user)
    return {
        "urgent": urgent_children(user),
        "my_case_count": len(cases),
        "my_new_cases": sum(bool(c.new) for c in cases),
        "my_classes": classes_of(user),
    }


OFFLINE_FIRST = frozenset({"field_worker", "nurse", "social_worker", "teacher"})
HOME_TASKS = 6  # tasks coming up shown on the home page; the rest are on My work
HOME_SCHOOLS = 24  # a data manager sees every school: the home page lists the first ones


def school_overview(school) -> dict[str, Any]:
    """A school's figures for its page and its printed report: the latest wave, classes with
    their sizes, and risk per area (counts only)."""
    wave = latest_wave(school.pk)
    profiles = RiskProfile.objects.filter(child__school=school, wave=wave, child__status="active")
    return {
        "school": school,
        "wave": wave,
        "classes": SchoolClass.objects.filter(school=school)
        .annotate(size=Count("children", filter=Q(children__status="active")))
        .order_by("grade", "name"),
        "profiles": profiles,
        "profile_count": profiles.count(),
        "high_count": profiles.filter(overall="high").count(),
        "domain_rows": domain_counts(profiles),
        "casework": casework(school),
    }


@policy.guarded
def school(request: HttpRequest, school_id: int) -> HttpResponse:
    found = policy.school_for(request.user, school_id)
    if found is None:
        raise Http404("No such school")
    overview = school_overview(found)
    urgent = urgent_profiles(request.user, found)
    return render(
        request,
        "web/school.html",
        {
            **overview,
            "urgent_profiles": urgent,
            "double_support": _double_support(request.user, found),
            "next_meeting": found.meetings.filter(
                status="planned", held_on__gte=timezone.localdate()
            )
            .order_by("held_on")
            .first(),
        },
    )


# Who is shown support given twice: those who decide where help goes.
DOUBLE_SUPPORT_READERS = {"coordinator", "social_worker", "data_manager"}


def _double_support(user, school) -> list[dict[str, Any]]:
    from cwtt.registry.models import Child
    from cwtt.services.double_dipping import double_dipping

    if policy.role_of(user) not in DOUBLE_SUPPORT_READERS:
        return []
    since = timezone.localdate() - dt.timedelta(days=365)
    flags = double_dipping(school, since=since)
    names = Child.objects.in_bulk({i for f in flags for i in f.child_ids})
    return [{"flag": f, "children": [names[i] for i in sorted(f.child_ids)]} for f in flags]


@policy.guarded
def school_class(request: HttpRequest, class_id: int) -> HttpResponse:
    found = (
        SchoolClass.objects.filter(pk=class_id, school__in=policy.schools_for(request.user))
        .select_related("school")
        .first()
    )
    if found is None:
        raise Http404("No such class")
    wave = latest_wave(found.school_id)
    children = list(found.children.filter(status="active").order_by("last_name", "first_name"))
    withheld = policy.details_withheld(request.user, children)
    profiles = {
        p.child_id: p
        for p in RiskProfile.objects.filter(child__in=children, wave=wave)
        if p.child_id not in withheld
    }
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
            "domains": [domain_label(d) for d in DOMAINS],
        },
    )


@policy.guarded
def child(request: HttpRequest, child_id: int) -> HttpResponse:
    access = policy.child_access(request.user, child_id)
    if access is None:
        raise Http404("No such child")
    found = access.child
    audit_record(
        action=AuditEntry.Action.VIEW,
        actor=request.user,
        object_type="child",
        object_id=found.pk,
        child_id=found.pk,
        detail=access.audit_detail(),
    )
    if access.legal_duty is not None:
        audit_record(
            action=AuditEntry.Action.LEGAL_DUTY,
            actor=request.user,
            object_type="child",
            object_id=found.pk,
            child_id=found.pk,
            detail={"duty": access.legal_duty.code, "law": access.legal_duty.law},
        )
    profiles = []
    if "risk_levels" in access.fields:
        profiles = list(
            found.risk_profiles.select_related("wave", "instrument_version__instrument").order_by(
                "wave__starts_on"
            )
        )
    views = [
        profile_view(p, rule_sensitivities_for(p.instrument_version_id), access.classes)
        for p in profiles
    ]
    assessments = found.assessments.select_related(
        "wave", "assessor", "informant_caregiver", "informant_staff__user"
    ).order_by("-assessed_on")
    links = found.caregiver_links.select_related("caregiver")
    referrals = (
        found.referrals.select_related("service_type", "provider").order_by("-created_at")
        if "risk_levels" in access.fields
        else []
    )
    timeline, timeline_total = (
        child_timeline(
            found,
            assessments=assessments,
            profiles=profiles,
            referrals=referrals,
            cases=cases_for_child(request.user, found.pk).prefetch_related(
                "services__service_type"
            ),
        )
        if "risk_levels" in access.fields
        else ([], 0)
    )
    return render(
        request,
        "web/child.html",
        {
            "child": found,
            "access": access,
            "show": access.show,
            "withheld_purpose": Purpose(access.withheld_for).label if access.withheld_for else "",
            "emergency": policy.emergency_grant(request.user, found.pk)
            if access.via == "emergency"
            else None,
            "age_years": (timezone.localdate() - found.date_of_birth).days // 365,
            "warnings": found.warnings(),
            # A record merged away (registered twice): where the child's record is now.
            "merged_into": ChildMerge.objects.filter(merged_away=found).first()
            if found.status == Child.Status.MERGED
            else None,
            "caregiver_links": links,
            "profiles": list(reversed(views)),
            "chart": risk_chart(profiles) if profiles else None,
            "assessments": assessments if "risk_levels" in access.fields else [],
            "referrals": referrals,
            "timeline": timeline,
            "timeline_total": timeline_total,
            # Growth is as sensitive as the measurements behind it (health): cwtt/web/growth.py.
            "growth": child_growth(found, assessments, access.classes)
            if "risk_levels" in access.fields
            else None,
            "consent": consent_in_force(found),
            "may_export": access.via == "assignment" and may_export(request.user),
            "may_correct": access.via == "assignment" and may_correct(request.user),
            "capture_respondents": _capture_respondents(request.user, found)
            if access.via == "assignment"
            else [],
        },
    )


def _capture_respondents(user, child) -> list[tuple[str, str]]:
    """Questionnaires this user may fill in for the child, in the current wave's instrument."""
    waves = _capture_waves(child)
    if not waves:
        return []
    asked = set(validator_for(waves[0].instrument_version_id).definition.respondents())
    return [(r, Respondent(r).label) for r in policy.respondents_for(user) if r in asked]


def _shown_at_a_question(key: str, groups: list[dict[str, Any]]) -> bool:
    """Whether the form shows the error `key` next to a question (or a repeat) rather than at
    the top of the page."""
    for group in groups:
        if any(f["key"] == key for f in group["fields"]):
            return True
        repeat = group["repeat"]
        if repeat and (
            key == repeat["name"]
            or any(f["key"] == key for row in repeat["rows"] for f in row["fields"])
        ):
            return True
    return False


def _capture_waves(child) -> list[Wave]:
    return list(Wave.objects.covering([child.school_id]).started().order_by("-starts_on"))


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


def _only_shows_again(request: HttpRequest) -> bool:
    return any(k in request.POST for k in ("switch_lang", "add_row", "remove_row"))


def _capture_language(request: HttpRequest, definition) -> str:
    """The language the questions are shown in: a language button pressed on the form, else the
    form's own `lang`, else `?lang=`, else the language of the person's pages when the
    instrument has it (decision 0062). One of the instrument's translations, or "" (its
    default)."""
    if "switch_lang" in request.POST:
        chosen = request.POST["switch_lang"]
    elif "lang" in request.POST or "lang" in request.GET:
        chosen = request.POST.get("lang", request.GET.get("lang", ""))
    else:
        chosen = translation.get_language() or ""
    return chosen if chosen in definition.languages else ""


def _page_in_questions_language(request: HttpRequest, language: str, definition) -> None:
    """The capture page's own words ("(needed)", headings, buttons, messages) in the language
    of the questions, when the interface is translated into it (decision 0062). A person who
    reads the pages in a language the instrument also has, and chose its default (English)
    questions on the form, gets the page in English too; an instrument without the person's
    language leaves the page in theirs."""
    current = translation.get_language() or ""
    page_language = language or (settings.LANGUAGE_CODE if current in definition.languages else "")
    if page_language in dict(settings.LANGUAGES):
        translation.activate(page_language)
        request.LANGUAGE_CODE = page_language


def _errors_in_language(errors: dict[str, str], questions, language: str) -> dict[str, str]:
    """The instrument's constraint messages in the questions' language, and the answer
    checker's own messages in the page's language (cwtt/web/answer_messages.py)."""
    by_name = {q.name: q for q in questions}
    return {
        name: by_name[name].constraint_text(language)
        if name in by_name and message == by_name[name].constraint_message
        else answer_messages.translated(message)
        for name, message in errors.items()
    }


@policy.guarded
@require_http_methods(["GET", "POST"])
def capture(request: HttpRequest, child_id: int, respondent: str) -> HttpResponse:
    found = policy.child_for(request.user, child_id)
    if found is None:
        raise Http404("No such child")
    if respondent not in policy.respondents_for(request.user):
        raise Http404("You cannot capture this questionnaire")
    sent_for = found
    try:  # registered twice and merged: saved on the kept record (decision 0043)
        found = merged_child_record(found, request.user)
    except AssessmentRefused as refused:
        messages.error(request, " ".join(refused.errors.values()))
        return redirect("child", child_id=sent_for.pk)
    if found.pk != sent_for.pk and request.method != "POST":
        return redirect(
            f"{reverse('capture', args=[found.pk, respondent])}?{request.GET.urlencode()}"
        )
    waves = _capture_waves(found)
    if not waves:
        messages.error(request, _("There is no assessment wave for this school yet."))
        return redirect("child", child_id=found.pk)
    wave_id = request.POST.get("wave") or request.GET.get("wave")
    wave = next((w for w in waves if str(w.pk) == str(wave_id)), waves[0])
    version = wave.instrument_version
    definition = version.parsed()
    validator = validator_for(version.pk)
    questions = validator.questions(respondent)
    language = _capture_language(request, definition)
    _page_in_questions_language(request, language, definition)
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
    assessed_on = default_interview_date(wave).isoformat()
    conflict_with = ""
    informant_id = ""
    if draft:
        answers = dict(draft.answers)
        assessed_on = draft.assessed_on.isoformat()
        informant_id = str(draft.informant_caregiver_id or "")
    if request.method == "POST":
        form_uuid = request.POST.get("uuid") or form_uuid
        answers = _answers_from_post(request, questions)
        answers.update(repeat_rows_from_post(request, validator, respondent))
        assessed_on = request.POST.get("assessed_on", "")
        informant_id = request.POST.get("informant_caregiver", "")
    # A language button, and a repeat's "Add another" and "Remove" without JavaScript, show the
    # form again with the answers posted so far, saving nothing.
    if request.method == "POST" and not _only_shows_again(request):
        status = (
            Assessment.Status.DRAFT if "save_draft" in request.POST else Assessment.Status.SUBMITTED
        )
        caregiver = found.caregivers.filter(pk=informant_id).first() if informant_id else None
        staff = policy.informant_staff(request.user, respondent)
        try:
            day = dt.date.fromisoformat(assessed_on)
        except ValueError:
            errors["assessed_on"] = _("Enter the date the questions were asked (YYYY-MM-DD).")
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
                    keep_alongside=request.POST.getlist("keep_alongside"),
                    repeat_reason=request.POST.get("repeat_reason", ""),
                    sent_for=sent_for,
                )
            except AssessmentConflict as conflict:
                errors = dict(conflict.errors)
                conflict_with = str(conflict.other.uuid)
            except AssessmentInvalid as invalid:
                errors = _errors_in_language(invalid.errors, questions, language)
            else:
                if status == Assessment.Status.DRAFT:
                    messages.success(request, _("Saved as a draft. You can finish it later."))
                    lang = f"&lang={language}" if language else ""
                    here = reverse("capture", args=[found.pk, respondent])
                    return redirect(f"{here}?wave={wave.pk}{lang}")
                messages.success(
                    request,
                    _("Assessment saved. The child's risk profile has been updated.")
                    if outcome.profile
                    else _("Assessment saved."),
                )
                if found.pk != sent_for.pk:
                    messages.info(request, redirected_message())
                return redirect("child", child_id=found.pk)
        messages.error(request, _("Some answers need attention; they are marked below."))
    groups = question_groups(definition, validator, respondent, answers, errors, language)
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
                k: v for k, v in errors.items() if not _shown_at_a_question(k, groups)
            },
            "uuid": form_uuid,
            # The header's switch would leave the page and lose the answers not yet saved; the
            # questionnaire's own language buttons come back with them (decision 0062).
            "hide_language_switch": True,
            "conflict_with": conflict_with,
            # Asked for the reason to keep both: the choice already made stays made.
            "keep_alongside": request.POST.getlist("keep_alongside")
            if "repeat_reason" in errors
            else [],
            "repeat_reason": request.POST.get("repeat_reason", ""),
            "assessed_on": assessed_on,
            "caregiver_links": found.caregiver_links.select_related("caregiver"),
            "informant_id": informant_id,
            "languages": [
                (code, definition.language_name(code)) for code in ["", *definition.languages]
            ]
            if definition.languages
            else [],
            "language": language,
            "language_tag": language or "en",
            "progress": {"answered": answered, "total": len(questions)},
        },
    )
