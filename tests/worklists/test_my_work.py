"""Each person's worklist: their own tasks only, overdue first."""

import datetime as dt

import pytest
from django.urls import reverse

from cwtt.meetings.actions import action_add, meeting_create
from cwtt.worklists.tasks import tasks_for

from ..conftest import TODAY, sign_in  # noqa: TID252 - shared test helper

pytestmark = pytest.mark.django_db



@pytest.fixture
def actions(sunrise, people):
    meeting = meeting_create(
        school=sunrise, held_on=TODAY - dt.timedelta(days=20), kind="cop", by=people["cora"]
    )
    sam = people["sam"].staff

    def add(text, days, owner=sam):
        return action_add(
            meeting=meeting,
            description=text,
            owner=owner,
            due_on=TODAY + dt.timedelta(days=days),
            by=people["cora"],
        )

    return {
        "later": add("Phone the clinic", 10),
        "late": add("Visit the family", -3),
        "soon": add("Send the letter", 2),
        "not_mine": add("Check the register", -5, owner=people["tumi"].staff),
    }


def test_overdue_tasks_come_first_then_by_due_date(actions, people):
    texts = [t.text.split(" (")[0] for t in tasks_for(people["sam"].staff, TODAY)]
    assert texts == ["Visit the family", "Send the letter", "Phone the clinic"]
    assert tasks_for(people["sam"].staff, TODAY)[0].overdue(TODAY)


def test_the_page_shows_only_ones_own_tasks(client, actions, people):
    sign_in(client, people["sam"])
    page = client.get(reverse("my_work")).content.decode()
    assert "Visit the family" in page and "Overdue" in page
    assert "Check the register" not in page


def test_someone_without_tasks_is_told_what_will_appear(client, people):
    sign_in(client, people["nandi"])
    assert "Nothing is waiting for you" in client.get(reverse("my_work")).content.decode()


def test_a_task_source_that_cannot_be_imported_fails_loudly(people, monkeypatch):
    import cwtt.worklists.tasks as registry

    monkeypatch.setattr(registry, "SOURCES", (*registry.SOURCES, "cwtt.nowhere.tasks"))
    with pytest.raises(ImportError):
        registry.tasks_for(people["sam"].staff, TODAY)
