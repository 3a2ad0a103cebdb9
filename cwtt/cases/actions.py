"""Every write to cases, plans, approvals, reviews and services delivered (docs/cases.md).

Each function takes keyword-only arguments, checks everything first and raises `CaseRefused`
with a plain-language message (and, for forms, a message per field) before writing anything,
then writes in one transaction with its audit entry. The audit detail never holds the text of
case notes, only their length.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cwtt.access import policy
from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.access.roles import Role
from cwtt.assessments.models import RiskProfile, Wave
from cwtt.instruments.engine.definition import DOMAIN_LABELS, DOMAINS
from cwtt.notifications.actions import notify
from cwtt.referrals.actions import ReferralRefused, referral_create
from cwtt.referrals.models import OPEN_STATES, Referral
from cwtt.registry.models import Child, Organisation, School, Staff
from cwtt.services.models import Provider, ServiceType

from . import permissions
from .groups import NEED_BY_CODE, group_minimum
from .models import (
    Approval,
    Case,
    CaseEvent,
    CasePlan,
    Goal,
    GoalProgress,
    GroupResponse,
    PlanAction,
    Review,
    SchoolCapacity,
    ServiceDelivered,
)
from .queue import current_wave, fingerprint_of, group_children
from .reviews import SCHEDULED, review_due_on, review_interval_days
from .workflow import approval_needed, comment_needed, next_steps, refusal, status_label

S = Case.Status
MAX_TEXT = 5000
MAX_LINE = 300


class CaseRefused(Exception):
    """The write was refused; `message` says why in plain language, `errors` per form field."""

    def __init__(self, message: str, errors: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = dict(errors or {})


def _refuse_if(errors: dict[str, str]) -> None:
    if errors:
        raise CaseRefused(" ".join(errors.values()), errors)


def _text(value: str | None) -> str:
    return (value or "").replace("\r\n", "\n").strip()


def _day(moment: dt.datetime) -> str:
    day = timezone.localdate(moment)
    return f"{day.day} {day:%B %Y}"


def _case_link(case: Case) -> str:
    return reverse("case", args=[case.pk])


def _audit(*, action: str, by, object_type: str, object_id: Any, case: Case, detail: dict) -> None:
    audit_record(
        action=action,
        actor=by,
        actor_name="" if by else "cases",
        object_type=object_type,
        object_id=object_id,
        child_id=case.child_id,
        detail={"case": case.pk, **detail},
    )


def _staff_ids(case: Case) -> list[int]:
    return sorted(case.team.values_list("pk", flat=True))


# --- proposals


@dataclass
class ProposalCounts:
    created: int = 0
    already_open: int = 0  # the child already has an open case
    already_proposed: int = 0  # a case came from this wave before (maybe dismissed since)

    def __str__(self) -> str:
        return (
            f"{self.created} proposed, {self.already_open} already had an open case, "
            f"{self.already_proposed} were proposed from this wave before"
        )


def proposed_reason(profile: RiskProfile) -> str:
    """Why a case is proposed, from levels only: the findings' text may be confidential."""
    high = [DOMAIN_LABELS[d] for d in DOMAINS if getattr(profile, d) == "high"]
    parts = []
    if high:
        parts.append("High risk in " + ", ".join(high).lower())
    if profile.urgent:
        parts.append("needs action today (urgent flag)")
    return "; ".join(parts).capitalize() + "."


def _needs_case(profile: RiskProfile) -> bool:
    return profile.urgent or any(getattr(profile, d) == "high" for d in DOMAINS)


def case_propose_for(profile: RiskProfile) -> str:
    """Propose a case from one child's profile when it is high in any domain or urgent, unless
    the child has an open case or a case was already proposed from this wave. Returns what
    happened: "created", "already_open", "already_proposed" or "not_needed"."""
    if not _needs_case(profile) or profile.child.status != Child.Status.ACTIVE:
        return "not_needed"
    wave = profile.wave
    with transaction.atomic():
        # Lock the child so two writers at once cannot both propose.
        Child.objects.select_for_update().filter(pk=profile.child_id).first()
        cases = Case.objects.filter(child_id=profile.child_id)
        if cases.exclude(status__in=Case.NOT_OPEN).exists():
            return "already_open"
        if cases.filter(Q(wave=wave) | Q(created_from_profile=profile)).exists():
            return "already_proposed"
        case = Case.objects.create(
            child=profile.child,
            school_id=profile.child.school_id,
            status=S.PROPOSED,
            proposed_reason=proposed_reason(profile),
            wave=wave,
            created_from_profile=profile,
        )
        CaseEvent.objects.create(case=case, to_status=S.PROPOSED)
        _audit(
            action=AuditEntry.Action.CREATE,
            by=None,
            object_type="case",
            object_id=case.pk,
            case=case,
            detail={"after": {"status": S.PROPOSED, "wave": wave.name, "school": case.school_id}},
        )
    return "created"


