"""Reading through the REST API gives each role exactly what its pages give, never more: the
same access matrix as the pages (tests/access/test_access_matrix.py), the child's record by
sensitivity class and consent, reasons behind risk levels by class, answers by class, case notes
only for their readers, area roles no child at all; reads of a child's record audited as the
pages audit them, and refusals too.

Who may see what (tests/conftest.py, tests/interop/conftest.py): Fiona, Tumi, Sam, Nandi and Cora
work at Sunrise; Hilda coordinates Hilltop; Dumi (district) sees aggregates only; Dora (data
manager) sees every school; Nobody has no role.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from cwtt.access.models import AuditEntry
from cwtt.access.roles import Role
from cwtt.assessments.actions import assessment_save
from cwtt.cases.models import Case, Review, ServiceDelivered
from cwtt.consent.actions import consent_record
from cwtt.meetings.models import AgendaItem, Meeting
from cwtt.referrals.actions import referral_create
from cwtt.registry.models import School
from cwtt.services.catalogue import ensure_service_types
from cwtt.services.models import Provider, ServiceType

from ..conftest import _person, make_child, sign_in  # noqa: TID252 - shared test helpers

pytestmark = pytest.mark.django_db

ID_NUMBER = "1803145123083"
ADDRESS = "12 Test Street"  # contact class
# One reason per sensitivity class, from the mini instrument's rules (as the pages' matrix).
REASONS = {
    "general": "Fewer than two meals yesterday",
    "education": "Absent 5 or more days",
    "health": "The caregiver has thoughts of self-harm",
    "protection": "Nurse saw signs of abuse",
}
# What each role sees of a child of its own school through its pages
# (tests/access/test_access_matrix.py); None: not even that the child exists.
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
}


def shown(text: str) -> set[str]:
    found = {kind for kind, reason in REASONS.items() if reason in text}
    if ADDRESS in text:
        found.add("contact")
    if ID_NUMBER in text:
        found.add("identity")
    return found


@pytest.fixture
def everyone(people, district):
    return {
        **people,
        "rhoda": _person("rhoda", Role.RESEARCHER, location=district["district"]),
        "pat": _person("pat", Role.PROVINCIAL_OFFICIAL, location=district["province"]),
    }


@pytest.fixture
def scored(child, wave):
    """Sunrise's child with a reason of every class in the wave's risk profile."""
    child.sa_id_number = ID_NUMBER
    child.save()
    for respondent, answers in (
        ("caregiver", {"cg_meals": 1, "cg_hungry": "yes", "cg_hit": "no", "cg_dep9": "1"}),
        ("teacher", {"tc_abuse": "no", "tc_absent": 7}),
        ("nurse", {"ns_abuse": "yes"}),
    ):
        assessment_save(
            child=child,
            wave=wave,
            respondent=respondent,
            answers=answers,
            assessed_on=dt.date(2026, 3, 2),
        )
    return child


def everything_about(client, child) -> tuple[int, str]:
    """The child's record, risk profiles and questionnaires as the reader gets them: the child
    record's status and all the text."""
    record = client.get(f"children/{child.pk}/")
    texts = [record.content.decode()]
    for profile in client.get("risk-profiles/", child=child.pk).json()["results"]:
        texts.append(client.get(f"risk-profiles/{profile['id']}/").content.decode())
    for assessment in client.get("assessments/", child=child.pk).json()["results"]:
        texts.append(client.get(f"assessments/{assessment['uuid']}/").content.decode())
    return record.status_code, "\n".join(texts)


def test_each_role_gets_exactly_what_its_pages_show_of_a_child(everyone, api, scored, other_child):
    for name, expected in EXPECTED.items():
        client = api(name)
        status, text = everything_about(client, scored)
        listed = {c["id"] for c in client.get("children/").json()["results"]}
        if expected is None:
            assert status == 404, name
            assert scored.first_name not in text, name
            assert listed == set(), name
            continue
        assert status == 200, name
        assert shown(text) == expected, name
        assert scored.pk in listed, name
        # Another school's child: only the data manager, who sees every school.
        assert (other_child.pk in listed) == (name == "dora"), name
        assert client.get(f"children/{other_child.pk}/").status_code == (
            200 if name == "dora" else 404
        ), name


