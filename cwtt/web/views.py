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
from cwtt.access.suppression import suppress
from cwtt.assessments.actions import AssessmentInvalid, assessment_save
from cwtt.assessments.models import Assessment, Respondent, RiskProfile, Wave
from cwtt.consent.actions import consent_in_force
from cwtt.consent.models import Purpose
from cwtt.instruments.actions import rule_sensitivities_for, validator_for
from cwtt.instruments.engine.definition import DOMAIN_LABELS, DOMAINS, label_text
from cwtt.registry.models import SchoolClass
from cwtt.rights.views import may_correct, may_export

from .presenters import profile_view, risk_chart


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


def school_overview(school) -> dict[str, Any]:
    """A school's figures for its page and its printed report: the latest wave, classes with
    their sizes, and risk per area (counts only)."""
    wave = _latest_wave(school.pk)
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
        "domain_rows": _domain_counts(profiles),
        "casework": _casework(school),
    }


@policy.guarded
def school(request: HttpRequest, school_id: int) -> HttpResponse:
    found = policy.school_for(request.user, school_id)
    if found is None:
        raise Http404("No such school")
    overview = school_overview(found)
    profiles = overview["profiles"]
    urgent = list(profiles.filter(urgent=True).select_related("child", "child__school_class"))
    withheld = policy.details_withheld(request.user, [p.child for p in urgent])
    urgent = [p for p in urgent if p.child_id not in withheld]
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


def _casework(school) -> dict[str, Any]:
    """The school's cases and referrals at a glance: the referral funnel (sent, accepted,
    delivered) this year, what is overdue, and open cases by stage. Counts only."""
    from cwtt.cases.models import Case
    from cwtt.referrals.actions import overdue_referrals
    from cwtt.referrals.models import Referral

    year_ago = timezone.now() - dt.timedelta(days=365)
    referrals = Referral.objects.filter(child__school=school, created_at__gte=year_ago)
    statuses = Counter(referrals.values_list("status", flat=True))
    reached = {  # a referral that got further has passed the earlier steps
        "sent": ["sent", "acknowledged", "accepted", "declined", "delivered", "closed"],
        "accepted": ["accepted", "delivered", "closed"],
        "delivered": ["delivered", "closed"],
    }
    cases = Counter(
        Case.objects.filter(school=school)
        .exclude(status__in=Case.NOT_OPEN)
        .values_list("status", flat=True)
    )
    return {
        "funnel": {step: sum(statuses[s] for s in states) for step, states in reached.items()},
        "declined": statuses["declined"],
        "overdue": overdue_referrals().filter(child__school=school).count(),
        "open_cases": sum(cases.values()),
        "cases_by_stage": [
            (label, cases[value]) for value, label in Case.Status.choices if cases[value]
        ],
    }


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
    wave = _latest_wave(found.school_id)
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
            "domains": [DOMAIN_LABELS[d] for d in DOMAINS],
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
        profiles = list(found.risk_profiles.select_related("wave").order_by("wave__starts_on"))
    views = [
        profile_view(p, rule_sensitivities_for(p.instrument_version_id), access.classes)
        for p in profiles
    ]
    assessments = found.assessments.select_related("wave", "assessor").order_by("-assessed_on")
    links = found.caregiver_links.select_related("caregiver")
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
            "caregiver_links": links,
            "profiles": list(reversed(views)),
            "chart": risk_chart(profiles) if profiles else None,
            "assessments": assessments if "risk_levels" in access.fields else [],
            "referrals": found.referrals.select_related("service_type", "provider").order_by(
                "-created_at"
            )
            if "risk_levels" in access.fields
            else [],
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
    """Aggregates only: the share of children at high risk per domain for each wave and, for a
    district official, for each circuit in the latest wave with a district total. Small cells,
    and cells the totals would give away by subtraction, are hidden (access/suppression.py)."""
    schools = policy.areas_for(request.user)
    staff = policy.staff_of(request.user)
    profiles = RiskProfile.objects.filter(child__school__in=schools)
    columns = ["n", *(f"high_{domain}" for domain in DOMAINS)]
    counts = {
        "n": Count("pk"),
        **{f"high_{d}": Count("pk", filter=Q(**{d: "high"})) for d in DOMAINS},
    }
    by_wave = list(
        profiles.values("wave_id", "wave__name")
        .annotate(**counts)
        .order_by("wave__starts_on", "wave_id")
    )
    waves = suppress([[w[c] for c in columns[1:]] for w in by_wave], [w["n"] for w in by_wave])
    wave_rows = list(waves.rows)
    tables = []
    location = staff.location if staff is not None else None
    if by_wave and location is not None and location.level == location.Level.DISTRICT:
        latest = by_wave[-1]
        # Schools filed under the district itself, not a circuit, are counted together.
        groups: dict[tuple[bool, str, int], list[int]] = {}
        for place in (
            profiles.filter(wave_id=latest["wave_id"])
            .values(
                "child__school__location_id",
                "child__school__location__name",
                "child__school__location__level",
            )
            .annotate(**counts)
            .order_by()
        ):
            in_circuit = place["child__school__location__level"] == location.Level.CIRCUIT
            key = (
                (False, place["child__school__location__name"], place["child__school__location_id"])
                if in_circuit
                else (True, "Schools not in a circuit", 0)
            )
            sums = groups.setdefault(key, [0] * len(columns))
            for index, column in enumerate(columns):
                sums[index] += place[column]
        ordered = sorted(groups.items())
        circuits = suppress([s[1:] for _, s in ordered], [s[0] for _, s in ordered], total_row=True)
        # The latest wave's row is this table's total row: it must be shown the same way, or
        # the two tables together would give away what the total row hides.
        wave_rows[-1] = circuits.total
        circuit_rows = [
            (name, row, False)
            for ((_, name, _), _), row in zip(ordered, circuits.rows, strict=True)
        ]
        tables.append(
            {
                "id": "by-circuit",
                "title": f"By circuit, {latest['wave__name']}",
                "heading": "Circuit",
                "rows": [*circuit_rows, (f"Whole {location.name}", circuits.total, True)],
            }
        )
    wave_table = {
        "id": "by-wave",
        "title": "By wave",
        "heading": "Wave",
        "rows": [(w["wave__name"], row, False) for w, row in zip(by_wave, wave_rows, strict=True)],
    }
    return render(
        request,
        "web/area.html",
        {
            "tables": [wave_table, *tables] if by_wave else [],
            "domains": [DOMAIN_LABELS[d] for d in DOMAINS],
            "school_count": schools.count(),
            "small_cell": waves.k,
            "staff": staff,
        },
    )