def cases_propose(*, wave: Wave) -> ProposalCounts:
    """A proposed case for every active child whose profile in the wave is high in any domain
    or urgent (`case_propose_for`). Idempotent: running it again (after every rescoring)
    proposes only what is new."""
    high_anywhere = Q(urgent=True)
    for domain in DOMAINS:
        high_anywhere |= Q(**{domain: "high"})
    profiles = (
        RiskProfile.objects.filter(wave=wave, child__status=Child.Status.ACTIVE)
        .filter(high_anywhere)
        .select_related("child", "wave")
        .order_by("pk")
    )
    counts = ProposalCounts()
    for profile in profiles:
        outcome = case_propose_for(profile)
        if outcome != "not_needed":
            setattr(counts, outcome, getattr(counts, outcome) + 1)
    return counts


# --- moving a case


def _apply_move(*, case: Case, to: str, by, comment: str = "", closure_reason: str = "") -> Case:
    """Move without checking: the callers have. Runs inside their transaction."""
    before = {"status": case.status}
    after: dict[str, Any] = {"status": to}
    now = timezone.now()
    fields = ["status"]
    if to == S.IDENTIFIED and case.opened_at is None:
        case.opened_at = now
        fields.append("opened_at")
    if to == S.DISMISSED:
        case.dismissed_reason = comment
        fields.append("dismissed_reason")
    if to == S.CLOSED:
        case.closed_at, case.closure_reason = now, closure_reason
        after["closure_reason"] = closure_reason
        fields += ["closed_at", "closure_reason"]
    if case.status == S.CLOSED:  # reopening: the closure stays in the history and the audit
        before["closure_reason"] = case.closure_reason
        case.closed_at, case.closure_reason = None, ""
        fields += ["closed_at", "closure_reason"]
    if to == S.CASE_PLAN:
        CasePlan.objects.get_or_create(case=case)
    from_status = case.status
    case.status = to
    case.save(update_fields=fields)
    CaseEvent.objects.create(
        case=case, by=by, from_status=from_status, to_status=to, comment=comment
    )
    _audit(
        action=AuditEntry.Action.CHANGE,
        by=by,
        object_type="case",
        object_id=case.pk,
        case=case,
        detail={"before": before, "after": after, "comment_length": len(comment)},
    )
    return case


def case_move(*, case: Case, to: str, by, comment: str = "") -> Case:
    """Move the case one step along the workflow (cwtt/cases/workflow.py). Steps that need a
    supervisor's approval are refused here: ask with `approval_request`."""
    comment = _text(comment)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if to not in next_steps(locked.status):
            raise CaseRefused(refusal(locked.status, to))
        kind = approval_needed(locked.status, to)
        if kind is not None:
            raise CaseRefused(
                _(
                    "Starting work on the plan needs a supervisor's approval. Ask for approval "
                    "on the case page; the case moves when the request is approved."
                )
                if kind == Approval.Kind.PLAN
                else _(
                    "Closing a case needs a supervisor's approval. Ask for approval on the case "
                    "page; the case moves when the request is approved."
                )
            )
        if locked.status == S.PROPOSED:
            if not permissions.may_confirm(by, locked):
                raise CaseRefused(
                    _("Only the school's coordinator can confirm or dismiss a proposed case.")
                )
        elif not permissions.may_work_on(by, locked):
            raise CaseRefused(
                _(
                    "Only the case's lead, its team members or the school's coordinator can move "
                    "this case."
                )
            )
        needed = comment_needed(locked.status, to)
        if needed and not comment:
            raise CaseRefused(needed, {"comment": needed})
        if len(comment) > MAX_TEXT:
            raise CaseRefused(
                _("The comment can be at most %(limit)s characters.") % {"limit": f"{MAX_TEXT:,}"}
            )
        _apply_move(case=locked, to=to, by=by, comment=comment)
    case.refresh_from_db()
    return case


def case_team_set(*, case: Case, by, lead: Staff | None, team: Iterable[Staff] = ()) -> Case:
    """Choose the lead professional and the team. Each must work at the case's school (or
    they could not see the child)."""
    team = list(team)
    if not permissions.may_set_team(by, case):
        raise CaseRefused(
            _("Only the school's coordinator or the case's lead can choose the team.")
        )
    school_staff = set(
        Staff.objects.filter(schools__pk=case.school_id).values_list("pk", flat=True)
    )
    errors: dict[str, str] = {}
    if lead is not None and lead.pk not in school_staff:
        errors["lead"] = _("%(person)s does not work at %(school)s, so cannot lead this case.") % {
            "person": lead,
            "school": case.school.name,
        }
    outside = [str(s) for s in team if s.pk not in school_staff]
    if outside:
        errors["team"] = ngettext(
            "%(people)s does not work at %(school)s; only staff assigned to the school can be "
            "in the team.",
            "%(people)s do not work at %(school)s; only staff assigned to the school can be in "
            "the team.",
            len(outside),
        ) % {"people": ", ".join(outside), "school": case.school.name}
    _refuse_if(errors)
    with transaction.atomic():
        before = {"lead": case.lead_id, "team": _staff_ids(case)}
        case.lead = lead
        case.save(update_fields=["lead"])
        case.team.set(team)
        after = {"lead": case.lead_id, "team": _staff_ids(case)}
        _audit(
            action=AuditEntry.Action.CHANGE,
            by=by,
            object_type="case_team",
            object_id=case.pk,
            case=case,
            detail={"before": before, "after": after},
        )
        _tell_the_newly_assigned(case=case, by=by, before=before, lead=lead, team=team)
    return case


