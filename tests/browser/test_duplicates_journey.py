"""A child registered twice, reviewed in a real browser on a phone: the coordinator finds the
task on her work list, compares the two records side by side, merges one pair and keeps
another apart; the page passes axe. Screenshots go to test-artifacts/screenshots/."""

import datetime as dt

import pytest

from cwtt.registry.imports import import_children
from cwtt.registry.models import Child, PossibleDuplicate

from ..conftest import make_child  # noqa: TID252 - shared test helpers
from .conftest import PHONE, sign_in
from .test_accessibility import audit, new_page  # noqa: F401 - the axe fixture

pytestmark = pytest.mark.django_db(transaction=True)


def _class_list(**changes):
    row = {
        "school_emis": "700111111",
        "class_name": "2A",
        "grade": "2",
        "year": "2026",
        "first_name": "Lwazi",
        "last_name": "Mokwena",
        "date_of_birth": "2018-03-14",
        "sex": "M",
        "caregiver_first_name": "Grace",
        "caregiver_last_name": "Mokoena",
    }
    return row | changes


def test_a_coordinator_merges_one_pair_and_keeps_another_apart(
    browser,
    live_server,
    people,
    child,
    sunrise,
    screenshot,
    audit,  # noqa: F811
):
    make_child(sunrise, first="Thabo", last="Nkosi", dob=dt.date(2019, 4, 3))
    report = import_children(
        [
            _class_list(),  # Lwazi Mokoena again, the surname spelt another way
            _class_list(first_name="Tabo", last_name="Nkosi", date_of_birth="2019-03-04"),
        ],
        dry_run=False,
    )
    assert report.created == 2
    assert PossibleDuplicate.objects.filter(status="pending").count() == 2

    context, page = new_page(browser, PHONE)
    sign_in(page, live_server.url, "cora")
    page.get_by_role("link", name="2 pairs of records may be one child registered twice").click()
    page.get_by_role("heading", name="Children who may be registered twice").wait_for()
    assert page.get_by_text("date of birth with day and month swapped").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    audit.check(page, "duplicates review 360")
    screenshot(page, "duplicates-review-360")

    lwazi = page.locator("section.card", has_text="Mokwena")
    lwazi.get_by_label("Why they are the same child").fill("Same mother, same birthday.")
    lwazi.get_by_role("button", name="Same child — merge").click()
    page.get_by_text("Merged: Lwazi Mokoena").wait_for()
    assert Child.objects.filter(status=Child.Status.MERGED).count() == 1

    page.locator("section.card", has_text="Tabo").get_by_role("button", name="Not the same").click()
    page.get_by_text("Marked as two different children").wait_for()
    assert page.get_by_text("No pair of children is waiting for review.").is_visible()
    audit.check(page, "duplicates review, all decided 360")
    context.close()
    audit.assert_clean()
    statuses = sorted(PossibleDuplicate.objects.values_list("status", flat=True))
    assert statuses == ["merged", "not_duplicate"]
