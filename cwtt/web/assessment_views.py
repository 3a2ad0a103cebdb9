"""One questionnaire as it was sent: the answers the reader may read, its corrections, a form
to ask for one, and the second person's review (cwtt/assessments/corrections.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cwtt.access import policy
from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.assessments.actions import AssessmentInvalid
from cwtt.assessments.corrections import (
    can_review,
    correction_request,
    correction_review,
    readable_questions,
    reads_every_change,
)
from cwtt.assessments.models import Assessment, AssessmentCorrection
from cwtt.instruments.actions import validator_for
from cwtt.instruments.engine.definition import label_text, repeat_rows_text

from .capture_form import question_groups, repeat_rows_from_post
from .views import _answers_from_post, _only_shows_again, _shown_at_a_question


def _assessment_for(user, assessment_uuid) -> Assessment:
    """The assessment if the reader may see its child and it is not someone else's draft;
    otherwise 404, as for a child outside the reader's schools."""
    found = (
        Assessment.objects.filter(uuid=assessment_uuid)
        .select_related("child", "wave", "assessor", "instrument_version")
        .first()
    )
    if found is None or policy.child_for(user, found.child_id) is None:
        raise Http404("No such assessment")
    if not found.counts and found.assessor_id != user.pk:
        raise Http404("No such assessment")
    return found


def _answer_rows(assessment: Assessment, questions, answers: dict[str, Any]) -> list[dict]:
    definition = assessment.instrument_version.parsed()
    rows = []
    for question in questions:
        choices = {
            c.name: label_text(c.label) or c.name
            for c in definition.choices.get(question.list_name or "", [])
        }
        value = answers.get(question.name)
        if question.type == "repeat":
            # A repeat's rows, one line each ("1. Name: Thandi; Age: 34").
            text = repeat_rows_text(definition, question.name, value)
            rows.append(
                {
                    "name": question.name,
                    "label": label_text(question.label) or question.name,
                    "answer": text or "—",
                    "rows": text.split(" | ") if text else [],
                }
            )
            continue
        values = value if isinstance(value, list) else [] if value is None else [value]
        rows.append(
            {
                "name": question.name,
                "label": label_text(question.label) or question.name,
                "answer": ", ".join(choices.get(str(v), str(v)) for v in values) or "—",
            }
        )
    return rows


HIDDEN_REASON = gettext_lazy(
    "Its reason is shown only to people who may read every answer it changes."
)


def _correction_views(user, assessment: Assessment, questions) -> list[dict[str, Any]]:
    """Each correction with the changes the reader may read, before and after."""
    views = []
    readable = {q.name for q in questions}
    for correction in assessment.corrections.select_related("requested_by", "reviewed_by"):
        before = _answer_rows(assessment, questions, correction.answers_before)
        after = _answer_rows(assessment, questions, correction.answers_after)
        views.append(
            {
                "correction": correction,
                # Its reason may tell a changed answer in words: shown only to a person who
                # reads every answer it changes (decision 0064).
                "reason_shown": reads_every_change(correction, readable),
                "changes": [
                    {"label": b["label"], "before": b["answer"], "after": a["answer"]}
                    for b, a in zip(before, after, strict=True)
                    if b["answer"] != a["answer"]
                ],
                "may_review": correction.status == AssessmentCorrection.Status.PENDING
                and can_review(user, correction),
            }
        )
    return views


def _person(user) -> str:
    if user is None:
        return _("no named person (an import or the system)")
    return user.get_full_name() or user.username