def _tell_the_newly_assigned(*, case: Case, by, before: dict, lead: Staff | None, team) -> None:
    """Tell each person newly made lead or team member, once: someone already in that place is
    not told again, and nor is the person who made the change. In the app, in this
    transaction; by e-mail after it commits (cwtt/notifications). The message names the
    school, never the child."""
    told: set[int] = set()
    by_id = getattr(by, "pk", None)
    if lead is not None and lead.pk != before["lead"] and lead.user_id != by_id:
        told.add(lead.pk)
        notify(
            lead.user,
            f"You are now the lead on a case at {case.school.name}",
            f"{by.get_full_name() or by.get_username()} made you the lead professional. Open "
            "the case to see the child and the next step.",
            _case_link(case),
        )
    for member in team:
        already = member.pk in before["team"] or member.pk == before["lead"]
        if already or member.pk in told or member.user_id == by_id:
            continue
        if lead is not None and member.pk == lead.pk:
            continue
        told.add(member.pk)
        notify(
            member.user,
            f"You are now in the team of a case at {case.school.name}",
            f"{by.get_full_name() or by.get_username()} added you to the team. Open the case "
            "to see the child and the next step.",
            _case_link(case),
        )


# --- approvals


def approval_request(*, case: Case, kind: str, by, closure_reason: str = "") -> Approval:
    """Ask a supervisor to approve the plan (the case is at "case plan") or a closure (with
    its reason). One request of a kind waits at a time."""
    if kind not in Approval.Kind.values:
        raise CaseRefused(_("Choose what you are asking approval for: the case plan or a closure."))
    if not permissions.may_work_on(by, case):
        raise CaseRefused(
            _(
                "Only the case's lead, its team members or the school's coordinator can ask for "
                "approval."
            )
        )
    errors: dict[str, str] = {}
    if kind == Approval.Kind.PLAN:
        if case.status != S.CASE_PLAN:
            errors["kind"] = _(
                "A plan is approved while the case is at “case plan”; this case is at “%(status)s”."
            ) % {"status": status_label(case.status)}
        elif not Goal.objects.filter(plan__case=case).exists():
            errors["kind"] = _(
                "Add at least one goal with its benchmark before asking for approval."
            )
        closure_reason = ""
    else:
        if S.CLOSED not in next_steps(case.status):
            errors["kind"] = _("A case that is %(status)s cannot be closed.") % {
                "status": status_label(case.status)
            }
        if closure_reason not in Case.ClosureReason.values:
            errors["closure_reason"] = _("Choose why the case is closing.")
    _refuse_if(errors)
    with transaction.atomic():
        # Lock the case: two requests sent at once (a double click, two team members) must
        # not both find nothing waiting.
        Case.objects.select_for_update().filter(pk=case.pk).first()
        waiting = case.approvals.filter(kind=kind, decision="").first()
        if waiting is not None:
            raise CaseRefused(
                _(
                    "A request for approval of the %(kind)s is already waiting for a decision "
                    "(asked on %(day)s)."
                )
                % {"kind": waiting.get_kind_display().lower(), "day": _day(waiting.requested_at)}
            )
        approval = Approval.objects.create(
            case=case, kind=kind, closure_reason=closure_reason, requested_by=by
        )
        _audit(
            action=AuditEntry.Action.CREATE,
            by=by,
            object_type="case_approval",
            object_id=approval.pk,
            case=case,
            detail={"after": {"kind": kind, "closure_reason": closure_reason, "decision": ""}},
        )
        what = "A case plan" if kind == Approval.Kind.PLAN else "The closure of a case"
        for user in permissions.deciders_for(approval):
            notify(
                user,
                f"{what} is waiting for your approval",
                f"{by.get_full_name() or by.get_username()} asked for your approval at "
                f"{case.school.name}.",
                _case_link(case),
            )
    return approval


