"""The case workflow as data: which state may follow which, the label of each step as the case
page shows it, and which steps need a supervisor's approval (docs/cases.md).

The states follow the case-management steps used in child protection: identification and
registration, assessment, case plan, implementation, review, closure. "Proposed" and "dismissed"
come before "identified": CWTT proposes a case from a risk profile and the school's coordinator
confirms or dismisses it. A closed case is reopened into "review", so the team first looks at
what changed and then continues with the plan or revises it (decision 0016).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .models import Approval, Case

S = Case.Status
CLOSE = gettext_noop("Close the case")

# state -> {next state: label of the step}. The labels are the English text, marked for
# translation: next_steps() gives them in the reader's language.
TRANSITIONS: dict[str, dict[str, str]] = {
    S.PROPOSED: {
        S.IDENTIFIED: gettext_noop("Confirm the case"),
        S.DISMISSED: gettext_noop("Dismiss the proposal"),
    },
    S.DISMISSED: {},
    S.IDENTIFIED: {S.REGISTERED: gettext_noop("Register the case"), S.CLOSED: CLOSE},
    S.REGISTERED: {
        S.ASSESSED: gettext_noop("Record that the child's needs are assessed"),
        S.CLOSED: CLOSE,
    },
    S.ASSESSED: {S.CASE_PLAN: gettext_noop("Start the case plan"), S.CLOSED: CLOSE},
    S.CASE_PLAN: {
        S.IMPLEMENTATION: gettext_noop("Approve the plan and start the work"),
        S.CLOSED: CLOSE,
    },
    S.IMPLEMENTATION: {S.REVIEW: gettext_noop("Start a review"), S.CLOSED: CLOSE},
    S.REVIEW: {
        S.IMPLEMENTATION: gettext_noop("Continue with the plan"),
        S.CASE_PLAN: gettext_noop("Revise the case plan"),
        S.CLOSED: CLOSE,
    },
    S.CLOSED: {S.REVIEW: gettext_noop("Reopen the case")},
}

# Steps that need a reason in the comment; comment_needed() gives it in the reader's language.
NEEDS_COMMENT: dict[tuple[str, str], str] = {
    (S.PROPOSED, S.DISMISSED): gettext_noop("Say why the proposal is dismissed."),
    (S.CLOSED, S.REVIEW): gettext_noop("Say why the case is reopened."),
}


def approval_needed(from_status: str, to_status: str) -> str | None:
    """The kind of approval a step needs, or None. The plan is approved when the work starts;
    every closure is approved."""
    if to_status == S.CLOSED:
        return Approval.Kind.CLOSURE
    if (from_status, to_status) == (S.CASE_PLAN, S.IMPLEMENTATION):
        return Approval.Kind.PLAN
    return None


def next_steps(status: str) -> dict[str, str]:
    """The steps from `status`: {next state: label of the step, in the reader's language}."""
    return {to: _(label) for to, label in TRANSITIONS.get(status, {}).items()}


def comment_needed(from_status: str, to_status: str) -> str:
    """What the comment on this step must say, in the reader's language; "" when the step
    needs no comment."""
    text = NEEDS_COMMENT.get((from_status, to_status))
    return _(text) if text else ""


def status_label(status: str) -> str:
    return str(S(status).label).lower() if status in S.values else status


def refusal(status: str, to: str) -> str:
    """Why a case in `status` cannot move to `to`, naming what it can do instead."""
    steps = next_steps(status)
    current = status_label(status)
    if to not in S.values:
        target = _("'%(state)s', which is not a state a case can be in") % {"state": to}
    else:
        target = _("“%(state)s”") % {"state": status_label(to)}
    if not steps:
        return _(
            "This case is %(status)s; it cannot move to %(target)s. "
            "A %(status)s case has no next steps."
        ) % {"status": current, "target": target}
    allowed = "; ".join(
        _("%(step)s (to %(status)s)") % {"step": label, "status": status_label(s)}
        for s, label in steps.items()
    )
    return _(
        "This case is at “%(status)s” and cannot move to %(target)s. "
        "The next steps from here are: %(steps)s."
    ) % {"status": current, "target": target, "steps": allowed}
