"""XLSForm features in a real browser (issue #12): a question shown by a `calculate` value
appears as the answers it reads are given, the text box of an `or_other` select only when
"other" is chosen, an answer over a calculated limit is marked at once, and a select with a
`choice_filter` offers only the answers that fit the earlier ones."""

import datetime as dt

import pytest

from cwtt.assessments.models import Wave
from cwtt.instruments.actions import instrument_publish

from ..web.test_capture_xlsform_features import FORM  # noqa: TID252 - the same instrument
from .conftest import PHONE, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_calculations_other_answers_and_choice_filters_work_as_answers_are_given(
    browser, live_server, people, child, sunrise
):
    version = instrument_publish(data=FORM.encode(), filename="home.md").version
    wave = Wave.objects.create(
        name="Wave 1",
        starts_on=dt.date(2026, 2, 1),
        ends_on=dt.date(2026, 11, 30),
        instrument_version=version,
    )
    wave.schools.set([sunrise])
    page = browser.new_page(viewport=PHONE)
    sign_in(page, live_server.url, "fiona")
    page.goto(f"{live_server.url}/children/{child.pk}/assess/caregiver/")
    rooms = page.get_by_label("Rooms")
    assert not rooms.is_visible()
    page.get_by_label("Adults at home").fill("2")
    page.get_by_label("Children at home").fill("6")  # 8 people: more than 6
    assert rooms.is_visible()
    rooms.fill("9")
    rooms.dispatch_event("change")
    assert (
        page.locator("#rooms-error").inner_text() == "This answer is outside what is allowed here."
    )
    page.get_by_label("Children at home").fill("1")
    assert not rooms.is_visible()

    other = page.locator("#q-water_other")
    assert not other.is_visible()
    page.get_by_label("A river").check()
    assert not other.is_visible()
    page.get_by_role("radio", name="Other", exact=True).check()
    assert other.is_visible()

    # The districts offered are those of the province chosen.
    districts = ["Johannesburg", "Tshwane", "eThekwini"]
    assert [page.get_by_label(d).is_visible() for d in districts] == [False, False, False]
    page.get_by_label("Gauteng").check()
    assert [page.get_by_label(d).is_visible() for d in districts] == [True, True, False]
    page.get_by_label("Tshwane").check()
    page.get_by_label("KwaZulu-Natal").check()
    assert [page.get_by_label(d).is_visible() for d in districts] == [False, False, True]
    assert not page.get_by_label("Tshwane").is_checked()  # no longer offered, so cleared
    page.close()