def approval_decide(*, approval: Approval, decision: str, by, comment: str = "") -> Approval:
    """Approve or reject a request. On approval the case moves (the plan's work starts, or the
    case closes with the reason asked for); a rejection needs a comment saying why."""
    comment = _text(comment)
    case = approval.case
    if not approval.pending:
        raise CaseRefused(_("This request has already been decided."))
    if approval.requested_by_id == getattr(by, "pk", None):
        raise CaseRefused(
            _(
                "You asked for this approval yourself, so someone else must decide: your "
                "supervisor or the school's coordinator."
            )
        )
    if not permissions.may_decide(by, approval):
        raise CaseRefused(
            _(
                "Only the supervisor of the person who asked, or the school's coordinator, can "
                "decide this request."
            )
        )
    errors: dict[str, str] = {}
    if decision not in Approval.Decision.values:
        errors["decision"] = _("Choose to approve or reject the request.")
    elif decision == Approval.Decision.REJECT and not comment:
        errors["comment"] = _("Say why the request is rejected, so the team knows what to change.")
    if len(comment) > MAX_TEXT:
        errors["comment"] = _("The comment can be at most %(limit)s characters.") % {
            "limit": f"{MAX_TEXT:,}"
        }
    _refuse_if(errors)
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        # Read the request again under the case's lock: another decision may have been
        # recorded since this one was loaded (two deciders at once, or a replayed send).
        if Approval.objects.filter(pk=approval.pk).exclude(decision="").exists():
            raise CaseRefused(_("This request has already been decided."))
        to = S.IMPLEMENTATION if approval.kind == Approval.Kind.PLAN else S.CLOSED
        if decision == Approval.Decision.APPROVE and (
            to not in next_steps(case.status) or approval_needed(case.status, to) is None
        ):
            raise CaseRefused(
                _(
                    "The case has moved on since this was asked (it is now at “%(status)s”); "
                    "reject the request and ask again if needed."
                )
                % {"status": status_label(case.status)}
            )
        approval.decision, approval.decided_by = decision, by
        approval.decided_at, approval.comment = timezone.now(), comment
        approval.save(update_fields=["decision", "decided_by", "decided_at", "comment"])
        _audit(
            action=AuditEntry.Action.CHANGE,
            by=by,
            object_type="case_approval",
            object_id=approval.pk,
            case=case,
            detail={
                "before": {"decision": ""},
                "after": {"decision": decision, "kind": approval.kind},
                "comment_length": len(comment),
            },
        )
        if decision == Approval.Decision.APPROVE:
            if approval.kind == Approval.Kind.PLAN:
                CasePlan.objects.filter(case=case).update(
                    approved_at=timezone.now(), approved_by=by
                )
            _apply_move(
                case=case,
                to=to,
                by=by,
                comment=f"{approval.get_kind_display()} approved.",
                closure_reason=approval.closure_reason,
            )
        notify(
            approval.requested_by,
            f"Your request for approval of the {approval.get_kind_display().lower()} was "
            f"{approval.get_decision_display().lower()}",
            "Open the case to see the decision and any comment.",
            _case_link(case),
        )
    return approval


# --- the plan


def _plan_for_editing(case: Case, by) -> CasePlan:
    if not permissions.may_work_on(by, case):
        raise CaseRefused(
            _(
                "Only the case's lead, its team members or the school's coordinator can change "
                "the plan."
            )
        )
    if case.status != S.CASE_PLAN:
        raise CaseRefused(
            _(
                "The plan is written while the case is at “case plan”; this case is at "
                "“%(status)s”. To change an approved plan, revise it from a review."
            )
            % {"status": status_label(case.status)}
        )
    plan, _created = CasePlan.objects.get_or_create(case=case)
    return plan


def goal_add(*, case: Case, by, domain: str, description: str, benchmark: str) -> Goal:
    plan = _plan_for_editing(case, by)
    description, benchmark = _text(description), _text(benchmark)
    errors: dict[str, str] = {}
    if domain not in DOMAINS:
        errors["domain"] = _("Choose the area of wellbeing the goal is about.")
    if not description:
        errors["description"] = _("Describe the goal.")
    elif len(description) > MAX_LINE:
        errors["description"] = _("Keep the goal to %(limit)s characters.") % {"limit": MAX_LINE}
    if not benchmark:
        errors["benchmark"] = _(
            "Say how the team will know the goal is met, for example “immunisations up to date”."
        )
    elif len(benchmark) > MAX_LINE:
        errors["benchmark"] = _("Keep the benchmark to %(limit)s characters.") % {"limit": MAX_LINE}
    _refuse_if(errors)
    with transaction.atomic():
        goal = Goal.objects.create(
            plan=plan, domain=domain, description=description, benchmark=benchmark
        )
        _audit(
            action=AuditEntry.Action.CREATE,
            by=by,
            object_type="case_goal",
            object_id=goal.pk,
            case=case,
            detail={"after": {"domain": domain}},
        )
    return goal


