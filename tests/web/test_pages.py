"""The first web pages, as each person would use them."""

import datetime as dt

import pytest
from django.urls import reverse

from cwtt.assessments.actions import assessment_save
from cwtt.assessments.models import Assessment

from ..conftest import sign_in as signed_in  # noqa: TID252 - shared test helper

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored_child(child, wave):
    assessment_save(
        child=child,
        wave=wave,
        respondent="caregiver",
        answers={"cg_meals": 1, "cg_hungry": "yes", "cg_hit": "no"},
        assessed_on=dt.date(2026, 3, 2),
    )
    assessment_save(
        child=child,
        wave=wave,
        respondent="nurse",
        answers={"ns_abuse": "yes"},
        assessed_on=dt.date(2026, 3, 3),
    )
    return child


def test_pages_need_sign_in(client, child):
    response = client.get(reverse("child", args=[child.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_sign_in_with_a_wrong_password_says_so(client, people):
    response = client.post(reverse("login"), {"username": "tumi", "password": "wrong"})
    assert b"did not match" in response.content


def test_a_teacher_sees_their_school_and_its_children(client, people, scored_child):
    signed_in(client, people["tumi"])
    home = client.get(reverse("home"), follow=True)
    assert b"Sunrise Primary" in home.content and b"Hilltop Primary" not in home.content
    klass = client.get(reverse("class", args=[scored_child.school_class_id]))
    assert b"Mokoena, Lwazi" in klass.content


def test_the_child_page_shows_six_domains_with_reasons_and_a_chart(client, people, scored_child):
    signed_in(client, people["cora"])
    page = client.get(reverse("child", args=[scored_child.pk])).content.decode()
    assert "<svg" in page and "Risk level in each of the six areas, by wave" in page
    for label in [
        "Good health",
        "Food and nutrition",
        "Money and living conditions",
        "Education and learning",
        "Protection and care",
        "Feelings and behaviour",
    ]:
        assert label in page
    assert "Fewer than two meals yesterday" in page
    assert "Informants disagree" in page
    # The coordinator sees that protection is high, not the abuse details behind it.
    assert "Nurse saw signs of abuse" not in page
    assert "A concern was recorded here" in page


@pytest.mark.parametrize(
    ("person", "sees", "does_not_see"),
    [
        ("sam", ["Nurse saw signs of abuse", "Fewer than two meals yesterday"], []),
        ("tumi", ["Fewer than two meals yesterday"], ["Nurse saw signs of abuse"]),
        ("fiona", ["Fewer than two meals yesterday"], ["Nurse saw signs of abuse"]),
        ("nandi", ["Fewer than two meals yesterday"], ["Nurse saw signs of abuse"]),
    ],
)
def test_reasons_are_shown_only_to_roles_that_read_their_sensitivity(
    client, people, scored_child, person, sees, does_not_see
):
    signed_in(client, people[person])
    page = client.get(reverse("child", args=[scored_child.pk])).content.decode()
    for text in sees:
        assert text in page
    for text in does_not_see:
        assert text not in page
    assert "Protection and care" in page


def test_a_child_of_another_school_is_not_found(client, people, other_child):
    signed_in(client, people["tumi"])
    assert client.get(reverse("child", args=[other_child.pk])).status_code == 404
    assert client.get(reverse("school", args=[other_child.school_id])).status_code == 404


def test_someone_with_no_role_sees_no_school_and_no_child(client, people, child):
    signed_in(client, people["nobody"])
    assert b"not assigned to any school" in client.get(reverse("home")).content
    assert client.get(reverse("child", args=[child.pk])).status_code == 404


def test_a_district_official_sees_aggregates_without_names(client, people, scored_child, wave):
    signed_in(client, people["dumi"])
    home = client.get(reverse("home")).content.decode()
    assert "What needs your attention" in home and "Lwazi" not in home
    page = client.get(reverse("area_dashboard")).content.decode()
    assert "Test District overview" in page
    assert "Wave 1" in page and "hidden" in page  # one child: every cell is too small to show
    assert "Lwazi" not in page and "Mokoena" not in page
    assert client.get(reverse("child", args=[scored_child.pk])).status_code == 404


def test_a_field_worker_captures_a_caregiver_assessment(client, people, child, wave):
    signed_in(client, people["fiona"])
    url = reverse("capture", args=[child.pk, "caregiver"])
    form = client.get(url)
    assert b"Meals yesterday" in form.content and b"Is the child hit at home?" in form.content
    response = client.post(
        url,
        {
            "uuid": form.context["uuid"],
            "wave": wave.pk,
            "assessed_on": "2026-03-05",
            "cg_meals": "1",
            "cg_hungry": "yes",
            "cg_worries": ["dark", "school"],
        },
    )
    assert response.status_code == 302
    assessment = Assessment.objects.get()
    assert assessment.answers == {
        "cg_meals": 1,
        "cg_hungry": "yes",
        "cg_worries": ["dark", "school"],
    }
    assert assessment.assessor == people["fiona"]
    page = client.get(reverse("child", args=[child.pk])).content.decode()
    assert "Fewer than two meals yesterday" in page and "Several worries" in page


def test_wrong_answers_are_marked_on_the_form_and_nothing_is_saved(client, people, child, wave):
    signed_in(client, people["fiona"])
    url = reverse("capture", args=[child.pk, "caregiver"])
    response = client.post(url, {"wave": wave.pk, "assessed_on": "2026-03-05", "cg_meals": "9"})
    assert response.status_code == 200
    assert "Between 0 and 6 meals" in response.content.decode()
    assert 'value="9"' in response.content.decode()  # what was typed is kept
    assert not Assessment.objects.exists()


def test_a_draft_can_be_saved_incomplete_and_finished_later(client, people, child, wave):
    signed_in(client, people["fiona"])
    url = reverse("capture", args=[child.pk, "caregiver"])
    client.post(
        url, {"wave": wave.pk, "assessed_on": "2026-03-05", "cg_hit": "yes", "save_draft": "1"}
    )
    draft = Assessment.objects.get()
    assert draft.status == "draft"
    again = client.get(url)
    assert again.context["uuid"] == str(draft.uuid)
    client.post(
        url,
        {
            "uuid": str(draft.uuid),
            "wave": wave.pk,
            "assessed_on": "2026-03-05",
            "cg_hit": "yes",
            "cg_meals": "4",
        },
    )
    assert Assessment.objects.get().status == "submitted"


def test_a_teacher_cannot_open_the_caregiver_questionnaire(client, people, child, wave):
    signed_in(client, people["tumi"])
    assert client.get(reverse("capture", args=[child.pk, "caregiver"])).status_code == 404
    assert client.get(reverse("capture", args=[child.pk, "teacher"])).status_code == 200


def test_the_school_page_shows_cases_and_the_referral_funnel(client, people, child, sunrise):
    from cwtt.cases.models import Case
    from cwtt.referrals.actions import referral_create, referral_move
    from cwtt.services.models import ServiceType

    Case.objects.create(child=child, school=sunrise, status="implementation")
    referral = referral_create(
        child=child,
        service_type=ServiceType.objects.get(code="food_support"),
        by=people["sam"],
        urgency="routine",
        reason="Went to bed hungry",
        provider_name="Community Food Garden",
        sector="ngo",
    )
    referral_move(referral=referral, to="sent", by=people["sam"])
    signed_in(client, people["cora"])
    page = client.get(reverse("school", args=[sunrise.pk])).content.decode()
    assert "1</strong> open case" in page and "implementation 1" in page
    assert "<strong>1</strong> sent → <strong>0</strong> accepted" in page
