"""Case pages: a school's cases, one case, and the forms on it. Thin: check access through
cwtt/cases/permissions.py, call cwtt/cases/actions.py, render or redirect."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from cwtt.access import policy
from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.assessments.models import Wave
from cwtt.assessments.triage import SHORT_LIST, need_key
from cwtt.instruments.labels import domain_choices
from cwtt.notifications.actions import notifications_read_about
from cwtt.registry.models import Organisation, Staff
from cwtt.services.models import Provider, ServiceType

from . import actions, permissions
from .models import (
    Approval,
    Case,
    Goal,
    GoalProgress,
    GroupResponse,
    PlanAction,
    ServiceDelivered,
)
from .queue import action_queue, default_per_worker
from .reviews import review_due_on, review_interval_days, with_review_schedule
from .workflow import approval_needed, comment_needed, next_steps

S = Case.Status
# The order in which a school's cases are listed: what needs a decision first.
LIST_ORDER = (
    S.PROPOSED,
    S.IDENTIFIED,
    S.REGISTERED,
    S.ASSESSED,
    S.CASE_PLAN,
    S.IMPLEMENTATION,
    S.REVIEW,
    S.CLOSED,
    S.DISMISSED,
)


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def _case_or_404(request: HttpRequest, case_id: int) -> tuple[Case, policy.ChildAccess]:
    found = permissions.case_for(request.user, case_id)
    if found is None:
        raise Http404("No such case")
    return found


def _done(request: HttpRequest, case: Case, success: str, call) -> HttpResponse:
    try:
        call()
    except actions.CaseRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, success)
    return redirect("case", case_id=case.pk)


# Said instead of the reason when the caregiver has not agreed to share with the reader's
# sector: the reason names risk levels, which the reader may not see (decision 0050).
REASON_KEPT_BACK = {
    "share_health": gettext_lazy(
        "Reason kept back: the caregiver has not agreed to share with health staff. The "
        "coordinator sees it."
    ),
    "share_social_development": gettext_lazy(
        "Reason kept back: the caregiver has not agreed to share with social development. The "
        "coordinator sees it."
    ),
}


def proposal_reason(case: Case, withheld_for: str | None) -> str:
    """Why the case was proposed, as this reader may read it: never blank."""
    if withheld_for:
        return str(REASON_KEPT_BACK.get(withheld_for, REASON_KEPT_BACK["share_social_development"]))
    if case.proposed_reason:
        return case.proposed_reason
    return _("Proposed before reasons were recorded: open the child's page to see the risk levels.")


@policy.guarded
@require_GET
def school_cases(request: HttpRequest, school_id: int) -> HttpResponse:
    school = policy.school_for(request.user, school_id)
    if school is None:
        raise Http404("No such school")
    cases = list(
        with_review_schedule(permissions.cases_for_school(request.user, school))
        .select_related("child", "child__school_class", "lead__user", "created_from_profile")
        .order_by("child__last_name", "child__first_name")
    )
    gaps = policy.consent_gaps(request.user, [c.child for c in cases])
    groups = []
    for status in LIST_ORDER:
        in_group = [c for c in cases if c.status == status]
        if status == S.PROPOSED:
            # Triage order: urgent, statutory, most areas high, longest waiting. Levels the
            # reader may not see do not move a child up their list.
            in_group.sort(
                key=lambda c: need_key(
                    None if gaps[c.child_id].withheld_for else c.created_from_profile,
                    c.created_at,
                    c.child.full_name,
                )
            )
        rows = [
            {
                "case": c,
                "reason": proposal_reason(c, gaps[c.child_id].withheld_for),
                "urgent": bool(
                    not gaps[c.child_id].withheld_for
                    and c.created_from_profile
                    and c.created_from_profile.urgent
                ),
                "due": review_due_on(c),
            }
            for c in in_group
        ]
        if rows:
            groups.append(
                {
                    "status": status,
                    "label": S(status).label,
                    "rows": rows[:SHORT_LIST],
                    "more": rows[SHORT_LIST:],
                    "count": len(rows),
                }
            )
    return render(
        request,
        "cases/school_cases.html",
        {"school": school, "groups": groups, "today": timezone.localdate()},
    )


@policy.guarded
@require_GET
def case_page(request: HttpRequest, case_id: int) -> HttpResponse:
    case, access = _case_or_404(request, case_id)
    user = request.user
    audit_record(
        action=AuditEntry.Action.VIEW,
        actor=user,
        object_type="case",
        object_id=case.pk,
        child_id=case.child_id,
        detail=access.audit_detail(),
    )
    # Opening the case is what makes it no longer "new" on the person's My work.
    notifications_read_about(user=user, link=reverse("case", args=[case.pk]))
    works_on = permissions.may_work_on(user, case)
    confirms = permissions.may_confirm(user, case)
    steps = []
    for to, label in next_steps(case.status).items():
        kind = approval_needed(case.status, to)
        allowed = confirms if case.status == S.PROPOSED else works_on
        if allowed and kind is None:
            steps.append(
                {
                    "to": to,
                    "label": label,
                    "needs_comment": comment_needed(case.status, to),
                }
            )
    approvals = list(case.approvals.select_related("requested_by", "decided_by"))
    for approval in approvals:
        approval.may_decide = approval.pending and permissions.may_decide(user, approval)
    plan = getattr(case, "plan", None)
    goals = list(plan.goals.all()) if plan else []
    plan_actions = list(plan.actions.select_related("organisation", "person__user")) if plan else []
    reviews = list(case.reviews.select_related("by").prefetch_related("progress__goal"))
    services = list(case.services.select_related("service_type", "provider", "recorded_by"))
    reads_notes = permissions.reads_case_notes(access)
    writes_notes = permissions.writes_case_notes(user, access)
    school_staff = Staff.objects.filter(schools=case.school).select_related("user")
    pending_kinds = {a.kind for a in approvals if a.pending}
    may_ask_plan = (
        works_on and case.status == S.CASE_PLAN and Approval.Kind.PLAN not in pending_kinds
    )
    may_ask_closure = (
        works_on
        and S.CLOSED in next_steps(case.status)
        and Approval.Kind.CLOSURE not in pending_kinds
    )
    return render(
        request,
        "cases/case.html",
        {
            "case": case,
            "child": case.child,
            "show_reason": "risk_levels" in access.fields,
            "steps": steps,
            "works_on": works_on,
            "may_set_team": permissions.may_set_team(user, case),
            "team": case.team.select_related("user"),
            "school_staff": school_staff,
            "events": case.events.select_related("by"),
            "approvals": approvals,
            "may_ask_plan": may_ask_plan,
            "may_ask_closure": may_ask_closure,
            # Something to ask or decide puts the approvals under the title, where a phone shows them.
            "approvals_first": may_ask_plan
            or may_ask_closure
            or any(a.may_decide for a in approvals),
            "closure_reasons": Case.ClosureReason.choices,
            "plan": plan,
            "goals": goals,
            "plan_actions": plan_actions,
            "plan_editable": works_on and case.status == S.CASE_PLAN,
            "domains": domain_choices(),
            "organisations": Organisation.objects.all(),
            "reviews": reviews,
            "review_due": review_due_on(case),
            "review_days": review_interval_days(case.child_id),
            "may_review": works_on and case.status in (S.IMPLEMENTATION, S.REVIEW) and goals,
            "progress_choices": GoalProgress.Progress.choices,
            "services": services,
            # The child's referrals since the case was opened: the plan's "referral" actions.
            "referrals": case.child.referrals.select_related("service_type", "provider").filter(
                created_at__gte=case.created_at
            ),
            "may_record_service": permissions.may_record_service(user, case),
            "service_types": ServiceType.objects.all(),
            "providers": Provider.objects.filter(active=True),
            "outcomes": ServiceDelivered.Outcome.choices,
            "reads_notes": reads_notes,
            "writes_notes": writes_notes,
            "today": timezone.localdate(),
        },
    )


@policy.guarded
@require_POST
def case_move_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case, _access = _case_or_404(request, case_id)
    to = request.POST.get("to", "")
    label = next_steps(case.status).get(to, "")
    return _done(
        request,
        case,
        _("Done: %(step)s.") % {"step": label.lower()} if label else _("Done."),
        lambda: actions.case_move(
            case=case, to=to, by=request.user, comment=request.POST.get("comment", "")
        ),
    )


@policy.guarded
@require_POST
def case_team_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case, _access = _case_or_404(request, case_id)
    lead_id = request.POST.get("lead", "")
    ids = request.POST.getlist("team")

    def save() -> None:
        # Ids that are not numbers, or of nobody, are refused rather than read as "no lead"
        # or dropped from the team; people of another school reach the action, which refuses
        # them by name.
        if lead_id and not lead_id.isdigit():
            raise actions.CaseRefused(_("Choose the lead from the list."))
        if not all(v.isdigit() for v in ids):
            raise actions.CaseRefused(_("Choose the team from the list."))
        lead = Staff.objects.filter(pk=lead_id).first() if lead_id else None
        team = list(Staff.objects.filter(pk__in=ids))
        if (lead_id and lead is None) or len(team) != len(set(ids)):
            raise actions.CaseRefused(_("Choose the lead and the team from the list."))
        actions.case_team_set(case=case, by=request.user, lead=lead, team=team)

    return _done(request, case, _("The lead and team are saved."), save)


@policy.guarded
@require_POST
def approval_request_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case, _access = _case_or_404(request, case_id)
    return _done(
        request,
        case,
        _("Your request for approval has been sent to your supervisor and the coordinator."),
        lambda: actions.approval_request(
            case=case,
            kind=request.POST.get("kind", ""),
            by=request.user,
            closure_reason=request.POST.get("closure_reason", ""),
        ),
    )


@policy.guarded
@require_POST
def approval_decide_view(request: HttpRequest, case_id: int, approval_id: int) -> HttpResponse:
    case, _access = _case_or_404(request, case_id)
    approval = case.approvals.filter(pk=approval_id).first()
    if approval is None:
        raise Http404("No such request")
    return _done(
        request,
        case,
        _("Your decision is recorded."),
        lambda: actions.approval_decide(
            approval=approval,
            decision=request.POST.get("decision", ""),
            by=request.user,
            comment=request.POST.get("comment", ""),
        ),
    )


@policy.guarded
@require_POST
def goal_add_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case, _access = _case_or_404(request, case_id)
    return _done(
        request,
        case,
        _("The goal is added to the plan."),
        lambda: actions.goal_add(
            case=case,
            by=request.user,
            domain=request.POST.get("domain", ""),
            description=request.POST.get("description", ""),
            benchmark=request.POST.get("benchmark", ""),
        ),
    )


@policy.guarded
@require_POST
def plan_action_add_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case, _access = _case_or_404(request, case_id)
    organisation_id = request.POST.get("organisation", "")
    person_id = request.POST.get("person", "")

    def add() -> None:
        person = Staff.objects.filter(pk=person_id).first() if person_id.isdigit() else None
        if person_id and person is None:  # not a number, or nobody: never read as "no one"
            raise actions.CaseRefused(_("Choose the person from the list."))
        actions.plan_action_add(
            case=case,
            by=request.user,
            description=request.POST.get("description", ""),
            organisation=Organisation.objects.filter(pk=organisation_id).first()
            if organisation_id.isdigit()
            else None,
            person=person,
            due_on=_date(request.POST.get("due_on", "")),
        )

    return _done(request, case, _("The action is added to the plan."), add)


@policy.guarded
@require_POST
def plan_action_done_view(request: HttpRequest, case_id: int, action_id: int) -> HttpResponse:
    case, _access = _case_or_404(request, case_id)
    action = PlanAction.objects.filter(pk=action_id, plan__case=case).first()
    if action is None:
        raise Http404("No such action")
    return _done(
        request,
        case,
        _("The action is marked done."),
        lambda: actions.plan_action_done(action=action, by=request.user),
    )


@policy.guarded
@require_POST
def review_add_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case, _access = _case_or_404(request, case_id)
    progress = {}
    for goal in Goal.objects.filter(plan__case=case, achieved=False):
        value = request.POST.get(f"goal_{goal.pk}", "")
        if value:
            progress[goal.pk] = (value, request.POST.get(f"goal_{goal.pk}_comment", ""))
    return _done(
        request,
        case,
        _("The review is recorded."),
        lambda: actions.review_record(
            case=case,
            by=request.user,
            held_on=_date(request.POST.get("held_on", "")),
            notes=request.POST.get("notes", ""),
            progress=progress,
        ),
    )


@policy.guarded
@require_POST
def service_add_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case, _access = _case_or_404(request, case_id)
    type_code = request.POST.get("service_type", "")
    provider_id = request.POST.get("provider", "")
    return _done(
        request,
        case,
        _("The service is recorded."),
        lambda: actions.service_record(
            child=case.child,
            case=case,
            by=request.user,
            service_type=ServiceType.objects.filter(code=type_code).first(),
            delivered_on=_date(request.POST.get("delivered_on", "")),
            outcome=request.POST.get("outcome", ""),
            provider=Provider.objects.filter(pk=provider_id).first()
            if provider_id.isdigit()
            else None,
            provider_name=request.POST.get("provider_name", ""),
            notes=request.POST.get("notes", ""),
        ),
    )


# --- the action queue (cwtt/cases/queue.py, decision 0059)


class GroupDecisionForm(forms.Form):
    need = forms.CharField(max_length=24)
    wave = forms.IntegerField(min_value=1)
    decision = forms.ChoiceField(choices=GroupResponse.Status.choices)
    fingerprint = forms.CharField(max_length=64)
    provider = forms.IntegerField(min_value=1, required=False)
    comment = forms.CharField(max_length=300, required=False)


class CapacityForm(forms.Form):
    # Empty: back to the default.
    new_cases_per_worker = forms.IntegerField(
        min_value=1, max_value=actions.MAX_PER_WORKER, required=False
    )


def _school_or_404(request: HttpRequest, school_id: int):
    school = policy.school_for(request.user, school_id)
    if school is None:
        raise Http404("No such school")
    return school


def _form_problem(form: forms.Form) -> str:
    return " ".join(str(m) for messages_ in form.errors.values() for m in messages_)


@policy.guarded
@require_GET
def school_queue(request: HttpRequest, school_id: int) -> HttpResponse:
    """The school's action queue this month: who first and why, cut at the staff's capacity,
    and group responses where many children share a need."""
    school = _school_or_404(request, school_id)
    found = action_queue(request.user, school)
    coordinator = permissions.is_coordinator_of(request.user, school)
    providers: dict[str, list] = {}
    if coordinator and found.proposals:
        codes = [p.need.service for p in found.proposals]
        for provider in (
            Provider.objects.filter(active=True, service_types__code__in=codes)
            .annotate(code=F("service_types__code"))
            .order_by("name")
        ):
            providers.setdefault(provider.code, []).append(provider)
    return render(
        request,
        "cases/queue.html",
        {
            "school": school,
            "queue": found,
            "within": found.within[:SHORT_LIST],
            "more_within": found.within[SHORT_LIST:],
            "coordinator": coordinator,
            "proposals": [
                {"proposal": p, "providers": providers.get(p.need.service, [])}
                for p in found.proposals
            ],
            "default_per_worker": default_per_worker(),
            "today": timezone.localdate(),
        },
    )


@policy.guarded
@require_POST
def school_queue_group(request: HttpRequest, school_id: int) -> HttpResponse:
    school = _school_or_404(request, school_id)
    form = GroupDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("That was not saved: %(problem)s") % {"problem": _form_problem(form)}
        )
        return redirect("school_queue", school_id=school.pk)
    data = form.cleaned_data
    wave = Wave.objects.filter(pk=data["wave"]).first()
    provider = Provider.objects.filter(pk=data["provider"]).first() if data["provider"] else None
    try:
        if wave is None:
            raise actions.CaseRefused(_("That wave does not exist; open the queue again."))
        if data["provider"] and provider is None:
            raise actions.CaseRefused(_("Choose the provider from the directory."))
        group = actions.group_response_decide(
            school=school,
            need=data["need"],
            wave=wave,
            decision=data["decision"],
            fingerprint=data["fingerprint"],
            by=request.user,
            provider=provider,
            comment=data["comment"],
        )
    except actions.CaseRefused as refused:
        messages.error(request, refused.message)
    else:
        if group.status == GroupResponse.Status.ACCEPTED:
            written = group.referrals().count()
            messages.success(
                request,
                ngettext(
                    "Accepted: %(n)d draft referral written; send it from the child's page.",
                    "Accepted: %(n)d draft referrals written; send each from the child's page.",
                    written,
                )
                % {"n": written},
            )
        else:
            messages.success(request, _("Dismissed: the children stay on the queue one by one."))
    return redirect("school_queue", school_id=school.pk)


@policy.guarded
@require_POST
def school_queue_capacity(request: HttpRequest, school_id: int) -> HttpResponse:
    school = _school_or_404(request, school_id)
    form = CapacityForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("That was not saved: %(problem)s") % {"problem": _form_problem(form)}
        )
        return redirect("school_queue", school_id=school.pk)
    try:
        actions.capacity_set(
            school=school,
            new_cases_per_worker=form.cleaned_data["new_cases_per_worker"],
            by=request.user,
        )
    except actions.CaseRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("The school's capacity is saved."))
    return redirect("school_queue", school_id=school.pk)
