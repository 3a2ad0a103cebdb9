"""The action queue in a real browser (decision 0059): the coordinator opens the school's queue,
sees who is this month and who waits, accepts a food programme for the children who share the
need, and the page passes axe at phone width."""

import pytest

from cwtt.cases.models import GroupResponse
from cwtt.referrals.models import Referral
from cwtt.services.catalogue import ensure_service_types
from cwtt.services.models import Provider, ServiceType

from ..conftest import make_child  # noqa: TID252 - shared test helpers
from .conftest import PHONE, caregiver_says_hungry, sign_in
from .test_accessibility import Audit, new_page

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_coordinator_accepts_a_food_programme_from_the_queue(
    browser, live_server, people, wave, sunrise
):
    ensure_service_types(ServiceType)  # a transactional test flushes the migrated rows
    garden = Provider.objects.create(name="Ikhaya Soup Kitchen", sector="ngo")
    garden.service_types.add(ServiceType.objects.get(code="food_support"))
    for number in range(9):
        caregiver_says_hungry(make_child(sunrise, first=f"Thabo{number}", last="Mthembu"), wave)
    audit = Audit()
    context, page = new_page(browser, PHONE)
    sign_in(page, live_server.url, "cora")
    page.goto(f"{live_server.url}/schools/{sunrise.pk}/queue/")
    page.get_by_role("heading", name="Action queue this month").wait_for()
    # Sam and Nandi take on 4 new cases a month each: 8 this month, 1 waiting.
    assert page.get_by_role("heading", name="This month (8)").is_visible()
    assert page.get_by_role(
        "heading", name="Waiting — beyond this month's capacity (1)"
    ).is_visible()
    audit.check(page, "action queue 360")
    page.get_by_label("Provider").select_option(label="Ikhaya Soup Kitchen")
    page.get_by_role("button", name="Accept: refer them all").click()
    page.get_by_text("Accepted: 9 draft referrals written").wait_for()
    audit.check(page, "action queue after accepting 360")
    context.close()
    audit.assert_clean()
    assert GroupResponse.objects.get().status == "accepted"
    assert Referral.objects.filter(rule="group_food", status="draft").count() == 9
