"""Team meetings: an agenda generated from the data, decisions and action items, minutes."""

import datetime as dt

import pytest
from django.urls import reverse

from cwtt.access.models import AuditEntry
from cwtt.assessments.actions import assessment_save
from cwtt.meetings.actions import (
    MeetingInvalid,
    action_add,
    agenda_refresh,
    meeting_create,
    meeting_mark_held,
    open_actions_for,
)
from cwtt.meetings.models import AgendaItem, Meeting

from ..conftest import TODAY, sign_in  # noqa: TID252 - shared test helper

pytestmark = pytest.mark.django_db



def score(child, wave, respondent, answers):
    assessment_save(
        child=child,
        wave=wave,
        respondent=respondent,
        answers=answers,
        assessed_on=dt.date(2026, 3, 2),
    )


@pytest.fixture
def school_children(sunrise, child_factory, wave):
    hungry = child_factory(sunrise, first="Hungry", last="Child")
    score(hungry, wave, "caregiver", {"cg_meals": 1, "cg_hungry": "yes"})  # nutrition high
    urgent = child_factory(sunrise, first="Urgent", last="Child")
    score(urgent, wave, "caregiver", {"cg_meals": 0, "cg_hungry": "yes"})  # no food: urgent
    disputed = child_factory(sunrise, first="Disputed", last="Child")
    score(disputed, wave, "caregiver", {"cg_meals": 4, "cg_hit": "no"})
    score(disputed, wave, "nurse", {"ns_abuse": "yes"})  # protection high vs low: discordant
    calm = child_factory(sunrise, first="Calm", last="Child")
    score(calm, wave, "caregiver", {"cg_meals": 4})
    return {"hungry": hungry, "urgent": urgent, "disputed": disputed, "calm": calm}


def test_the_agenda_is_generated_from_the_data_most_urgent_first(school_children, sunrise, people):
    meeting = meeting_create(school=sunrise, held_on=TODAY, kind="cop", by=people["cora"])
    items = list(meeting.items.all())
    kinds = {(i.kind, i.child_id) for i in items}
    assert ("urgent", school_children["urgent"].pk) in kinds
    assert ("new_high_risk", school_children["hungry"].pk) in kinds
    assert ("discordant", school_children["disputed"].pk) in kinds
    assert not any(i.child_id == school_children["calm"].pk for i in items)
    assert items[0].kind == "urgent"
    # No sensitive reasons on the agenda: levels and kinds only.
    assert not any("abuse" in i.text.lower() for i in items)
    hungry_item = next(i for i in items if i.child_id == school_children["hungry"].pk)
    assert "Food and nutrition" in hungry_item.text and "Hungry Child" in hungry_item.text


def test_refreshing_adds_only_new_topics_and_keeps_decisions(
    school_children, sunrise, child_factory, wave, people
):
    meeting = meeting_create(school=sunrise, held_on=TODAY, kind="cop", by=people["cora"])
    first = meeting.items.first()
    first.decision = "Social worker to visit on Monday."
    first.save()
    assert agenda_refresh(meeting) == 0
    late = child_factory(sunrise, first="Late", last="Comer")
    score(late, wave, "caregiver", {"cg_meals": 1, "cg_hungry": "yes"})
    assert agenda_refresh(meeting) == 1
    first.refresh_from_db()
    assert first.decision == "Social worker to visit on Monday."


def test_the_next_agenda_starts_after_the_last_held_meeting(school_children, sunrise, people):
    earlier = meeting_create(school=sunrise, held_on=TODAY, kind="cop", by=people["cora"])
    meeting_mark_held(meeting=earlier, by=people["cora"])
    later = meeting_create(
        school=sunrise, held_on=TODAY + dt.timedelta(days=30), kind="cop", by=people["cora"]
    )
    # Nothing was scored after the last meeting, so nothing is new.
    assert later.items.count() == 0


def test_other_schools_children_never_reach_the_agenda(school_children, hilltop, people):
    meeting = meeting_create(school=hilltop, held_on=TODAY, kind="cop", by=people["cora"])
    assert meeting.items.count() == 0


def test_action_items_need_an_owner_and_a_due_date_and_feed_the_worklist(
    school_children, sunrise, people
):
    meeting = meeting_create(school=sunrise, held_on=TODAY, kind="sbst", by=people["cora"])
    with pytest.raises(MeetingInvalid) as refused:
        action_add(meeting=meeting, description="", owner=None, due_on=None, by=people["cora"])
    assert set(refused.value.errors) == {"description", "owner", "due_on"}
    item = meeting.items.first()
    action = action_add(
        meeting=meeting,
        item=item,
        description="Home visit",
        owner=people["sam"].staff,
        due_on=TODAY + dt.timedelta(days=7),
        by=people["cora"],
    )
    assert list(open_actions_for(people["sam"].staff)) == [action]
    entry = AuditEntry.objects.get(object_type="action_item")
    assert entry.child_id == item.child_id


