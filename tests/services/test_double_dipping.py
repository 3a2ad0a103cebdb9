"""Double-dipping: the same kind of support from two programmes in the same period."""

import datetime as dt

import pytest
from django.urls import reverse

from cwtt.cases.models import ServiceDelivered
from cwtt.services.double_dipping import double_dipping
from cwtt.services.models import Provider, ServiceType

from ..conftest import sign_in  # noqa: TID252 - shared test helper

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 5, 4)
SINCE = dt.date(2026, 1, 1)


@pytest.fixture
def programmes():
    return {
        "parcels": Provider.objects.create(name="Food Parcel Programme", sector="ngo"),
        "garden": Provider.objects.create(name="Community Food Garden", sector="community"),
    }


def deliver(child, code, on, people, provider=None, provider_name="", outcome="delivered"):
    return ServiceDelivered.objects.create(
        child=child,
        service_type=ServiceType.objects.get(code=code),
        delivered_on=on,
        provider=provider,
        provider_name=provider_name,
        outcome=outcome,
        recorded_by=people["cora"],
    )


def test_school_nutrition_and_food_parcels_in_the_same_month_are_flagged(
    child, sunrise, programmes, people
):
    deliver(child, "food_support", DAY, people, programmes["parcels"])
    deliver(child, "school_nutrition", DAY + dt.timedelta(days=10), people, provider_name="NSNP")
    [flag] = double_dipping(sunrise, since=SINCE)
    assert flag.kind == "food" and flag.label == "Food support"
    assert flag.child_ids == {child.pk}
    assert flag.programmes == {"Food Parcel Programme", "NSNP"}
    assert (flag.first_on, flag.last_on) == (DAY, DAY + dt.timedelta(days=10))


@pytest.mark.parametrize(
    "second",
    [
        {"provider": "parcels"},  # the same programme twice is not double-dipping
        {"provider": "garden", "days": 45},  # too far apart
        {"provider": "garden", "outcome": "not_delivered"},  # it did not happen
        {"provider": "garden", "code": "counselling"},  # another kind of support
    ],
)
def test_what_is_not_double_dipping(child, sunrise, programmes, people, second):
    deliver(child, "food_support", DAY, people, programmes["parcels"])
    deliver(
        child,
        second.get("code", "food_support"),
        DAY + dt.timedelta(days=second.get("days", 5)),
        people,
        programmes[second["provider"]],
        outcome=second.get("outcome", "delivered"),
    )
    assert double_dipping(sunrise, since=SINCE) == []


def test_siblings_of_one_household_count_together(
    child, child_factory, sunrise, programmes, people
):
    sibling = child_factory(sunrise, first="Sipho")
    sibling.household = child.household
    sibling.save()
    deliver(child, "food_support", DAY, people, programmes["parcels"])
    deliver(sibling, "food_support", DAY + dt.timedelta(days=3), people, programmes["garden"])
    [flag] = double_dipping(sunrise, since=SINCE)
    assert flag.child_ids == {child.pk, sibling.pk}
    assert flag.household_id == child.household_id


def test_the_period_is_configurable(child, sunrise, programmes, people, settings):
    deliver(child, "food_support", DAY, people, programmes["parcels"])
    deliver(child, "food_support", DAY + dt.timedelta(days=45), people, programmes["garden"])
    settings.CWTT_DOUBLE_DIPPING_DAYS = 60
    assert len(double_dipping(sunrise, since=SINCE)) == 1


def test_the_coordinator_sees_it_on_the_school_page_and_a_teacher_does_not(
    client, child, sunrise, programmes, people
):
    deliver(child, "food_support", DAY, people, programmes["parcels"])
    deliver(child, "food_support", DAY + dt.timedelta(days=2), people, programmes["garden"])
    sign_in(client, people["cora"])
    page = client.get(reverse("school", args=[sunrise.pk])).content.decode()
    assert "Help given twice" in page and child.full_name in page
    assert "Community Food Garden" in page
    sign_in(client, people["tumi"])
    assert (
        "Help given twice" not in client.get(reverse("school", args=[sunrise.pk])).content.decode()
    )
