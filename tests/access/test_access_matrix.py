"""The access matrix: every role × every page that shows a child × a child of the reader's own
school, of another school, and of a school nobody is assigned to. Asserts exactly which details
come back, and that nothing leaks out of scope (issue #3, "Tests that must exist").

The second test walks every URL pattern of the project that takes an id, so a page added later
is checked without anyone remembering to add it here.
"""

import datetime as dt

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cwtt.access.models import AuditEntry
from cwtt.access.roles import Role
from cwtt.assessments.actions import assessment_save
from cwtt.registry.models import School

from ..conftest import _person, make_child, sign_in  # noqa: TID252 - shared test helpers

pytestmark = pytest.mark.django_db

ID_NUMBER = "1803145123083"

# One reason per sensitivity class, from the mini instrument's rules.
REASONS = {
    "general": "Fewer than two meals yesterday",
    "education": "Absent 5 or more days",
    "health": "The caregiver has thoughts of self-harm",
    "protection": "Nurse saw signs of abuse",
}
ADDRESS = "12 Test Street"  # contact class

# What each role must see of a child of its own school ("-" = the page is not found).
EXPECTED = {
    "fiona": {"general", "education", "contact"},
    "tumi": {"general", "education", "contact"},
    "sam": {"general", "education", "health", "protection", "contact", "identity"},
    "nandi": {"general", "health", "contact"},
    "cora": {"general", "education", "contact", "identity"},
    "dora": {"general", "contact", "identity"},
    "dumi": None,
    "rhoda": None,
    "pat": None,
    "nobody": None,
}
# Who sees children of other schools: the data manager sees every school.
SEES_EVERY_SCHOOL = {"dora"}


@pytest.fixture
def everyone(people, district):
    return {
        **people,
        "rhoda": _person("rhoda", Role.RESEARCHER, location=district["district"]),
        "pat": _person("pat", Role.PROVINCIAL_OFFICIAL, location=district["province"]),
    }


@pytest.fixture
def children(sunrise, hilltop, district, wave):
    lonely = School.objects.create(
        emis_number="700333333", name="Lonely Primary", quintile=1, location=district["circuit"]
    )
    wave.schools.add(lonely)
    made = {
        "own": make_child(sunrise, first="Owethu", last="Own"),
        "other": make_child(hilltop, first="Olwethu", last="Other"),
        "unassigned": make_child(lonely, first="Unathi", last="Unassigned"),
    }
    for found in made.values():
        found.sa_id_number = ID_NUMBER
        found.save()
        for respondent, answers in (
            ("caregiver", {"cg_meals": 1, "cg_hungry": "yes", "cg_hit": "no", "cg_dep9": "1"}),
            ("teacher", {"tc_abuse": "no", "tc_absent": 7}),
            ("nurse", {"ns_abuse": "yes"}),
        ):
            assessment_save(
                child=found,
                wave=wave,
                respondent=respondent,
                answers=answers,
                assessed_on=dt.date(2026, 3, 2),
            )
    return made


def shown(page: str) -> set[str]:
    seen = {kind for kind, reason in REASONS.items() if reason in page}
    if ADDRESS in page:
        seen.add("contact")
    if ID_NUMBER in page:
        seen.add("identity")
    return seen


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_role_sees_exactly_its_fields_and_nothing_out_of_scope(
    client, everyone, children, name
):
    user = everyone[name]
    sign_in(client, user)
    for where, found in children.items():
        response = client.get(reverse("child", args=[found.pk]))
        in_scope = EXPECTED[name] is not None and (where == "own" or name in SEES_EVERY_SCHOOL)
        if not in_scope:
            assert response.status_code == 404, (name, where)
            assert found.first_name not in response.content.decode()
            continue
        page = response.content.decode()
        assert response.status_code == 200
        assert found.full_name in page
        assert shown(page) == EXPECTED[name], (name, where)
        # Every view of the record by a person is in the audit trail.
        assert AuditEntry.objects.filter(action="view", child_id=found.pk, actor=user).exists()
    # Lists: the home page and school pages never name a child out of scope.
    home = client.get(reverse("home"), follow=True).content.decode()
    for where, found in children.items():
        if EXPECTED[name] is None or (where != "own" and name not in SEES_EVERY_SCHOOL):
            assert found.last_name not in home, (name, where)


def walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield pattern


# Routes that take no id of a child's data: the provider's feedback link and the link with which
# a new person chooses their password are public by design and tested on their own
# (tests/referrals, tests/administration).
# The research downloads name a wave or the panel, not a record: what it holds is the reader's own area,
# de-identified (tests/assessments/test_export_research_download.py). A password reset link
# carries a signed token, not a record (tests/access/test_password_reset.py).
NOT_ID_ROUTES = {
    "referral_feedback",
    "set_password",
    "research_download",
    "research_panel_download",
    "password_reset_confirm",
}
# The OpenRosa routes name a form, not a record; they answer 401 to a browser's session, as
# Collect signs in on every request (tests/interop/test_openrosa*.py).
FILLERS = {"respondent": "caregiver", "form_id": "cwtt_caregiver", "version": 1}