def test_a_person_without_a_role_is_refused_everything(people, api, scored):
    client = api("nobody")
    for path in ("schools/", "children/", f"children/{scored.pk}/", "services/", "meetings/"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert scored.first_name not in response.content.decode()


def test_the_teacher_gets_the_concern_without_its_details_and_the_social_worker_both(
    people, api, child, wave
):
    assessment_save(
        child=child,
        wave=wave,
        respondent="teacher",
        answers={"tc_abuse": "yes", "tc_absent": 2},
        assessed_on=dt.date(2026, 3, 2),
        assessor=people["tumi"],
    )
    teacher, social = api("tumi"), api("sam")
    [profile] = teacher.get("risk-profiles/", child=child.pk).json()["results"]
    assert profile["protection"] == "high"  # levels are not sensitive within the team
    as_teacher = teacher.get(f"risk-profiles/{profile['id']}/").json()
    as_social = social.get(f"risk-profiles/{profile['id']}/").json()
    protection = {d["domain"]: d for d in as_teacher["domains"]}["protection"]
    assert [r["withheld"] for r in protection["reasons"]] == [True]
    assert "Teacher is concerned about abuse" not in json.dumps(as_teacher)
    assert "Teacher is concerned about abuse" in json.dumps(as_social)
    # The teacher's own questionnaire: the abuse answer is protection, not hers to read back.
    [sent] = teacher.get("assessments/", child=child.pk).json()["results"]
    mine = teacher.get(f"assessments/{sent['uuid']}/").json()
    assert mine["answers"] == {"tc_absent": 2}
    assert mine["answers_withheld"] == 1
    assert social.get(f"assessments/{sent['uuid']}/").json()["answers"] == {
        "tc_abuse": "yes",
        "tc_absent": 2,
    }


def test_the_child_record_nulls_what_the_role_may_not_see(people, api, child):
    child.sa_id_number = ID_NUMBER
    child.save()
    teacher = api("tumi").get(f"children/{child.pk}/").json()
    assert teacher["sa_id_number"] is None
    assert teacher["household_address"] == ADDRESS
    assert {"sa_id_number", "birth_certificate_number"} <= set(teacher["withheld"])
    assert teacher["caregivers"][0]["first_name"] == "Grace"
    dora = api("dora").get(f"children/{child.pk}/").json()
    assert dora["sa_id_number"] == ID_NUMBER
    assert dora["withheld"] == []


def test_without_consent_to_share_with_health_the_nurse_gets_only_general_fields(
    people, api, sunrise, wave
):
    found = make_child(sunrise, first="Zanele", consent=False)
    consent_record(
        child=found,
        purpose="assessment",
        decision="given",
        decided_on=dt.date(2026, 1, 20),
        caregiver=found.caregivers.get(),
    )
    assessment_save(
        child=found,
        wave=wave,
        respondent="caregiver",
        answers={"cg_meals": 1, "cg_hungry": "yes"},
        assessed_on=dt.date(2026, 3, 2),
    )
    nurse = api("nandi")
    record = nurse.get(f"children/{found.pk}/").json()
    assert record["details_withheld_for"] == "share_health"
    assert record["household_address"] is None
    assert record["caregivers"][0]["phone"] is None
    [profile] = nurse.get("risk-profiles/", child=found.pk).json()["results"]
    assert profile["details_withheld"] is True
    assert profile["nutrition"] is None
    detail = nurse.get(f"risk-profiles/{profile['id']}/").json()
    assert detail["domains"] == [] and detail["nutrition"] is None
    # The teacher (education: the team that gathers the data) still sees the levels.
    [seen] = api("tumi").get("risk-profiles/", child=found.pk).json()["results"]
    assert seen["nutrition"] == "high"


def test_area_roles_get_schools_but_no_child_level_data(everyone, api, scored, sunrise):
    ensure_service_types(ServiceType)
    for name in ("dumi", "rhoda", "pat"):
        client = api(name)
        assert sunrise.pk in {s["id"] for s in client.get("schools/").json()["results"]}, name
        for path in ("children/", "risk-profiles/", "assessments/", "cases/", "referrals/"):
            body = client.get(path).json()
            assert body["count"] == 0 and body["results"] == [], (name, path)
        assert client.get("meetings/").json()["count"] == 0
        assert client.get("services/").status_code == 200


def test_reading_a_child_record_is_audited_and_a_list_is_not(people, api, scored):
    client = api("sam")
    before = AuditEntry.objects.filter(action="view", child_id=scored.pk).count()
    client.get("children/")
    assert AuditEntry.objects.filter(action="view", child_id=scored.pk).count() == before
    client.get(f"children/{scored.pk}/")
    entry = AuditEntry.objects.filter(action="view", child_id=scored.pk).latest("id")
    assert (entry.actor, entry.object_type, entry.detail["through"]) == (
        people["sam"],
        "child",
        "api",
    )


def test_a_refused_record_is_audited_with_the_id_asked(people, api, child):
    response = api("hilda").get(f"children/{child.pk}/")
    assert response.status_code == 404
    assert child.first_name not in response.content.decode()
    refusal = AuditEntry.objects.filter(action="refused", actor=people["hilda"]).latest("id")
    assert (refusal.object_type, refusal.object_id) == ("child", str(child.pk))


@pytest.fixture
def casework(people, child, wave):
    ensure_service_types(ServiceType)
    case = Case.objects.create(
        child=child,
        school=child.school,
        status="review",
        lead=people["sam"].staff,
        proposed_reason="High risk in protection",
    )
    Review.objects.create(
        case=case,
        held_on=dt.date(2026, 11, 1),
        by=people["sam"],
        notes="The uncle drinks; the child sleeps at the neighbour's.",
        next_due_on=dt.date(2026, 12, 1),
    )
    food = ServiceType.objects.get(code="food_support")
    ServiceDelivered.objects.create(
        case=case,
        child=child,
        service_type=food,
        delivered_on=dt.date(2026, 11, 2),
        provider_name="Garden",
        outcome="delivered",
        notes="Parcel collected by the aunt.",
        recorded_by=people["sam"],
    )
    referral = referral_create(
        child=child,
        service_type=food,
        by=people["sam"],
        urgency="routine",
        reason="The aunt says the uncle hits the child.",
        provider_name="Garden",
        sector="ngo",
    )
    referral.reason_classes = ["protection"]
    referral.save()
    return {"case": case, "referral": referral}


def test_case_notes_only_for_their_readers(people, api, casework):
    case = casework["case"]
    as_teacher = api("tumi").get(f"cases/{case.pk}/").json()
    as_social = api("sam").get(f"cases/{case.pk}/").json()
    assert [r["notes"] for r in as_teacher["reviews"]] == [None]
    assert [s["notes"] for s in as_teacher["services"]] == [None]
    assert "uncle" not in json.dumps(as_teacher)
    assert as_social["reviews"][0]["notes"].startswith("The uncle drinks")
    assert as_social["services"][0]["notes"] == "Parcel collected by the aunt."
    assert api("hilda").get(f"cases/{case.pk}/").status_code == 404
    assert AuditEntry.objects.filter(
        action="view", object_type="case", object_id=str(case.pk), actor=people["sam"]
    ).exists()


def test_a_referral_reason_only_for_readers_of_its_classes(people, api, casework):
    referral = casework["referral"]
    for name, visible in (("tumi", False), ("sam", True)):
        client = api(name)
        [listed] = client.get("referrals/").json()["results"]
        detail = client.get(f"referrals/{referral.pk}/").json()
        for row in (listed, detail):
            assert row["reason_withheld"] is not visible, name
            assert (row["reason"] == referral.reason) is visible, name
        assert ("hits the child" in json.dumps(listed)) is visible
    assert api("hilda").get(f"referrals/{referral.pk}/").status_code == 404


def test_meetings_of_ones_own_schools(people, api, child, sunrise, hilltop):
    own = Meeting.objects.create(school=sunrise, held_on=dt.date(2026, 11, 30))
    AgendaItem.objects.create(meeting=own, kind="other", position=1, child=child, text="Transport")
    other = Meeting.objects.create(school=hilltop, held_on=dt.date(2026, 11, 30))
    client = api("cora")
    assert [m["id"] for m in client.get("meetings/").json()["results"]] == [own.pk]
    assert client.get(f"meetings/{own.pk}/").json()["items"][0]["child"] == child.pk
    assert client.get(f"meetings/{other.pk}/").status_code == 404


def test_the_service_directory_filters_by_kind_of_help(people, api):
    ensure_service_types(ServiceType)
    food, clinic = (
        ServiceType.objects.get(code="food_support"),
        ServiceType.objects.exclude(code="food_support").first(),
    )
    garden = Provider.objects.create(name="Garden", sector="ngo")
    garden.service_types.set([food])
    Provider.objects.create(name="Clinic", sector="health").service_types.set([clinic])
    client = api("fiona")
    assert [
        p["name"] for p in client.get("services/", service_type="food_support").json()["results"]
    ] == ["Garden"]
    assert client.get("services/").json()["count"] == 2


def test_lists_come_in_pages(people, api, sunrise):
    for number in range(7):
        make_child(sunrise, first=f"Child{number}", last=f"Page{number}")
    client = api("cora")
    first = client.get("children/", page_size=5).json()
    second = client.get("children/", page_size=5, page=2).json()
    assert first["count"] == 7 and len(first["results"]) == 5 and first["next"]
    assert len(second["results"]) == 2 and second["next"] is None
    assert client.get("children/", page=9).status_code == 404


def test_filters_narrow_and_never_widen(people, api, child, other_child, hilltop):
    client = api("cora")
    assert client.get("children/", school=hilltop.pk).json()["count"] == 0
    assert client.get("children/", school=child.school_id).json()["count"] == 1
    assert client.get("risk-profiles/", child=other_child.pk).json()["count"] == 0
    assert client.get("children/", school="not a number").status_code == 400


def test_without_a_token_the_api_answers_401_and_starts_no_session(people, child):
    client = Client()
    response = client.get("/api/v1/children/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    bad = client.get("/api/v1/children/", headers={"Authorization": "Token not-a-token"})
    assert bad.status_code == 401


def test_a_token_request_starts_no_session(people, api, child):
    client = api("cora")
    response = client.get("children/")
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert "no-store" in response["Cache-Control"]


def test_a_signed_in_browser_reads_the_browsable_api(people, child):
    client = sign_in(Client(), people["cora"])
    page = client.get("/api/v1/children/", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert b"Lwazi" in page.content
    assert client.get("/api/v1/").status_code == 200


def test_the_schema_is_openapi_3_and_public(db):
    response = Client().get("/api/v1/schema/", headers={"Accept": "application/json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    resources = {path.split("/")[3] for path in schema["paths"]}
    assert resources == {
        "schools",
        "children",
        "assessments",
        "risk-profiles",
        "cases",
        "referrals",
        "services",
        "meetings",
        "planning",
        "evidence",  # the evidence tables (test_api_evidence.py)
    }


def test_the_school_of_another_area_is_not_listed(people, api, district, sunrise):
    from cwtt.registry.models import Location

    elsewhere = Location.objects.create(code="GP-XX", name="Elsewhere", level="district")
    far = School.objects.create(emis_number="700999999", name="Far", quintile=3, location=elsewhere)
    ids = {s["id"] for s in api("dumi").get("schools/").json()["results"]}
    assert sunrise.pk in ids and far.pk not in ids
    assert api("dumi").get(f"schools/{far.pk}/").status_code == 404


def test_a_browser_session_without_its_second_factor_is_sent_to_the_code_page(people, child):
    client = Client()
    client.force_login(people["sam"])  # a password only: social workers need a code too
    response = client.get("/api/v1/children/")
    assert response.status_code == 302
    assert "/sign-in/" in response["Location"]


def test_the_schema_is_generated_without_a_warning(db, tmp_path):
    from django.core.management import call_command

    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "/api/v1/assessments/" in target.read_text()