def plan_action_add(
    *,
    case: Case,
    by,
    description: str,
    organisation: Organisation | None,
    due_on: dt.date | None,
    person: Staff | None = None,
) -> PlanAction:
    plan = _plan_for_editing(case, by)
    description = _text(description)
    errors: dict[str, str] = {}
    if not description:
        errors["description"] = _("Describe what will be done.")
    elif len(description) > MAX_LINE:
        errors["description"] = _("Keep the action to %(limit)s characters.") % {"limit": MAX_LINE}
    if organisation is None:
        errors["organisation"] = _("Choose the organisation responsible.")
    if person is not None and not person.schools.filter(pk=case.school_id).exists():
        errors["person"] = _(
            "%(person)s does not work at %(school)s; choose someone of the school's staff."
        ) % {"person": person, "school": case.school.name}
    if due_on is None:
        errors["due_on"] = _("Enter the date it is due.")
    elif due_on < timezone.localdate():
        errors["due_on"] = _("The due date is in the past.")
    _refuse_if(errors)
    with transaction.atomic():
        action = PlanAction.objects.create(
            plan=plan,
            description=description,
            organisation=organisation,
            person=person,
            due_on=due_on,
        )
        _audit(
            action=AuditEntry.Action.CREATE,
            by=by,
            object_type="case_action",
            object_id=action.pk,
            case=case,
            detail={
                "after": {
                    "organisation": organisation.pk,
                    "person": person.pk if person else None,
                    "due_on": due_on,
                }
            },
        )
    return action


def plan_action_done(*, action: PlanAction, by, done_on: dt.date | None = None) -> PlanAction:
    case = action.plan.case
    done_on = done_on or timezone.localdate()
    if not permissions.may_work_on(by, case):
        raise CaseRefused(
            _(
                "Only the case's lead, its team members or the school's coordinator can mark "
                "actions done."
            )
        )
    if action.done_on is not None:
        raise CaseRefused(_("This action is already marked done."))
    if done_on > timezone.localdate():
        raise CaseRefused(
            _("An action cannot be done in the future."), {"done_on": _("In the future.")}
        )
    with transaction.atomic():
        action.done_on = done_on
        action.save(update_fields=["done_on"])
        _audit(
            action=AuditEntry.Action.CHANGE,
            by=by,
            object_type="case_action",
            object_id=action.pk,
            case=case,
            detail={"before": {"done_on": None}, "after": {"done_on": done_on}},
        )
    return action


# --- reviews


def review_record(
    *,
    case: Case,
    by,
    held_on: dt.date | None,
    notes: str = "",
    progress: Mapping[int, tuple[str, str]] | None = None,
) -> Review:
    """Record a review: progress per goal ({goal id: (progress, comment)}) and notes. A goal
    marked achieved is achieved from that day. The next review falls due by the child's
    current risk (cwtt/cases/reviews.py)."""
    notes = _text(notes)
    progress = dict(progress or {})
    if not permissions.may_work_on(by, case):
        raise CaseRefused(
            _(
                "Only the case's lead, its team members or the school's coordinator can record a "
                "review."
            )
        )
    if case.status not in (S.IMPLEMENTATION, S.REVIEW):
        raise CaseRefused(
            _("Reviews are recorded once the plan is approved; this case is at “%(status)s”.")
            % {"status": status_label(case.status)}
        )
    access = policy.child_access(by, case.child_id)
    errors: dict[str, str] = {}
    if held_on is None:
        errors["held_on"] = _("Enter the date the review was held.")
    elif held_on > timezone.localdate():
        errors["held_on"] = _("The review date is in the future.")
    if notes and (access is None or not permissions.writes_case_notes(by, access)):
        errors["notes"] = _(
            "Review notes are case notes: only staff who may read case notes can write them. "
            "Leave the notes empty or ask the social worker on the team."
        )
    if len(notes) > MAX_TEXT:
        errors["notes"] = _("The notes can be at most %(limit)s characters.") % {
            "limit": f"{MAX_TEXT:,}"
        }
    goals = {g.pk: g for g in Goal.objects.filter(plan__case=case)}
    if not goals:
        errors["progress"] = _("The plan has no goals to review.")
    for goal_id, (value, comment) in progress.items():
        if goal_id not in goals:
            errors["progress"] = _("Progress was given for a goal that is not in this plan.")
        elif value not in GoalProgress.Progress.values:
            errors[f"goal_{goal_id}"] = _("Choose the progress on “%(goal)s”.") % {
                "goal": goals[goal_id]
            }
        elif _text(comment) and (access is None or not permissions.writes_case_notes(by, access)):
            errors[f"goal_{goal_id}"] = _(
                "Comments on progress are case notes: only staff who may read case notes can "
                "write them."
            )
    missing = [g for pk, g in goals.items() if pk not in progress and not g.achieved]
    if missing and "progress" not in errors:
        errors["progress"] = _("Give the progress on every goal not yet achieved: %(goals)s") % {
            "goals": "; ".join(str(g) for g in missing)
        }
    _refuse_if(errors)
    assert held_on is not None
    with transaction.atomic():
        # Lock the case: a send repeated (a double click, a retry on a slow line) must find
        # the review the first one wrote.
        Case.objects.select_for_update().filter(pk=case.pk).first()
        if Review.objects.filter(case=case, held_on=held_on).exists():
            raise CaseRefused(
                _(
                    "A review of this case held on %(day)s is already recorded; open it on the "
                    "case page rather than recording it again."
                )
                % {"day": f"{held_on.day} {held_on:%B %Y}"},
                {"held_on": _("Already recorded for this day.")},
            )
        review = Review.objects.create(
            case=case,
            held_on=held_on,
            by=by,
            notes=notes,
            next_due_on=held_on + dt.timedelta(days=review_interval_days(case.child_id)),
        )
        for goal_id, (value, comment) in progress.items():
            GoalProgress.objects.create(
                review=review, goal_id=goal_id, progress=value, comment=_text(comment)
            )
            goal = goals[goal_id]
            if value == GoalProgress.Progress.ACHIEVED and not goal.achieved:
                goal.achieved, goal.achieved_on = True, held_on
                goal.save(update_fields=["achieved", "achieved_on"])
        _audit(
            action=AuditEntry.Action.CREATE,
            by=by,
            object_type="case_review",
            object_id=review.pk,
            case=case,
            detail={
                "after": {
                    "held_on": held_on,
                    "next_due_on": review.next_due_on,
                    "progress": {str(k): v for k, (v, _) in progress.items()},
                },
                "notes_length": len(notes),
            },
        )
    return review