def id_routes():
    """Every named URL that takes an id, with the names of its id arguments."""
    for pattern in walk(get_resolver().url_patterns):
        converters = list(pattern.pattern.converters)
        if pattern.name and converters and pattern.name not in NOT_ID_ROUTES:
            yield pattern.name, converters


def records_of(found, people):
    """Everything that hangs off a child, made by staff of the child's school, with its id
    under the URL argument name that takes it."""
    from cwtt.access.emergency import emergency_open
    from cwtt.cases.actions import approval_request
    from cwtt.cases.models import Case, CasePlan, Goal, PlanAction
    from cwtt.meetings.actions import meeting_create
    from cwtt.referrals.actions import referral_create
    from cwtt.registry.models import Organisation
    from cwtt.services.models import ServiceType

    case = Case.objects.get(child=found)  # proposed when the child was scored high
    case.status, case.lead = "case_plan", people["dora"].staff
    case.save()
    plan = CasePlan.objects.create(case=case)
    Goal.objects.create(plan=plan, domain="nutrition", description="Eats", benchmark="No hunger")
    action = PlanAction.objects.create(
        plan=plan,
        description="Visit",
        organisation=Organisation.objects.first(),
        due_on=dt.date(2026, 12, 1),
    )
    approval = approval_request(case=case, kind="plan", by=people["dora"])
    referral = referral_create(
        child=found,
        service_type=ServiceType.objects.get(code="food_support"),
        by=people["dora"],
        urgency="routine",
        reason="Hungry",
        provider_name="Garden",
        sector="ngo",
    )
    meeting = meeting_create(
        school=found.school, held_on=dt.date(2026, 11, 23), kind="cop", by=people["dora"]
    )
    grant = emergency_open(
        user=people["sue"],
        school=found.school,
        first_name=found.first_name,
        last_name=found.last_name,
        date_of_birth=found.date_of_birth,
        reason="A neighbour reports the child was badly hurt at home last night.",
    )
    from cwtt.assessments.models import AssessmentCorrection

    assessment = found.assessments.first()
    correction = AssessmentCorrection.objects.create(
        assessment=assessment,
        requested_by=people["dora"],
        reason="Typed wrongly",
        answers_before=assessment.answers,
        answers_after=assessment.answers,
    )
    from cwtt.administration.models import PendingImport

    # The rejects file of a data manager's import of the child's class list.
    pending = PendingImport.objects.create(
        owner=people["dora"],
        kind="children",
        filename="class-list.csv",
        checksum="0" * 64,
        data=b"",
        rejects=f"first_name,last_name\n{found.first_name},{found.last_name}\n".encode(),
    )
    from cwtt.registry.models import PossibleDuplicate

    # A possible second record of the child, waiting for review.
    twin = make_child(found.school, first=found.first_name, last=found.last_name)
    pair = PossibleDuplicate.objects.create(
        child_a=found, child_b=twin, score=0.9, reasons=[], found_by="import"
    )
    return {
        "child_id": found.pk,
        "pair_id": pair.pk,
        "assessment_uuid": assessment.uuid,
        "correction_id": correction.pk,
        "class_id": found.school_class_id,
        "school_id": found.school_id,
        "case_id": case.pk,
        "approval_id": approval.pk,
        "action_id": action.pk,
        "pk": referral.pk,
        "meeting_id": meeting.pk,
        "grant_id": grant.pk,
        # The administration pages: the account of a colleague at the child's school, the wave
        # the child was assessed in and its instrument version.
        "user_id": _person(f"colleague{found.pk}", Role.SOCIAL_WORKER, found.school).pk,
        "wave_id": found.assessments.first().wave_id,
        "version_id": found.assessments.first().instrument_version_id,
        "pending_id": pending.pk,
    }


@pytest.mark.parametrize("name", ["tumi", "nandi", "sam", "cora", "dumi", "rhoda", "pat"])
def test_no_page_that_takes_an_id_opens_anything_out_of_scope(client, everyone, children, name):
    everyone["sue"] = _person("sue", Role.SOCIAL_WORKER, children["own"].school)
    records = {where: records_of(children[where], everyone) for where in ("other", "unassigned")}
    sign_in(client, everyone[name])
    routes = list(id_routes())
    names = {route for route, _ in routes}
    assert {
        "child",
        "class",
        "school",
        "capture",
        "consent",
        "case",
        "referral",
        "meeting",
    } <= names
    for where, ids in records.items():
        found = children[where]
        for route, keys in routes:
            unknown = [k for k in keys if k not in ids and k not in FILLERS]
            assert not unknown, f"{route}: teach this test the id argument(s) {unknown}"
            kwargs = {k: ids.get(k, FILLERS.get(k)) for k in keys}
            url = reverse(route, kwargs=kwargs)
            for method in (client.get, client.post):
                response = method(url)
                assert response.status_code in {302, 401, 403, 404, 405}, (name, route, where)
                assert found.last_name not in response.content.decode(), (name, route)
