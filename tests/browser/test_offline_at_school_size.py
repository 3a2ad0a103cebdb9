"""Offline work at a real school's size (issue #11, item 5), in Chromium: for every role that
captures, a 400-learner school's pack is fetched, sealed in the encrypted store, opened again
with no network after a reload, used to capture an assessment, and what was captured is sent
when the signal returns.

The school is the synthetic generator's (cwtt/synthetic): 400 Foundation Phase learners with
their caregivers and consent, and last term's wave answered. A follow-up wave on the default
instrument is under way, and each person is part-way through it: their own unfinished
questionnaires (drafts) for the children, which the pack carries so they can finish them
offline. With the caregiver's long questionnaire that takes the pack of the field worker, the
social worker and the coordinator over a megabyte; the teacher's and the nurse's are
shorter. Before the fix the store failed from about 190 KB ("Maximum call stack size
exceeded"), and the pack endpoint itself failed on SQLite for a school of this size."""

import datetime as dt
import uuid

import pytest

from cwtt.assessments.models import Assessment, Wave
from cwtt.registry.models import Child, School, Staff
from cwtt.synthetic.generate import generate_district
from tests.conftest import TODAY

from .conftest import PHONE, get_ready, go_offline_and_reopen

pytestmark = pytest.mark.django_db(transaction=True)

LEARNERS = 400
MB = 1_000_000
# Each role, the questionnaire it fills in here, one question of it and its answer, and the
# least its pack must weigh.
ROLES = {
    "fiona": ("Caregiver", "cg_ill_2wk", "yes", MB),
    "sam": ("Caregiver", "cg_ill_2wk", "yes", MB),
    "cora": ("Caregiver", "cg_ill_2wk", "yes", MB),
    "tumi": ("Teacher", "tc_days_absent", "3", 200_000),
    "nandi": ("Nurse", "ns_height_cm", "121.5", 200_000),
}

# What the phone keeps of the pack: the size of the sealed box (base64 of the ciphertext, which
# is the JSON's UTF-8 bytes and a 16-byte tag), and the box itself to look for names in.
SEALED_PACK = """new Promise(function (resolve) {
  var req = indexedDB.open('cwtt-offline');
  req.onsuccess = function () {
    var get = req.result.transaction('meta').objectStore('meta').get('pack');
    get.onsuccess = function () {
      var box = get.result.box;
      resolve({bytes: Math.floor(box.ct.length * 3 / 4) - 16, text: JSON.stringify(get.result)});
    };
  };
})"""


@pytest.fixture
def school_of_400(people, default_version):
    generate_district(
        schools=1,
        learners_per_school=LEARNERS,
        waves=1,
        seed=7,
        instrument_version=default_version,
        today=TODAY,
    )
    school = School.objects.exclude(name__in=["Sunrise Primary", "Hilltop Primary"]).get()
    for username in ROLES:
        Staff.objects.get(user=people[username]).schools.set([school])
    follow_up = Wave.objects.create(
        name="Follow-up 2026",
        starts_on=dt.date(2026, 11, 2),
        ends_on=dt.date(2026, 12, 11),
        instrument_version=default_version,
    )
    follow_up.schools.set([school])
    return school, follow_up


def part_way_through(user, respondent, wave, school, leave_out):
    """The person's own drafts in the follow-up wave, one for every child of the school but
    `leave_out`: the answers are the child's from last term, or, for a child not interviewed
    then, another child's."""
    earlier = dict(
        Assessment.objects.filter(respondent=respondent, child__school=school)
        .exclude(wave=wave)
        .values_list("child_id", "answers")
    )
    samples = list(earlier.values())
    children = Child.objects.filter(school=school, status="active").exclude(pk=leave_out.pk)
    Assessment.objects.bulk_create(
        [
            Assessment(
                uuid=uuid.uuid4(),
                child_id=child_id,
                wave=wave,
                respondent=respondent,
                assessor=user,
                assessed_on=dt.date(2026, 11, 16),
                instrument_version=wave.instrument_version,
                answers=earlier.get(child_id) or samples[n % len(samples)],
                status=Assessment.Status.DRAFT,
            )
            for n, child_id in enumerate(children.values_list("pk", flat=True))
        ]
    )


@pytest.mark.parametrize("username", list(ROLES))
def test_a_400_learner_schools_pack_works_offline_after_a_reload(
    browser, live_server, people, school_of_400, screenshot, username
):
    school, follow_up = school_of_400
    user = people[username]
    label, question, answer, at_least = ROLES[username]
    child = (
        Child.objects.filter(school=school, status="active")
        .select_related("school_class")
        .order_by("last_name", "first_name")
        .first()
    )
    part_way_through(user, label.lower(), follow_up, school, leave_out=child)
    assert Child.objects.filter(school=school, status="active").count() == LEARNERS

    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    get_ready(page, live_server.url, user)
    sealed = page.evaluate(SEALED_PACK)
    assert sealed["bytes"] > at_least, sealed["bytes"]
    assert child.last_name not in sealed["text"]  # kept encrypted: no name readable

    go_offline_and_reopen(context, page)
    page.get_by_role("link", name=str(child.school_class), exact=True).click()
    page.locator("li.task", has_text=child.full_name).get_by_role("link", name=label).click()
    page.get_by_role("heading", name=f"{label} questions for {child.first_name}").wait_for()
    field = page.locator(f"[name='{question}']")
    if field.first.get_attribute("type") == "radio":
        page.locator(f"[name='{question}'][value='{answer}']").check()
    else:
        field.fill(answer)
    page.get_by_role("button", name="Save on this phone and finish later").click()
    page.get_by_text("Saved on this phone as a draft").wait_for()
    assert not Assessment.objects.filter(child=child, wave=follow_up).exists()
    screenshot(page, f"offline-400-learners-{username}-360")

    context.set_offline(False)  # the signal comes back
    page.get_by_text("1 assessment was sent.").wait_for(timeout=30000)
    sent = Assessment.objects.get(child=child, wave=follow_up, assessor=user)
    assert sent.status == "draft" and str(sent.answers[question]) == answer
    context.close()