# --- services delivered


def service_record(
    *,
    child: Child,
    by,
    service_type: ServiceType | None,
    delivered_on: dt.date | None,
    outcome: str,
    case: Case | None = None,
    provider: Provider | None = None,
    provider_name: str = "",
    notes: str = "",
) -> ServiceDelivered:
    """Log a service the child received, on their case or outside one."""
    notes, provider_name = _text(notes), _text(provider_name)
    access = policy.child_access(by, child.pk)
    if access is None:
        raise CaseRefused(_("You cannot record services for this child."))
    if case is not None and case.child_id != child.pk:
        raise CaseRefused(_("That case is about another child."))
    if not permissions.may_record_service(by, case):
        raise CaseRefused(
            _(
                "Only the case's lead, its team members or the school's coordinator can record "
                "services on this case."
            )
        )
    errors: dict[str, str] = {}
    if service_type is None:
        errors["service_type"] = _("Choose the kind of service.")
    if delivered_on is None:
        errors["delivered_on"] = _("Enter the date the service was given.")
    elif delivered_on > timezone.localdate():
        errors["delivered_on"] = _("The date is in the future.")
    if provider is None and not provider_name:
        errors["provider"] = _(
            "Say who gave the service: choose a provider from the directory or type its name."
        )
    elif len(provider_name) > 200:
        errors["provider"] = _("Keep the provider's name to 200 characters.")
    if outcome not in ServiceDelivered.Outcome.values:
        errors["outcome"] = _("Choose whether the service was delivered.")
    if notes and not permissions.writes_case_notes(by, access):
        errors["notes"] = _(
            "Notes on a service are case notes: only staff who may read case notes can write "
            "them. Leave the notes empty or ask the social worker on the team."
        )
    elif len(notes) > MAX_TEXT:
        errors["notes"] = _("The notes can be at most %(limit)s characters.") % {
            "limit": f"{MAX_TEXT:,}"
        }
    _refuse_if(errors)
    assert service_type is not None
    with transaction.atomic():
        # Lock the child: a repeated send must find the service the first one recorded.
        Child.objects.select_for_update().filter(pk=child.pk).first()
        same = ServiceDelivered.objects.filter(
            child=child, service_type=service_type, delivered_on=delivered_on
        )
        same = (
            same.filter(provider=provider)
            if provider
            else same.filter(provider__isnull=True, provider_name=provider_name)
        )
        if same.exists():
            raise CaseRefused(
                _(
                    "This service, from this provider on this day, is already recorded for the "
                    "child."
                ),
                {"service_type": _("Already recorded.")},
            )
        service = ServiceDelivered.objects.create(
            case=case,
            child=child,
            service_type=service_type,
            delivered_on=delivered_on,
            provider=provider,
            provider_name="" if provider else provider_name,
            outcome=outcome,
            notes=notes,
            recorded_by=by,
        )
        audit_record(
            action=AuditEntry.Action.CREATE,
            actor=by,
            object_type="service_delivered",
            object_id=service.pk,
            child_id=child.pk,
            detail={
                "case": case.pk if case else None,
                "after": {
                    "service_type": service_type.code,
                    "delivered_on": delivered_on,
                    "outcome": outcome,
                    "provider": provider.pk if provider else service.provider_name,
                },
                "notes_length": len(notes),
            },
        )
    return service


