"""A phone that took its class lists before a child's two records were joined sends a
questionnaire for the record merged away: it is saved on the kept record, the phone says so,
and its class lists, fetched again, no longer show the merged-away record (decision 0043)."""

import pytest
from playwright.sync_api import expect

from cwtt.assessments.models import Assessment
from cwtt.quality.merging import child_merge
from tests.conftest import make_child

from .conftest import PHONE, get_ready
from .test_offline_journeys import open_questionnaire

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_questionnaire_for_a_merged_away_child_moves_to_the_kept_record(
    browser, live_server, people, sunrise, child, wave
):
    duplicate = make_child(sunrise, first="Lwazi", last="Mokwena")
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    get_ready(page, live_server.url)
    child_merge(keep=child, duplicate=duplicate, by=people["dora"], reason="The same child.")
    open_questionnaire(page, duplicate)
    page.get_by_label("Meals yesterday").fill("4")
    page.get_by_role("button", name="Finish and send").click()
    page.get_by_text("Saved on this phone. Sending it now").wait_for(timeout=20000)
    page.get_by_role("link", name="Offline work").first.click()
    page.get_by_text("the two records were joined into one").wait_for(timeout=20000)
    assert Assessment.objects.get().child == child
    page.get_by_role("link", name="2A").click()
    page.locator("li.task:visible", has_text=child.full_name).first.wait_for()
    # The class lists are fetched again after the message is shown; the list is drawn anew then.
    expect(page.locator("li.task:visible", has_text=duplicate.full_name)).to_have_count(
        0, timeout=20000
    )
    assert problems == []