def _history(assessment: Assessment, corrections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What happened to the questionnaire, oldest first: started, sent, changed by its author,
    each correction asked for and decided, with reasons. From the audit trail and the
    corrections already read for the page: one query, however many events (the answers changed
    are those the reader may read, from `_correction_views`)."""
    counting = {Assessment.Status.SUBMITTED, Assessment.Status.VERIFIED}
    events: list[dict[str, Any]] = []
    entries = (
        AuditEntry.objects.filter(
            object_type="assessment",
            object_id=str(assessment.uuid),
            action__in=[AuditEntry.Action.CREATE, AuditEntry.Action.CHANGE],
        )
        .select_related("actor")
        .order_by("id")
    )
    for entry in entries:
        detail = entry.detail or {}
        if "correction" in detail:
            continue  # an approved correction: told below, with its reason and review
        before = (detail.get("before") or {}).get("status")
        after = (detail.get("after") or {}).get("status")
        if entry.action == AuditEntry.Action.CREATE:
            what = _("Sent") if after in counting else _("Started as a draft")
        elif after == Assessment.Status.VERIFIED and before != after:
            what = _("Verified")
        elif after in counting and before not in counting:
            what = _("Sent")
        else:
            what = _("Changed by the person who captured it (before it was sent)")
        reason = ""
        if (detail.get("after") or {}).get("repeat_reason") and not (
            detail.get("before") or {}
        ).get("repeat_reason"):
            reason = _("Kept alongside another questionnaire of this kind: %(why)s") % {
                "why": detail["after"]["repeat_reason"]
            }
        events.append({"at": entry.at, "who": _person(entry.actor), "what": what, "note": reason})
    if not events and assessment.counts:
        # Made before the audit trail named it (generated or imported data): the record's own.
        events.append(
            {
                "at": assessment.submitted_at or assessment.created_at,
                "who": _person(assessment.assessor),
                "what": _("Sent"),
                "note": "",
            }
        )
    for item in corrections:
        correction = item["correction"]
        waiting = correction.status == AssessmentCorrection.Status.PENDING
        events.append(
            {
                "at": correction.requested_at,
                "who": _person(correction.requested_by),
                "what": _("Correction asked for (see above: a second person decides)")
                if waiting
                else _("Correction asked for"),
                "note": _("Reason: %(why)s") % {"why": correction.reason}
                if item["reason_shown"]
                else HIDDEN_REASON,
                # A waiting correction's changes are shown once, above, with its review.
                "changes": [] if waiting else item["changes"],
                "changes_hidden": not waiting and not item["changes"],
            }
        )
        if correction.reviewed_at is not None:
            approved = correction.status == AssessmentCorrection.Status.APPLIED
            events.append(
                {
                    "at": correction.reviewed_at,
                    "who": _person(correction.reviewed_by),
                    "what": _("Correction approved: the answers were changed")
                    if approved
                    else _("Correction rejected: the answers stayed as they were"),
                    "note": _("Comment: %(why)s") % {"why": correction.review_comment}
                    if correction.review_comment and item["reason_shown"]
                    else "",
                }
            )
    events.sort(key=lambda event: event["at"])
    return events


@policy.guarded
@require_http_methods(["GET", "POST"])
def assessment_page(request: HttpRequest, assessment_uuid) -> HttpResponse:
    assessment = _assessment_for(request.user, assessment_uuid)
    questions = readable_questions(request.user, assessment)
    shown = {q.name for q in questions}
    may_ask = (
        assessment.counts
        and assessment.respondent in policy.respondents_for(request.user)
        and not assessment.corrections.filter(status=AssessmentCorrection.Status.PENDING).exists()
    )
    errors: dict[str, str] = {}
    proposed = dict(assessment.answers)
    reason = ""
    if request.method == "POST":
        if not may_ask:
            raise Http404("No correction can be asked for here")
        proposed = _answers_from_post(request, questions)
        readable_repeats = {q.name for q in questions if q.type == "repeat"}
        rows = repeat_rows_from_post(
            request, validator_for(assessment.instrument_version_id), assessment.respondent
        )
        proposed.update({k: v for k, v in rows.items() if k in readable_repeats})
        reason = request.POST.get("reason", "")
    if request.method == "POST" and not _only_shows_again(request):
        try:
            correction_request(
                assessment=assessment, answers=proposed, reason=reason, by=request.user
            )
        except AssessmentInvalid as problem:  # a refusal is one too
            errors = problem.errors
            messages.error(request, _("Nothing was saved; see what needs attention below."))
        else:
            messages.success(
                request,
                _(
                    "Your correction was saved and waits for a second person's review. The "
                    "answers change when it is approved."
                ),
            )
            return redirect("assessment", assessment_uuid=assessment.uuid)
    audit_record(
        action=AuditEntry.Action.VIEW,
        actor=request.user,
        object_type="assessment",
        object_id=assessment.uuid,
        child_id=assessment.child_id,
        detail={"answers_shown": len(shown)},
    )
    corrections = _correction_views(request.user, assessment, questions)
    validator = validator_for(assessment.instrument_version_id)
    groups = (
        question_groups(
            assessment.instrument_version.parsed(),
            validator,
            assessment.respondent,
            {k: v for k, v in proposed.items() if k in shown},
            errors,
            only=shown,
        )
        if may_ask
        else []
    )
    return render(
        request,
        "web/assessment.html",
        {
            "assessment": assessment,
            "child": assessment.child,
            "rows": _answer_rows(assessment, questions, assessment.answers),
            "withheld": len([k for k in assessment.answers if k not in shown]),
            # Waiting for review: with the review form. Decided ones are in the history.
            "corrections": [
                c
                for c in corrections
                if c["correction"].status == AssessmentCorrection.Status.PENDING
            ],
            "history": _history(assessment, corrections),
            "may_ask": may_ask,
            "groups": groups,
            "errors": errors,
            "general_errors": {
                k: v for k, v in errors.items() if not _shown_at_a_question(k, groups)
            },
            "reason": reason,
        },
    )


@policy.guarded
@require_POST
def correction_review_view(request: HttpRequest, correction_id: int) -> HttpResponse:
    correction = (
        AssessmentCorrection.objects.filter(pk=correction_id).select_related("assessment").first()
    )
    if correction is None:
        raise Http404("No such correction")
    assessment = _assessment_for(request.user, correction.assessment.uuid)
    try:
        correction_review(
            correction=correction,
            approve=request.POST.get("decision") == "approve",
            by=request.user,
            comment=request.POST.get("comment", ""),
        )
    except AssessmentInvalid as problem:  # a refusal is one too
        for message in problem.errors.values():
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Correction approved: the answers were changed and the risk recomputed.")
            if request.POST.get("decision") == "approve"
            else _("Correction rejected; the answers stay as they were."),
        )
    return redirect("assessment", assessment_uuid=assessment.uuid)