# --- transfer


def cases_follow_child(child: Child) -> int:
    """Move the child's open cases to the school the child is now at; returns how many."""
    moved = 0
    for case in Case.objects.filter(child=child).exclude(status__in=Case.NOT_OPEN):
        if case.school_id != child.school_id:
            case_transfer(case=case, to_school=child.school, by=None)
            moved += 1
    return moved


def case_transfer(*, case: Case, to_school: School, by) -> Case:
    """The child changed school: the case, with its whole history, goes to the new school's
    team. The lead and team members not assigned to the new school leave the case; the new
    school's coordinators are told so they can choose a lead."""
    if case.status == S.DISMISSED:
        raise CaseRefused(_("A dismissed proposal is not transferred."))
    if to_school.pk == case.school_id:
        raise CaseRefused(_("The case is already at %(school)s.") % {"school": to_school.name})
    # by=None: the system, when the registry moves the child (an import run by the data
    # manager); a person needs the coordinator's or data manager's role.
    if by is not None and not permissions.may_transfer(by, case, to_school):
        raise CaseRefused(
            _(
                "Only the coordinator of either school or a data manager can move a case to "
                "another school."
            )
        )
    with transaction.atomic():
        old_school = case.school
        staying = Staff.objects.filter(schools=to_school)
        before = {"school": case.school_id, "lead": case.lead_id, "team": _staff_ids(case)}
        if case.lead_id and not staying.filter(pk=case.lead_id).exists():
            case.lead = None
        case.school = to_school
        case.save(update_fields=["school", "lead"])
        case.team.set(case.team.filter(pk__in=staying.values("pk")))
        after = {"school": to_school.pk, "lead": case.lead_id, "team": _staff_ids(case)}
        CaseEvent.objects.create(
            case=case,
            by=by,
            from_status=case.status,
            to_status=case.status,
            comment=f"Moved from {old_school.name} to {to_school.name}.",
        )
        _audit(
            action=AuditEntry.Action.CHANGE,
            by=by,
            object_type="case",
            object_id=case.pk,
            case=case,
            detail={"before": before, "after": after, "transfer": True},
        )
        for staff in permissions.coordinators_of(to_school.pk):
            notify(
                staff.user,
                "A case has moved to your school",
                f"A child's case moved from {old_school.name} to {to_school.name} with its "
                "history. Open it to choose a lead and a team.",
                _case_link(case),
            )
    return case


# --- reminders (run by the worker, cwtt/jobs)


def reviews_due_notify(today: dt.date | None = None) -> int:
    """Remind the lead of each case whose review has fallen due (the school's coordinators when
    it has no lead), once per due date: recording a review moves the date, and the next one is
    reminded again. Safe to run twice, or in two workers at once: the case is claimed by one
    conditional update first. Returns how many cases were reminded."""
    today = today or timezone.localdate()
    reminded = 0
    cases = Case.objects.filter(status__in=SCHEDULED).select_related("school", "plan", "lead__user")
    for case in cases.iterator(chunk_size=200):
        due = review_due_on(case)
        if due is None or due > today or case.review_reminded_for == due:
            continue
        with transaction.atomic():
            claimed = Case.objects.filter(
                pk=case.pk, review_reminded_for=case.review_reminded_for
            ).update(review_reminded_for=due)
            if not claimed:
                continue
            people = (
                [case.lead] if case.lead_id else list(permissions.coordinators_of(case.school_id))
            )
            for staff in people:
                notify(
                    staff.user,
                    f"A case review is due at {case.school.name}",
                    f"The review of case {case.pk} was due on {due.day} {due:%B %Y}. Open the "
                    "case to record the review with the team.",
                    _case_link(case),
                )
        reminded += 1
    return reminded


# --- the action queue: capacity and group responses (cwtt/cases/queue.py, decision 0059)

MAX_PER_WORKER = 100  # a month's new cases per worker above this is a typing slip


