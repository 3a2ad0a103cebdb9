"""The case workflow as data: which state may follow which, the label of each step as the case
page shows it, and which steps need a supervisor's approval (docs/cases.md).

The states follow the case-management steps used in child protection: identification and
registration, assessment, case plan, implementation, review, closure. "Proposed" and "dismissed"
come before "identified": CWTT proposes a case from a risk profile and the school's coordinator
confirms or dismisses it. A closed case is reopened into "review", so the team first looks at
what changed and then continues with the plan or revises it (decision 0016).
"""

from __future__ import annotations

from .models import Approval, Case

S = Case.Status
CLOSE = "Close the case"

# state -> {next state: label of the step}
TRANSITIONS: dict[str, dict[str, str]] = {
    S.PROPOSED: {S.IDENTIFIED: "Confirm the case", S.DISMISSED: "Dismiss the proposal"},
    S.DISMISSED: {},
    S.IDENTIFIED: {S.REGISTERED: "Register the case", S.CLOSED: CLOSE},
    S.REGISTERED: {S.ASSESSED: "Record that the child's needs are assessed", S.CLOSED: CLOSE},
    S.ASSESSED: {S.CASE_PLAN: "Start the case plan", S.CLOSED: CLOSE},
    S.CASE_PLAN: {S.IMPLEMENTATION: "Approve the plan and start the work", S.CLOSED: CLOSE},
    S.IMPLEMENTATION: {S.REVIEW: "Start a review", S.CLOSED: CLOSE},
    S.REVIEW: {
        S.IMPLEMENTATION: "Continue with the plan",
        S.CASE_PLAN: "Revise the case plan",
        S.CLOSED: CLOSE,
    },
    S.CLOSED: {S.REVIEW: "Reopen the case"},
}

# Steps that need a reason in the comment.
NEEDS_COMMENT: dict[tuple[str, str], str] = {
    (S.PROPOSED, S.DISMISSED): "Say why the proposal is dismissed.",
    (S.CLOSED, S.REVIEW): "Say why the case is reopened.",
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
    return TRANSITIONS.get(status, {})


def status_label(status: str) -> str:
    return str(S(status).label).lower() if status in S.values else status


def refusal(status: str, to: str) -> str:
    """Why a case in `status` cannot move to `to`, naming what it can do instead."""
    steps = next_steps(status)
    current = status_label(status)
    if to not in S.values:
        target = f"'{to}', which is not a state a case can be in"
    else:
        target = f"“{status_label(to)}”"
    if not steps:
        return f"This case is {current}; it cannot move to {target}. A {current} case has no next steps."
    allowed = "; ".join(f"{label} (to {status_label(s)})" for s, label in steps.items())
    return (
        f"This case is at “{current}” and cannot move to {target}. "
        f"The next steps from here are: {allowed}."
    )
