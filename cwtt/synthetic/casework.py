"""Demo casework for a generated district (`cwtt demo`), so a new user sees case management at
work: cases in every state, referrals in every state, services delivered (with one "help given
twice"), a held meeting with decisions and action items and a planned one with its generated
agenda.

Everything is done at the demo school (the demo coordinator's) through the public action
functions of cases, referrals and meetings, acting as the demo accounts, exactly as a user of
the pages would: no status is ever set directly, and every step is in the audit trail.
Idempotent: once the demo casework exists (the demo coordinator's meetings are there), running it
again changes nothing and returns what is there.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from cwtt.assessments.models import RiskProfile, Wave
from cwtt.cases.actions import (
    approval_decide,
    approval_request,
    case_move,
    case_team_set,
    cases_propose,
    goal_add,
    plan_action_add,
    plan_action_done,
    review_record,
    service_record,
)
from cwtt.cases.models import Approval, Case, Goal, GoalProgress, ServiceDelivered
from cwtt.consent.actions import has_consent
from cwtt.instruments.engine.definition import DOMAINS
from cwtt.meetings.actions import (
    action_add,
    action_done,
    attendee_add,
    item_decide,
    meeting_create,
    meeting_mark_held,
)
from cwtt.meetings.models import Meeting
from cwtt.notes.actions import note_add, note_writable_classes
from cwtt.referrals.actions import (
    feedback_answer,
    feedback_link_find,
    feedback_link_issue,
    overdue_referrals,
    provider_answer,
    referral_create,
    referral_move,
)
from cwtt.referrals.models import Referral
from cwtt.referrals.models import Status as ReferralStatus
from cwtt.registry.models import Child, School, Staff
from cwtt.services.demo import ensure_demo_providers
from cwtt.services.double_dipping import double_dipping
from cwtt.services.models import Provider, ServiceType

S = Case.Status
DISMISSED_REASON = (
    "Discussed with the class teacher and the caregiver: the family already receives support "
    "from the clinic and a social worker. Look again at the next wave."
)
QUIET_MAIL = "django.core.mail.backends.dummy.EmailBackend"
SCHOOL_FEEDING = "National School Nutrition Programme (school meals)"

# A goal per area of wellbeing: what the team aims for and how it will know (the whole team
# reads the plan, so nothing confidential here).
GOALS: dict[str, tuple[str, str, str]] = {
    # domain: goal, benchmark, action
    "health": (
        "The child's health is checked and immunisations are caught up",
        "Immunisations up to date in the Road to Health booklet",
        "Book a clinic visit and go with the caregiver",
    ),
    "nutrition": (
        "The child eats enough every day",
        "No hunger reported by the caregiver or the teacher at the next review",
        "Arrange food parcels and check the child gets the school meal",
    ),
    "economic": (
        "The household receives the grants it is entitled to",
        "Child Support Grant paid into the caregiver's account",
        "Help the caregiver apply for the Child Support Grant at SASSA",
    ),
    "education": (
        "The child gets support with reading and writing",
        "Reading at the level of the class by the end of the term",
        "Ask the SBST for an educational assessment",
    ),
    "protection": (
        "The child is safe at home and after school",
        "Home visit done and a safety plan agreed with the caregiver",
        "Home visit by the social worker",
    ),
    "psychosocial": (
        "The child and the caregiver get emotional support",
        "The caregiver attends counselling; the teacher sees the child settled in class",
        "Refer the caregiver to the community mental-health clinic",
    ),
}

# The case states the demo walks, in the order children are chosen for them when a school has
# few proposals. The first working slot goes to a hungry child (referred to food support, help
# given twice); the dismissed proposal takes a child without consent to share, if any.
SLOTS = (
    "review",
    "implementation",
    "closed",
    "case_plan",
    "assessed",
    "registered",
    "identified",
    "reopened",
)


@dataclass
class CaseworkSummary:
    school: str = ""
    created: bool = False
    cases: dict[str, int] = field(default_factory=dict)
    referrals: dict[str, int] = field(default_factory=dict)
    overdue_referrals: int = 0
    services: int = 0
    given_twice: int = 0
    meetings: dict[str, int] = field(default_factory=dict)
    agenda_items: int = 0

    def __str__(self) -> str:
        if not self.school:
            return "No demo casework: the demo coordinator has no school."

        def listed(counts: dict[str, int]) -> str:
            return ", ".join(f"{n} {state}" for state, n in counts.items())

        return (
            f"Demo casework at {self.school}: {sum(self.cases.values())} cases "
            f"({listed(self.cases)}); {sum(self.referrals.values())} referrals "
            f"({listed(self.referrals)}; {self.overdue_referrals} overdue); "
            f"{self.services} services delivered ({self.given_twice} given twice); "
            f"meetings: {listed(self.meetings) or 'none'} ({self.agenda_items} agenda items)."
        )


def _user(username: str):
    return get_user_model().objects.filter(username=username).select_related("staff").first()


def demo_school() -> School | None:
    coordinator = Staff.objects.filter(user__username="coordinator").first()
    return coordinator.schools.order_by("pk").first() if coordinator else None


def summarise(school: School | None, *, created: bool = False) -> CaseworkSummary:
    if school is None:
        return CaseworkSummary()
    cases = Counter(Case.objects.filter(school=school).values_list("status", flat=True))
    referrals = Referral.objects.filter(child__school=school)
    statuses = Counter(referrals.values_list("status", flat=True))
    meetings = Counter(Meeting.objects.filter(school=school).values_list("status", flat=True))
    since = timezone.localdate() - dt.timedelta(days=365)
    return CaseworkSummary(
        school=school.name,
        created=created,
        cases={s: cases[s] for s in S.values if cases[s]},
        referrals={s: statuses[s] for s in ReferralStatus.values if statuses[s]},
        overdue_referrals=overdue_referrals().filter(child__school=school).count(),
        services=ServiceDelivered.objects.filter(child__school=school).count(),
        given_twice=len(double_dipping(school, since=since)),
        meetings={s: meetings[s] for s in Meeting.Status.values if meetings[s]},
        agenda_items=sum(m.items.count() for m in Meeting.objects.filter(school=school)),
    )


def _already_done(school: School) -> bool:
    # The demo always ends with the coordinator's meetings: once they exist, it is done.
    return Meeting.objects.filter(school=school, created_by__username="coordinator").exists()


def ensure_demo_casework(today: dt.date | None = None) -> CaseworkSummary:
    """Create the demo casework at the demo school once; return what exists."""
    school = demo_school()
    if school is None:
        return CaseworkSummary()
    if _already_done(school):
        return summarise(school)
    # The notifications stay in the app: the demo's history is not mailed to anyone.
    with override_settings(EMAIL_BACKEND=QUIET_MAIL), transaction.atomic():
        made = _Casework(school, today or timezone.localdate()).run()
    return summarise(school, created=made)


class _Casework:
    def __init__(self, school: School, today: dt.date) -> None:
        self.school = school
        self.today = today
        self.coordinator = _user("coordinator")
        self.socialworker = _user("socialworker")
        self.nurse = _user("nurse")
        self.teacher = _user("teacher")
        self.fieldworker = _user("fieldworker")
        self.cases: dict[str, Case] = {}
        self.profiles: dict[int, RiskProfile] = {}

    def day(self, days_ago: int) -> dt.date:
        return self.today - dt.timedelta(days=days_ago)

    def moment(self, days_ago: int) -> dt.datetime:
        return timezone.now() - dt.timedelta(days=days_ago)

    def provider(self, code: str) -> Provider:
        return Provider.objects.filter(service_types__code=code, active=True).order_by("pk").first()

    # --- the whole demo

    def ready(self) -> bool:
        """The demo people are there (the social worker supervised by the coordinator) and so
        are the demo providers; False when an account is missing."""
        people = (self.coordinator, self.socialworker, self.nurse, self.teacher)
        if any(p is None or not hasattr(p, "staff") for p in people):
            return False
        social = self.socialworker.staff
        if social.supervisor_id is None:
            social.supervisor = self.coordinator.staff
            social.save(update_fields=["supervisor"])
        ensure_demo_providers()
        return True

    def run(self) -> bool:
        if not self.ready():
            return False
        wave = Wave.objects.filter(schools=self.school).order_by("-starts_on").first()
        if wave is None:
            return False
        cases_propose(wave=wave)
        self.profiles = {
            p.child_id: p for p in RiskProfile.objects.filter(wave=wave, child__school=self.school)
        }
        self.held_meeting()  # a month ago, before the casework it started
        self.choose_children()
        self.walk_cases()
        self.make_referrals()
        self.record_services()
        self.planned_meeting()
        return True

    # --- cases

    def choose_children(self) -> None:
        proposed = list(
            Case.objects.filter(school=self.school, status=S.PROPOSED)
            .select_related("child")
            .order_by("child_id")
        )
        consented = [
            c
            for c in proposed
            if c.child_id in self.profiles
            and has_consent(c.child, "share_health")
            and has_consent(c.child, "share_social_development")
        ]
        hungry = [c for c in consented if self.profiles[c.child_id].nutrition == "high"]
        order = hungry[:1] + [c for c in consented if c not in hungry[:1]]
        others = [c for c in proposed if c not in consented]
        # Leave at least one proposal waiting for the coordinator; dismiss one first.
        if len(proposed) < 2:
            return
        dismissed = (others or order)[-1]
        self.cases["dismissed"] = dismissed
        order = [c for c in order if c != dismissed][: len(proposed) - 2]
        for slot, case in zip(SLOTS, order, strict=False):
            self.cases[slot] = case

    def walk_cases(self) -> None:
        steps = {
            "identified": S.IDENTIFIED,
            "registered": S.REGISTERED,
            "assessed": S.ASSESSED,
        }
        for slot, case in self.cases.items():
            if slot == "dismissed":
                case_move(case=case, to=S.DISMISSED, by=self.coordinator, comment=DISMISSED_REASON)
                continue
            case = self.confirm(case)
            target = steps.get(slot, S.CASE_PLAN)
            for status in (S.REGISTERED, S.ASSESSED, S.CASE_PLAN):
                if self.before(target, status):
                    break
                case = case_move(case=case, to=status, by=self.socialworker)
            if slot in steps:
                self.cases[slot] = case
                continue
            goals = self.write_plan(case)
            approval = approval_request(case=case, kind=Approval.Kind.PLAN, by=self.socialworker)
            if slot == "case_plan":
                continue  # the plan waits for the supervisor's approval
            approval_decide(
                approval=approval,
                decision=Approval.Decision.APPROVE,
                by=self.coordinator,
                comment="Good plan; start with the most urgent action.",
            )
            case.refresh_from_db()
            if slot == "implementation":
                continue
            first = case.plan.actions.order_by("due_on", "pk").first()
            if first is not None:
                plan_action_done(action=first, by=self.socialworker, done_on=self.day(3))
            if slot == "review":
                case_move(case=case, to=S.REVIEW, by=self.socialworker)
                progress = {
                    g.pk: (
                        GoalProgress.Progress.ACHIEVED if i == 0 else GoalProgress.Progress.SOME,
                        "The caregiver says things are better since the last visit.",
                    )
                    for i, g in enumerate(goals)
                }
                review_record(
                    case=case,
                    by=self.socialworker,
                    held_on=self.day(1),
                    notes="Met the caregiver at school. Food parcels collected; keep going.",
                    progress=progress,
                )
                continue
            # closed (and reopened): every goal met, closure approved
            review_record(
                case=case,
                by=self.socialworker,
                held_on=self.day(2),
                notes="All the benchmarks are met; the family agrees the case can close.",
                progress={g.pk: (GoalProgress.Progress.ACHIEVED, "") for g in goals},
            )
            closure = approval_request(
                case=case,
                kind=Approval.Kind.CLOSURE,
                by=self.socialworker,
                closure_reason=Case.ClosureReason.PLAN_ACHIEVED,
            )
            approval_decide(
                approval=closure, decision=Approval.Decision.APPROVE, by=self.coordinator
            )
            if slot == "reopened":
                case_move(
                    case=case,
                    to=S.REVIEW,
                    by=self.socialworker,
                    comment="The teacher reports the child is hungry again; the grant stopped.",
                )

    @staticmethod
    def before(target: str, status: str) -> bool:
        order = [S.IDENTIFIED, S.REGISTERED, S.ASSESSED, S.CASE_PLAN]
        return order.index(status) > order.index(target)

    def confirm(self, case: Case) -> Case:
        case = case_move(
            case=case,
            to=S.IDENTIFIED,
            by=self.coordinator,
            comment="Confirmed at the team meeting.",
        )
        team = [self.nurse.staff, self.teacher.staff]
        case_team_set(case=case, by=self.coordinator, lead=self.socialworker.staff, team=team)
        return case

    def write_plan(self, case: Case) -> list[Goal]:
        profile = self.profiles[case.child_id]
        domains = [d for d in DOMAINS if getattr(profile, d) == "high"] or ["psychosocial"]
        goals = []
        for index, domain in enumerate(domains):
            goal, benchmark, action = GOALS[domain]
            goals.append(
                goal_add(
                    case=case,
                    by=self.socialworker,
                    domain=domain,
                    description=goal,
                    benchmark=benchmark,
                )
            )
            by_nurse = domain in ("health", "nutrition")
            person = self.nurse.staff if by_nurse else self.socialworker.staff
            plan_action_add(
                case=case,
                by=self.socialworker,
                description=action,
                organisation=person.organisation,
                person=person,
                due_on=self.today + dt.timedelta(days=14 + 7 * index),
            )
        return goals

    # --- referrals

    def make_referrals(self) -> None:
        children = {slot: case.child for slot, case in self.cases.items() if slot != "dismissed"}
        if not children:
            return
        fallback = next(iter(children.values()))

        def child(slot: str) -> Child:
            return children.get(slot, fallback)

        def create(slot, code, urgency, reason, days_ago=0):
            now = self.moment(days_ago) if days_ago else None
            service_type = ServiceType.objects.get(code=code)
            return referral_create(
                child=child(slot),
                service_type=service_type,
                by=self.socialworker,
                urgency=urgency,
                reason=reason,
                provider=self.provider(code),
                now=now,
            )

        by = self.socialworker
        # A hungry child referred to food support; the provider confirms through the link.
        food = create(
            "review",
            "food_support",
            "high",
            "The family reports going hungry; the child often comes to school without eating.",
            days_ago=20,
        )
        food = referral_move(food, "sent", by, now=self.moment(20))
        _link, token = feedback_link_issue(referral=food, by=by)
        feedback_answer(
            link=feedback_link_find(token),
            answer="delivered",
            delivered_on=self.day(14),
            outcome="Food parcel for the household every two weeks",
            feedback="The grandmother collected the first parcel; the soup kitchen expects the "
            "child on school days.",
        )
        # Delivered, then closed by the sender.
        clinic = create(
            "closed",
            "immunisation",
            "routine",
            "Immunisations are not up to date in the Road to Health booklet.",
            days_ago=40,
        )
        clinic = referral_move(clinic, "sent", by, now=self.moment(40))
        clinic = provider_answer(
            clinic,
            "delivered",
            by,
            delivered_on=self.day(30),
            outcome="Catch-up immunisations given",
            feedback="Next dose in six months.",
            comment="The clinic phoned.",
        )
        referral_move(clinic, "closed", by, comment="The booklet is up to date now.")
        grant = create(
            "implementation",
            "grant_application",
            "high",
            "The household does not receive the Child Support Grant.",
        )
        grant = referral_move(grant, "sent", by)
        counselling = create(
            "reopened",
            "counselling",
            "routine",
            "The child seems withdrawn and sad in class; the caregiver asked for help.",
        )
        counselling = referral_move(counselling, "sent", by)
        provider_answer(counselling, "acknowledged", by, comment="Received by phone.")
        eyes = create(
            "case_plan",
            "eye_screening",
            "routine",
            "The child cannot read from the board; the school eye check was not passed.",
        )
        eyes = referral_move(eyes, "sent", by)
        provider_answer(eyes, "accepted", by, comment="Screening booked for next Wednesday.")
        parenting = create(
            "assessed",
            "family_strengthening",
            "routine",
            "The caregiver would like support with parenting.",
        )
        parenting = referral_move(parenting, "sent", by)
        provider_answer(
            parenting,
            "declined",
            by,
            reason="The parenting group is full until next term; please refer again in January.",
        )
        create(
            "registered",
            "clinic_visit",
            "routine",
            "Often ill and absent, say the caregiver and the teacher.",
        )
        sbst = create(
            "identified",
            "educational_assessment",
            "routine",
            "The teacher sees a barrier to learning in reading and writing.",
        )
        sbst = referral_move(sbst, "sent", by)
        referral_move(
            sbst,
            "cancelled",
            by,
            reason="Classroom reading support is working; the teacher will refer again if needed.",
        )
        # Overdue: sent three weeks ago with a 7-day deadline, no answer since.
        growth = create(
            "implementation",
            "growth_monitoring",
            "high",
            "The child is underweight for age; growth needs checking at the clinic.",
            days_ago=21,
        )
        growth = referral_move(growth, "sent", by, now=self.moment(20))

    # --- services delivered

    def record_services(self) -> None:
        hungry = self.cases.get("review")
        if hungry is not None:
            service_record(
                child=hungry.child,
                case=hungry,
                by=self.socialworker,
                service_type=ServiceType.objects.get(code="food_support"),
                delivered_on=self.day(14),
                provider=self.provider("food_support"),
                outcome=ServiceDelivered.Outcome.DELIVERED,
                notes="Food parcel collected by the grandmother.",
            )
            # The same help from another programme within the month: "help given twice".
            service_record(
                child=hungry.child,
                by=self.teacher,
                service_type=ServiceType.objects.get(code="school_nutrition"),
                delivered_on=self.day(7),
                provider_name=SCHOOL_FEEDING,
                outcome=ServiceDelivered.Outcome.DELIVERED,
            )
        working = self.cases.get("implementation")
        if working is not None:
            service_record(
                child=working.child,
                case=working,
                by=self.socialworker,
                service_type=ServiceType.objects.get(code="home_visit"),
                delivered_on=self.day(5),
                provider=self.provider("home_visit"),
                outcome=ServiceDelivered.Outcome.DELIVERED,
                notes="Visited the home with the caregiver's agreement; next visit in a month.",
            )
        closed = self.cases.get("closed")
        if closed is not None:
            service_record(
                child=closed.child,
                case=closed,
                by=self.nurse,
                service_type=ServiceType.objects.get(code="immunisation"),
                delivered_on=self.day(30),
                provider=self.provider("immunisation"),
                outcome=ServiceDelivered.Outcome.DELIVERED,
            )

    # --- meetings

    def held_meeting(self) -> None:
        held_on = self.day(30)
        held = meeting_create(
            school=self.school, held_on=held_on, kind=Meeting.Kind.COP, by=self.coordinator
        )
        for user in (self.coordinator, self.socialworker, self.nurse, self.teacher):
            attendee_add(meeting=held, staff=user.staff)
        attendee_add(meeting=held, name="Ward councillor's office", sector="community")
        items = list(held.items.order_by("position")[:3])
        decisions = (
            "Confirm a case; the social worker leads, with the nurse and the class teacher.",
            "The nurse phones the caregiver and books a clinic visit.",
            "Watch in class for a month and discuss again at the next meeting.",
        )
        for item, decision in zip(items, decisions, strict=False):
            item_decide(item=item, decision=decision, by=self.coordinator)
        action_add(
            meeting=held,
            item=items[1] if len(items) > 1 else None,
            description="Phone the caregiver and book a clinic visit",
            owner=self.nurse.staff,
            due_on=held_on + dt.timedelta(days=14),  # not done: overdue
            by=self.coordinator,
        )
        done = action_add(
            meeting=held,
            item=items[0] if items else None,
            description="Open the case and write the first plan",
            owner=self.socialworker.staff,
            due_on=held_on + dt.timedelta(days=7),
            by=self.coordinator,
        )
        action_done(action=done, on=held_on + dt.timedelta(days=5))
        meeting_mark_held(meeting=held, by=self.coordinator)

    def planned_meeting(self) -> None:
        # Next week's meeting: its agenda is generated from everything since the last one.
        meeting_create(
            school=self.school,
            held_on=self.today + dt.timedelta(days=7),
            kind=Meeting.Kind.COP,
            by=self.coordinator,
        )


# --- casework at scale (benchmarks and the query-count tests) ---------------------------------

# Every tenth child gets notes of each kind the demo accounts write.
NOTE_EVERY = 10


def casework_for_every_case(today: dt.date | None = None) -> CaseworkSummary:
    """Put every proposed case at the demo school under way, as the demo does for one case per
    state: the proposals are taken nine at a time (eight walked to the demo's states, one
    dismissed), each batch with its referrals in every state and its services; a held meeting
    before and a planned one after. Fewer than nine left over stay proposed.

    This is for measuring pages at a realistic caseload (benchmarks/page_queries.py and
    tests/sizing.py): the demo command keeps its one case per state. Not idempotent."""
    school = demo_school()
    if school is None:
        return CaseworkSummary()
    with override_settings(EMAIL_BACKEND=QUIET_MAIL), transaction.atomic():
        made = _CaseworkAtScale(school, today or timezone.localdate()).run()
    return summarise(school, created=made)


class _CaseworkAtScale(_Casework):
    def run(self) -> bool:
        if not self.ready():
            return False
        waves = list(Wave.objects.filter(schools=self.school).order_by("starts_on"))
        if not waves:
            return False
        for wave in waves:
            cases_propose(wave=wave)
        self.profiles = {
            p.child_id: p
            for p in RiskProfile.objects.filter(wave=waves[-1], child__school=self.school)
        }
        self.held_meeting()
        proposed = list(
            Case.objects.filter(school=self.school, status=S.PROPOSED)
            .select_related("child")
            .order_by("child_id")
        )
        consented = [
            c
            for c in proposed
            if has_consent(c.child, "share_health")
            and has_consent(c.child, "share_social_development")
        ]
        others = [c for c in proposed if c not in consented]
        batch = len(SLOTS)
        # A batch takes eight children with consent to share and one more to dismiss; what is
        # left over stays proposed, waiting for the coordinator.
        while len(consented) >= batch and len(consented) + len(others) > batch:
            working, consented = consented[:batch], consented[batch:]
            dismissed = others.pop(0) if others else consented.pop(0)
            self.cases = {"dismissed": dismissed, **dict(zip(SLOTS, working, strict=True))}
            self.walk_cases()
            self.make_referrals()
            self.record_services()
        self.write_notes()
        self.planned_meeting()
        return True

    def write_plan(self, case: Case) -> list[Goal]:
        # A child proposed from an earlier wave may have no profile in the latest one.
        if case.child_id not in self.profiles:
            self.profiles[case.child_id] = case.created_from_profile
        return super().write_plan(case)

    def write_notes(self) -> None:
        notes = (
            (self.nurse, "health", "Clinic card seen; the next immunisation is due in March."),
            (self.socialworker, "case_notes", "Home visit: the caregiver asked about the grant."),
        )
        children = Child.objects.filter(school=self.school, status=Child.Status.ACTIVE)
        for child in children.order_by("pk")[::NOTE_EVERY]:
            for user, kind, text in notes:
                # Without the caregiver's consent to share, the note waits for it.
                if kind in note_writable_classes(user, child):
                    note_add(user=user, child=child, text=text, sensitivity=kind)