def capacity_set(*, school: School, new_cases_per_worker: int | None, by) -> SchoolCapacity | None:
    """Set how many new cases each case worker at the school takes on in a month; None goes
    back to the default. Only the school's coordinator or a data manager."""
    if not (permissions.is_coordinator_of(by, school) or policy.role_of(by) == Role.DATA_MANAGER):
        raise CaseRefused(_("Only the school's coordinator can set the school's capacity."))
    if new_cases_per_worker is not None and not 1 <= new_cases_per_worker <= MAX_PER_WORKER:
        message = _("Give a whole number of new cases a month from 1 to %(max)s.") % {
            "max": MAX_PER_WORKER
        }
        raise CaseRefused(message, {"new_cases_per_worker": message})
    with transaction.atomic():
        School.objects.select_for_update().filter(pk=school.pk).first()
        found = SchoolCapacity.objects.filter(school=school).first()
        before = found.new_cases_per_worker if found else None
        if new_cases_per_worker is None:
            if found is not None:
                found.delete()
            found = None
        elif found is None:
            found = SchoolCapacity.objects.create(
                school=school, new_cases_per_worker=new_cases_per_worker, set_by=by
            )
        else:
            found.new_cases_per_worker, found.set_by = new_cases_per_worker, by
            found.set_at = timezone.now()
            found.save(update_fields=["new_cases_per_worker", "set_by", "set_at"])
        audit_record(
            action=AuditEntry.Action.CHANGE,
            actor=by,
            object_type="school_capacity",
            object_id=school.pk,
            detail={"before": before, "after": new_cases_per_worker},
        )
    return found


def group_response_decide(
    *,
    school: School,
    need: str,
    wave: Wave,
    decision: str,
    fingerprint: str,
    by,
    provider: Provider | None = None,
    comment: str = "",
) -> GroupResponse:
    """Accept or dismiss a proposed group response. Accepting names a provider in the
    directory that offers the need's service and writes one draft referral per child through
    `referral_create` (nothing leaves the team until each is sent, with its consent check).
    Refused when the list of children changed since the page showed it (`fingerprint`), when
    the need was already decided for the school's wave, and for anyone but the school's
    coordinator."""
    comment = _text(comment)
    if not permissions.is_coordinator_of(by, school):
        raise CaseRefused(
            _("Only the school's coordinator can accept or dismiss a group response.")
        )
    found = NEED_BY_CODE.get(need)
    if found is None:
        raise CaseRefused(_("That group response is not one CWTT proposes."))
    if decision not in GroupResponse.Status.values:
        raise CaseRefused(_("Choose accept or dismiss."))
    if len(comment) > MAX_LINE:
        raise CaseRefused(_("Keep the comment to %(limit)s characters.") % {"limit": MAX_LINE})
    service = ServiceType.objects.filter(code=found.service).first()
    if service is None:
        raise CaseRefused(_("The service this group response needs is not in the catalogue."))
    if decision == GroupResponse.Status.ACCEPTED:
        if provider is None:
            raise CaseRefused(_("Choose the provider from the directory."))
        if not provider.active or not provider.service_types.filter(pk=service.pk).exists():
            raise CaseRefused(
                _("%(provider)s does not offer %(service)s.")
                % {"provider": provider, "service": service.label.lower()}
            )
    with transaction.atomic():
        # Lock the school: a replay or a second coordinator at the same moment waits, then
        # finds this decision.
        School.objects.select_for_update().filter(pk=school.pk).first()
        if wave != current_wave(school):
            raise CaseRefused(
                _("This proposal is from an earlier wave; open the queue again to see today's.")
            )
        if GroupResponse.objects.filter(school=school, wave=wave, need=need).exists():
            raise CaseRefused(_("This group response is already decided; open the queue again."))
        children = group_children(by, school, found, wave)
        if fingerprint_of(c.pk for c in children) != fingerprint or len(children) < (
            group_minimum()
        ):
            raise CaseRefused(
                _(
                    "The children sharing this need changed since the page was opened; open the "
                    "queue again and look at the new list."
                )
            )
        group = GroupResponse.objects.create(
            school=school,
            wave=wave,
            need=need,
            status=decision,
            service_type=service,
            provider=provider if decision == GroupResponse.Status.ACCEPTED else None,
            decided_by=by,
            comment=comment,
        )
        group.children.set(children)
        referrals = []
        if decision == GroupResponse.Status.ACCEPTED:
            already = set(
                Referral.objects.filter(
                    child__in=children, service_type=service, status__in=OPEN_STATES
                ).values_list("child_id", flat=True)
            )
            for child in children:
                if child.pk in already:  # already referred to this service: not twice
                    continue
                try:
                    referrals.append(
                        referral_create(
                            child=child,
                            service_type=service,
                            by=by,
                            urgency="routine",
                            reason=str(
                                _("Group response at %(school)s: %(response)s.")
                                % {"school": school.name, "response": found.response}
                            ),
                            provider=provider,
                            rule=group.referral_rule,
                            reason_classes=[found.sensitivity],
                        )
                    )
                except ReferralRefused as refused:
                    raise CaseRefused(str(refused)) from refused
        audit_record(
            action=AuditEntry.Action.CREATE,
            actor=by,
            object_type="group_response",
            object_id=group.pk,
            detail={
                "school": school.emis_number,
                "wave": wave.name,
                "need": need,
                "status": decision,
                "children": len(children),
                "referrals": len(referrals),
                "provider": provider.pk if provider else None,
            },
        )
    return group
