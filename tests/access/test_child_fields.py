"""Every field of a child's record has a sensitivity class, and each role sees only its own."""

import pytest
from django.urls import reverse

from cwtt.access import policy
from cwtt.access.sensitivity import CHILD_FIELDS, READS, visible_fields
from cwtt.registry.models import Child

from ..conftest import sign_in  # noqa: TID252 - shared test helper

pytestmark = pytest.mark.django_db

# Fields that are bookkeeping or links, never shown as such.
NOT_SHOWN = {"id", "created_at", "updated_at", "household", "caregivers"}


def test_every_field_of_the_child_model_has_a_class_or_is_never_shown():
    names = {f.name for f in Child._meta.concrete_fields} | {
        f.name for f in Child._meta.many_to_many
    }
    unclassified = names - set(CHILD_FIELDS) - NOT_SHOWN
    assert not unclassified, f"give these fields a sensitivity class: {sorted(unclassified)}"


def test_every_class_used_is_in_the_matrix():
    known = set().union(*READS.values())
    assert set(CHILD_FIELDS.values()) <= known


@pytest.mark.parametrize(
    "role, sees, never",
    [
        ("teacher", {"first_name", "household_address"}, {"sa_id_number"}),
        ("nurse", {"caregiver_phone"}, {"birth_certificate_number"}),
        ("coordinator", {"sa_id_number"}, set()),
        ("social_worker", {"sa_id_number", "household_address"}, set()),
        ("district_official", set(), {"first_name", "risk_levels"}),
    ],
)
def test_visible_fields_follow_the_matrix(role, sees, never):
    fields = visible_fields(READS[role])
    assert sees <= fields
    assert not (never & fields)


def test_the_child_page_shows_the_id_number_only_to_those_who_need_it(client, people, child):
    child.sa_id_number = "1803145123083"
    child.save()
    sign_in(client, people["tumi"])
    page = client.get(reverse("child", args=[child.pk])).content.decode()
    assert child.full_name in page and "12 Test Street" in page
    assert "1803145123083" not in page and "ID number" not in page
    sign_in(client, people["cora"])
    assert "1803145123083" in client.get(reverse("child", args=[child.pk])).content.decode()
    assert policy.child_access(people["tumi"], child.pk).show["sa_id_number"] is False


def test_each_role_may_write_every_class_in_the_questionnaires_it_captures(default_version):
    from cwtt.access.policy import CAPTURE_RESPONDENTS
    from cwtt.access.sensitivity import WRITES

    definition = default_version.parsed()
    for role, respondents in CAPTURE_RESPONDENTS.items():
        for respondent in respondents:
            asked = {
                q.sensitivity or "general"
                for q in definition.questions
                if q.respondent == respondent and q.name
            }
            assert asked <= WRITES[role], (role, respondent, asked - WRITES[role])


def test_nobody_above_the_school_writes_anything():
    from cwtt.access.sensitivity import WRITES

    for role in ("district_official", "provincial_official", "researcher"):
        assert WRITES[role] == frozenset()
