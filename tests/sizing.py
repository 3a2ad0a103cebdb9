"""A school at a chosen size with casework in every state, and the pages to measure on it.

Used by the query-count tests (tests/web/test_query_counts.py: every list, dashboard,
worklist and agenda page costs the same number of queries at two sizes) and by
benchmarks/page_queries.py (queries and time per page at 40, 160 and 400 learners).

`build_school(learners)` generates a two-school synthetic district (cwtt/synthetic/generate.py),
gives the demo accounts (one per role) the first school, and puts every proposed case there
under way through the real actions (`casework_for_every_case`): cases in every state with teams,
plans, approvals and reviews; referrals in every state (one overdue) with feedback links;
services delivered (help given twice); a held meeting with decisions and action items and a
planned one with its generated agenda; notes; a child registered twice. One child (`World.child`) also gets more of
everything as the school grows, so the child's pages grow with it.

Who signs in where: each page names the demo account that uses it (the coordinator for the
school's case list and dashboard, the district official for the area dashboard, the data
manager for administration and data quality, and so on).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from cwtt.access.two_factor import needs_second_factor
from cwtt.assessments.models import Assessment, AssessmentCorrection
from cwtt.cases.actions import service_record
from cwtt.cases.models import Case, ServiceDelivered
from cwtt.meetings.actions import action_add
from cwtt.meetings.models import AgendaItem, Meeting
from cwtt.notes.actions import note_add
from cwtt.referrals.actions import referral_create, referral_move
from cwtt.referrals.models import Referral
from cwtt.registry.models import Child, SchoolClass
from cwtt.services.models import ServiceType
from cwtt.synthetic.accounts import ensure_demo_accounts
from cwtt.synthetic.casework import casework_for_every_case, demo_school
from cwtt.synthetic.generate import generate_district

SEED = 5


@dataclass
class World:
    learners: int
    school: object
    school_class: object
    child: object  # the child with the most casework; grows with the school
    case: Case
    referral: Referral
    held: Meeting
    planned: Meeting
    cases: int = 0
    referrals: int = 0
    corrections: int = 0  # waiting for a second person's decision
    summary: str = ""
    child_rows: dict = field(default_factory=dict)  # rows about `child`, by model
    users: dict = field(default_factory=dict)


def build_school(learners: int) -> World:
    """The demo school with `learners` learners a year and casework for every proposed case.
    Larger schools get three waves instead of two, so each child also has more assessments."""
    waves = 2 if learners < 40 else 3
    generate_district(schools=2, learners_per_school=learners, waves=waves, seed=SEED)
    ensure_demo_accounts()
    summary = casework_for_every_case()
    school = demo_school()
    users = {u.username: u for u in get_user_model().objects.select_related("staff")}
    reviewed = (
        Case.objects.filter(school=school, status=Case.Status.REVIEW, reviews__isnull=False)
        .order_by("pk")
        .first()
    )
    child = reviewed.child
    _more_for(child, reviewed, users, extra=max(2, learners // 8))
    _register_twice(child)
    corrections = _corrections_waiting(school, users["coordinator"], max(2, learners // 8))
    school_class = (
        SchoolClass.objects.filter(school=school, year=timezone.localdate().year)
        .order_by("grade", "name")
        .first()
    )
    return World(
        learners=learners,
        school=school,
        school_class=school_class,
        child=child,
        case=reviewed,
        referral=Referral.objects.filter(child=child).order_by("pk").first(),
        held=Meeting.objects.get(school=school, status=Meeting.Status.HELD),
        planned=Meeting.objects.get(school=school, status=Meeting.Status.PLANNED),
        cases=Case.objects.filter(school=school).count(),
        referrals=Referral.objects.filter(child__school=school).count(),
        corrections=corrections,
        summary=str(summary),
        child_rows=_rows_about(child),
        users=users,
    )


def _more_for(child, case: Case, users: dict, *, extra: int) -> None:
    """More referrals, services, notes and agenda items for one child, `extra` of each."""
    social, nurse = users["socialworker"], users["nurse"]
    held = Meeting.objects.get(school=child.school, status=Meeting.Status.HELD)
    food = ServiceType.objects.get(code="food_support")
    for number in range(extra):
        referral = referral_create(
            child=child,
            service_type=food,
            by=social,
            urgency="routine",
            reason=f"Follow-up {number + 1}: the family still goes hungry some days.",
            provider_name="Community Food Garden",
            sector="ngo",
        )
        if number % 2:
            referral_move(referral, "sent", social)
        service_record(
            child=child,
            case=case,
            by=social,
            service_type=food,
            delivered_on=timezone.localdate() - dt.timedelta(days=number + 1),
            provider_name="Community Food Garden",
            outcome=ServiceDelivered.Outcome.DELIVERED,
            notes="Parcel collected.",
        )
        # Each note in its own words: the same words again within minutes are one note
        # (decision 0031).
        note_add(
            user=social,
            child=child,
            text=f"Phoned the caregiver ({number}).",
            sensitivity="case_notes",
        )
        note_add(
            user=nurse, child=child, text=f"Weighed at the clinic ({number}).", sensitivity="health"
        )
        # Raised at the last meeting (under other business), with an action for the nurse.
        item = AgendaItem.objects.create(
            meeting=held,
            kind=AgendaItem.Kind.OTHER,
            position=1000 + number,
            child=child,
            text="The caregiver asked the school for help with transport to the clinic.",
        )
        action_add(
            meeting=held,
            item=item,
            description="Phone the caregiver about transport",
            owner=nurse.staff,
            due_on=held.held_on + dt.timedelta(days=7),
            by=users["coordinator"],
        )


def _rows_about(child) -> dict[str, int]:
    from cwtt.rights.subject_access import reverse_relations, rows_pointing_at

    return {
        rel.related_model._meta.label_lower: rows_pointing_at(rel, child).count()
        for rel in reverse_relations(type(child))
    }


def _register_twice(child) -> None:
    """The child registered a second time by mistake (same name and birth date), so the data
    quality pages have a finding to show at every size."""
    Child.objects.create(
        first_name=child.first_name,
        last_name=child.last_name,
        date_of_birth=child.date_of_birth,
        sex=child.sex,
        school=child.school,
        school_class=child.school_class,
        household=child.household,
    )


def _corrections_waiting(school, by, count: int) -> int:
    """`count` corrections of general answers asked for at the school, waiting for a second
    person (the data manager decides them), so the data quality pages and the worklists have
    corrections to list at every size. Stored directly: they are findings, not a journey."""
    from cwtt.instruments.actions import validator_for

    sent = Assessment.objects.filter(
        child__school=school, status=Assessment.Status.SUBMITTED
    ).order_by("pk")
    made = 0
    for assessment in sent.iterator():
        general = {
            q.name
            for q in validator_for(assessment.instrument_version_id).definition.questions
            if q.sensitivity == "general"
        }
        name = next((n for n in sorted(assessment.answers) if n in general), None)
        if name is None:
            continue
        before = assessment.answers
        value = before[name]
        after = {**before, name: value + 1 if isinstance(value, int) else f"{value} (corrected)"}
        AssessmentCorrection.objects.create(
            assessment=assessment,
            requested_by=by,
            reason="The paper form says otherwise.",
            answers_before=before,
            answers_after=after,
        )
        made += 1
        if made == count:
            break
    return made


def sign_in(client: Client, user) -> Client:
    """A finished sign-in, with the second factor for roles that need one (as tests/conftest.py
    `sign_in`, which benchmarks cannot import)."""
    client.force_login(user)
    if needs_second_factor(user):
        device = TOTPDevice.objects.filter(user=user).first() or TOTPDevice.objects.create(
            user=user, name="test", confirmed=True
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


# Every list, dashboard, worklist and agenda page: name → (who opens it, its address).
# The offline pack is measured with the offline work (benchmarks/offline_work.py).
PAGES: dict[str, tuple[str, Callable[[World], str]]] = {
    **{
        f"home_{username}": (username, lambda w: reverse("home"))
        for username in (
            "fieldworker",
            "teacher",
            "socialworker",
            "nurse",
            "coordinator",
            "district",
            "province",
            "researcher",
            "datamanager",
        )
    },
    **{
        f"my_work_{username}": (username, lambda w: reverse("my_work"))
        for username in ("fieldworker", "teacher", "socialworker", "nurse", "coordinator")
    },
    "my_class": ("teacher", lambda w: reverse("my_class")),
    "caseloads": ("coordinator", lambda w: reverse("caseloads")),
    "school_page": ("coordinator", lambda w: reverse("school", args=[w.school.pk])),
    "school_page_teacher": ("teacher", lambda w: reverse("school", args=[w.school.pk])),
    "class_page": ("teacher", lambda w: reverse("class", args=[w.school_class.pk])),
    "child_page": ("socialworker", lambda w: reverse("child", args=[w.child.pk])),
    "child_page_teacher": ("teacher", lambda w: reverse("child", args=[w.child.pk])),
    "child_consent": ("socialworker", lambda w: reverse("consent", args=[w.child.pk])),
    "child_record": ("datamanager", lambda w: reverse("child_record", args=[w.child.pk])),
    "school_cases": ("coordinator", lambda w: reverse("school_cases", args=[w.school.pk])),
    "school_cases_socialworker": (
        "socialworker",
        lambda w: reverse("school_cases", args=[w.school.pk]),
    ),
    "school_queue": ("coordinator", lambda w: reverse("school_queue", args=[w.school.pk])),
    "school_queue_socialworker": (
        "socialworker",
        lambda w: reverse("school_queue", args=[w.school.pk]),
    ),
    "case_page": ("socialworker", lambda w: reverse("case", args=[w.case.pk])),
    "child_referrals": ("socialworker", lambda w: reverse("child_referrals", args=[w.child.pk])),
    "my_referrals": ("socialworker", lambda w: reverse("my_referrals")),
    "referral_page": ("socialworker", lambda w: reverse("referral", args=[w.referral.pk])),
    "services": ("socialworker", lambda w: reverse("services")),
    "meetings": ("coordinator", lambda w: reverse("school_meetings", args=[w.school.pk])),
    "meeting_planned": ("coordinator", lambda w: reverse("meeting", args=[w.planned.pk])),
    "meeting_held": ("coordinator", lambda w: reverse("meeting", args=[w.held.pk])),
    "school_dashboard": ("coordinator", lambda w: reverse("school_dashboard", args=[w.school.pk])),
    "area_dashboard": ("district", lambda w: reverse("area_dashboard")),
    "area_dashboard_filtered": (
        "district",
        lambda w: f"{reverse('area_dashboard')}?domain=nutrition&quintile={w.school.quintile}",
    ),
    "quality": ("datamanager", lambda w: reverse("quality")),
    "quality_school": ("datamanager", lambda w: reverse("quality_school", args=[w.school.pk])),
    "notifications": ("socialworker", lambda w: reverse("notifications")),
    "notifications_coordinator": ("coordinator", lambda w: reverse("notifications")),
    "admin_users": ("datamanager", lambda w: reverse("administration_users")),
    "admin_schools": ("datamanager", lambda w: reverse("administration_schools")),
    "admin_waves": ("datamanager", lambda w: reverse("administration_waves")),
    "admin_instruments": ("datamanager", lambda w: reverse("administration_instruments")),
}


@dataclass(frozen=True)
class Measured:
    status: int
    queries: int
    seconds: float
    sql: tuple[str, ...] = field(repr=False)


def measure_page(world: World, name: str, clients: dict[str, Client]) -> Measured:
    """Open the page twice as its user and measure the second opening, so caches filled once
    per process (compiled instruments, content types, the session) do not count."""
    import time

    username, address = PAGES[name]
    if username not in clients:
        clients[username] = sign_in(Client(), world.users[username])
    client, url = clients[username], address(world)
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url)
        seconds = time.perf_counter() - started
    return Measured(
        status=response.status_code,
        queries=len(queries),
        seconds=seconds,
        sql=tuple(q["sql"] for q in queries.captured_queries),
    )