def test_a_coordinator_runs_the_meeting_on_its_page(client, school_children, sunrise, people):
    sign_in(client, people["cora"])
    response = client.post(
        reverse("school_meetings", args=[sunrise.pk]),
        {"held_on": TODAY.isoformat(), "kind": "cop"},
        follow=True,
    )
    page = response.content.decode()
    assert "its agenda has been drawn up" in page and "Urgent Child" in page
    meeting = Meeting.objects.get()
    item = meeting.items.first()
    client.post(
        reverse("meeting", args=[meeting.pk]),
        {"step": "decision", "item": item.pk, "decision": "Refer to food support."},
    )
    client.post(
        reverse("meeting", args=[meeting.pk]),
        {
            "step": "action",
            "item": item.pk,
            "description": "Send the referral",
            "owner": people["sam"].staff.pk,
            "due_on": (TODAY + dt.timedelta(days=2)).isoformat(),
        },
    )
    client.post(reverse("meeting", args=[meeting.pk]), {"step": "held"})
    item.refresh_from_db()
    meeting.refresh_from_db()
    assert item.decision == "Refer to food support."
    assert meeting.status == "held" and meeting.actions.count() == 1
    pdf = client.get(reverse("meeting_minutes", args=[meeting.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(object_type="meeting_minutes").exists()


def test_a_bad_action_is_explained_and_nothing_is_saved(client, school_children, sunrise, people):
    meeting = meeting_create(school=sunrise, held_on=TODAY, kind="cop", by=people["cora"])
    sign_in(client, people["cora"])
    page = client.post(
        reverse("meeting", args=[meeting.pk]), {"step": "action", "description": "", "due_on": "x"}
    ).content.decode()
    assert "Say what is to be done." in page and "Give the date it is due" in page
    assert meeting.actions.count() == 0


def test_a_teacher_reads_but_cannot_change_and_other_schools_cannot_see(
    client, school_children, sunrise, people
):
    meeting = meeting_create(school=sunrise, held_on=TODAY, kind="cop", by=people["cora"])
    sign_in(client, people["tumi"])
    page = client.get(reverse("meeting", args=[meeting.pk])).content.decode()
    assert "Hungry Child" in page and "Save decision" not in page
    response = client.post(reverse("meeting", args=[meeting.pk]), {"step": "held"})
    assert response.status_code == 404
    assert Meeting.objects.get().status == "planned"
    sign_in(client, people["dumi"])  # district official: no named children, no meeting pages
    assert client.get(reverse("meeting", args=[meeting.pk])).status_code == 404
    assert AgendaItem.objects.count() >= 3


def test_a_long_list_is_cut_to_the_children_high_in_most_areas_and_a_line_for_the_rest(
    sunrise, child_factory, wave, people, monkeypatch
):
    from cwtt.meetings import agenda

    monkeypatch.setattr(agenda, "MAX_PER_KIND", 2)
    for number in range(4):
        found = child_factory(sunrise, first=f"Child{number}", last="Many")
        answers = {"cg_meals": 1, "cg_hungry": "yes"}
        if number == 3:
            answers["cg_dep9"] = "0"
            answers["cg_hit"] = "yes"
        score(found, wave, "caregiver", answers)
    meeting = meeting_create(school=sunrise, held_on=TODAY, kind="cop", by=people["cora"])
    new = list(meeting.items.filter(kind="new_high_risk"))
    assert len(new) == 3  # two children and one line for the rest
    assert new[-1].child is None and new[-1].text.startswith("And 2 more")


def test_a_decision_is_saved_in_place_with_htmx_and_by_a_plain_post_without(
    client, school_children, sunrise, people
):
    meeting = meeting_create(school=sunrise, held_on=TODAY, kind="cop", by=people["cora"])
    item = meeting.items.first()
    sign_in(client, people["cora"])
    url = reverse("meeting", args=[meeting.pk])
    # htmx: the page comes back at once, with the card marked saved, for htmx to swap in.
    response = client.post(
        url,
        {"step": "decision", "item": item.pk, "decision": "Visit the home."},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    page = response.content.decode()
    card = page[page.index(f'id="agenda-item-{item.pk}"') :]
    card = card[: card.index("</section>")]
    assert "Visit the home." in card and "Decision saved." in card
    # Without htmx: the usual post, then back to the page.
    plain = client.post(url, {"step": "decision", "item": item.pk, "decision": "Call the clinic."})
    assert plain.status_code == 302
    item.refresh_from_db()
    assert item.decision == "Call the clinic."


def test_an_agenda_source_that_cannot_be_imported_fails_loudly(sunrise, monkeypatch):
    import cwtt.meetings.agenda as agenda

    monkeypatch.setattr(agenda, "SOURCES", (*agenda.SOURCES, "cwtt.nowhere.topics"))
    with pytest.raises(ImportError):
        agenda.topics_for(sunrise, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
