"""My work that is mine (a social worker's cases, a teacher's class, a coordinator's urgent
children) and triage (proposals and agendas most pressing first, with a reason each; the agenda
about the current wave only). Decisions 0049 and 0050.

Who is who (tests/conftest.py, tests/cases/conftest.py): Sam is a social worker at Sunrise, Sue
his supervisor; Cora coordinates Sunrise; Tumi teaches there; Harry teaches at Hilltop and may
not even learn that a Sunrise case exists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from cwtt.assessments.actions import assessment_save
from cwtt.assessments.triage import need_key
from cwtt.cases.actions import case_team_set, cases_propose
from cwtt.cases.models import Case, PlanAction
from cwtt.cases.worklist import my_cases
from cwtt.consent.models import ConsentDecision
from cwtt.jobs.worker import run_queued
from cwtt.meetings.actions import meeting_create
from cwtt.notifications.models import Notification
from cwtt.referrals.worklist import referral_tasks
from cwtt.registry.models import Organisation

from ..conftest import TODAY, make_child, sign_in  # noqa: TID252 - shared test helpers
from .conftest import case_at, score

pytestmark = pytest.mark.django_db

URGENT = {"cg_meals": 0, "cg_hungry": "yes"}  # no food at all yesterday: urgent, nutrition high
ONE_HIGH = {"cg_meals": 1, "cg_hungry": "yes"}  # nutrition high


def teacher_says_abuse(child, wave):
    """The teacher is concerned about abuse: protection high (statutory)."""
    return assessment_save(
        child=child,
        wave=wave,
        respondent="teacher",
        answers={"tc_abuse": "yes"},
        assessed_on=wave.starts_on + dt.timedelta(days=2),
        status="submitted",
    ).profile


@pytest.fixture
def proposals(sunrise, wave):
    """Four children at Sunrise, each proposed for a different reason."""
    made = {
        "one_high": make_child(sunrise, first="Anele", last="Abrahams"),
        "statutory": make_child(sunrise, first="Bongi", last="Botha"),
        "urgent": make_child(sunrise, first="Zola", last="Zulu"),
        "no_consent": make_child(sunrise, first="Naledi", last="Ndlovu"),
    }
    # Agreed to the assessment, not to sharing with social development.
    ConsentDecision.objects.filter(
        child=made["no_consent"], purpose="share_social_development"
    ).delete()
    score(made["one_high"], wave, ONE_HIGH)
    teacher_says_abuse(made["statutory"], wave)
    score(made["urgent"], wave, URGENT)
    score(made["no_consent"], wave, ONE_HIGH)
    cases_propose(wave=wave)
    return made


# --- triage


class P:
    """A stand-in profile: levels only."""

    def __init__(self, urgent=False, **levels):
        self.urgent = urgent
        for domain in ("health", "nutrition", "economic", "education", "protection"):
            setattr(self, domain, levels.get(domain, "low"))
        self.psychosocial = levels.get("psychosocial", "low")


def test_triage_puts_urgent_then_statutory_then_most_areas_high_then_longest_waiting():
    early, late = dt.date(2026, 3, 1), dt.date(2026, 9, 1)
    ranked = sorted(
        [
            ("waited less", P(nutrition="high"), late),
            ("two areas", P(nutrition="high", education="high"), late),
            ("statutory", P(protection="high"), late),
            ("urgent", P(urgent=True), late),
            ("waited longer", P(nutrition="high"), early),
            ("no profile", None, early),
        ],
        key=lambda row: need_key(row[1], row[2], row[0]),
    )
    assert [name for name, *_ in ranked] == [
        "urgent",
        "statutory",
        "two areas",
        "waited longer",
        "waited less",
        "no profile",
    ]


def test_proposals_are_listed_most_pressing_first(client, proposals, people):
    sign_in(client, people["cora"])
    page = client.get(reverse("school_cases", args=[proposals["urgent"].school_id]))
    text = page.content.decode()
    order = [text.index(proposals[k].full_name) for k in ("urgent", "statutory", "one_high")]
    assert order == sorted(order), "urgent, then protection, then the rest"
    assert "Zola Zulu" in text and text.index("Zola Zulu") < text.index("Anele Abrahams")


def test_every_proposal_has_a_reason_even_when_the_reason_is_kept_back(client, proposals, people):
    """Sam (social development) may not read the levels of a child whose caregiver has not
    agreed to share with social development: he is told so, never shown a bare dash."""
    sign_in(client, people["sam"])
    page = client.get(reverse("school_cases", args=[proposals["urgent"].school_id]))
    text = page.content.decode()
    assert "Reason kept back: the caregiver has not agreed to share with social development" in text
    assert "High risk in food and nutrition" in text  # the others' reasons are there
    rows = [r for r in text.split("<tr>")[1:] if "Why proposed" not in r]
    assert rows and all("<td>—</td>" not in r.split("</td>")[3] + "</td>" for r in rows)


def test_a_proposal_without_a_stored_reason_says_where_to_look(client, proposals, people):
    Case.objects.filter(child=proposals["one_high"]).update(proposed_reason="")
    sign_in(client, people["cora"])
    text = client.get(reverse("school_cases", args=[proposals["one_high"].school_id])).content
    assert "open the child&#x27;s page to see the risk levels" in text.decode()


def test_a_long_proposal_list_shows_ten_then_the_rest_one_tap_away(client, sunrise, wave, people):
    for number in range(13):
        score(make_child(sunrise, first=f"Child{number:02d}", last="Long"), wave, ONE_HIGH)
    cases_propose(wave=wave)
    sign_in(client, people["cora"])
    text = client.get(reverse("school_cases", args=[sunrise.pk])).content.decode()
    shown, rest = text.split('<details class="more-rows"', 1)
    assert shown.count('href="/cases/') == 10
    assert "Show 3 more" in rest and rest.count('href="/cases/') == 3


# --- the agenda


def test_the_agenda_covers_the_current_wave_only(sunrise, wave, wave2, people):
    last_year = make_child(sunrise, first="Old", last="Wave")
    this_year = make_child(sunrise, first="New", last="Wave")
    score(last_year, wave, URGENT)  # urgent in wave 1 only
    score(this_year, wave2, URGENT)
    meeting = meeting_create(school=sunrise, held_on=TODAY, kind="cop", by=people["cora"])
    texts = [item.text for item in meeting.items.all()]
    assert any("New Wave" in t and "Wave 2" in t for t in texts)
    assert not any("Old Wave" in t for t in texts)


def test_the_agenda_lists_the_most_pressing_first(sunrise, wave, people):
    two = make_child(sunrise, first="Aa", last="Two")
    one = make_child(sunrise, first="Aa", last="One")
    statutory = make_child(sunrise, first="Zz", last="Protect")
    score(one, wave, ONE_HIGH)
    score(two, wave, ONE_HIGH)
    teacher_says_abuse(two, wave)  # nutrition and protection high
    teacher_says_abuse(statutory, wave)
    meeting = meeting_create(school=sunrise, held_on=TODAY, kind="cop", by=people["cora"])
    high = [i.text for i in meeting.items.filter(kind="new_high_risk").order_by("position")]
    assert [t.split(" (")[0] for t in high] == ["Aa Two", "Zz Protect", "Aa One"]


def test_a_long_agenda_shows_ten_items_then_the_rest_one_tap_away(client, sunrise, wave, people):
    for number in range(12):
        score(make_child(sunrise, first=f"Kid{number:02d}", last="Agenda"), wave, ONE_HIGH)
    meeting = meeting_create(school=sunrise, held_on=TODAY, kind="cop", by=people["cora"])
    # 12 children newly at high risk, then the month's action queue and a food programme for
    # all twelve (decision 0059).
    assert meeting.items.count() == 14
    sign_in(client, people["cora"])
    text = client.get(reverse("meeting", args=[meeting.pk])).content.decode()
    shown, rest = text.split('<details class="more-rows"', 1)
    assert shown.count('class="card agenda-item"') == 10
    assert "Show 4 more" in rest and rest.count('class="card agenda-item"') == 4


# --- being assigned


def test_being_made_lead_or_team_member_tells_each_person_once(
    proposals, people, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    people["sam"].email = "sam@example.org"
    people["sam"].save()
    case = Case.objects.get(child=proposals["one_high"])
    with django_capture_on_commit_callbacks() as callbacks:
        case_team_set(
            case=case, by=people["cora"], lead=people["sam"].staff, team=[people["tumi"].staff]
        )
        assert mail.outbox == [] and not DBTaskResult.objects.exists()  # nothing left yet
    link = reverse("case", args=[case.pk])
    sam_notes = Notification.objects.filter(user=people["sam"], link=link)
    assert [n.subject for n in sam_notes] == ["You are now the lead on a case at Sunrise Primary"]
    assert Notification.objects.filter(user=people["tumi"], link=link).count() == 1
    assert not Notification.objects.filter(user=people["cora"]).exists()  # not the one who set it
    assert "Abrahams" not in sam_notes[0].subject + sam_notes[0].body  # no child's name
    assert len(callbacks) == 1  # Sam's e-mail (Tumi has no address), queued after the commit
    callbacks[0]()
    assert run_queued().succeeded == 1 and len(mail.outbox) == 1
    # The same team again, and Tumi added as well as Nandi: only Nandi is told.
    with django_capture_on_commit_callbacks(execute=True):
        case_team_set(
            case=case,
            by=people["cora"],
            lead=people["sam"].staff,
            team=[people["tumi"].staff, people["nandi"].staff],
        )
    assert Notification.objects.filter(user=people["sam"], link=link).count() == 1
    assert Notification.objects.filter(user=people["tumi"], link=link).count() == 1
    assert Notification.objects.filter(user=people["nandi"], link=link).count() == 1


def test_a_refused_assignment_tells_no_one(proposals, people, hilltop):
    from cwtt.cases.actions import CaseRefused

    case = Case.objects.get(child=proposals["one_high"])
    outsider = people["hilda"].staff  # works at Hilltop
    with pytest.raises(CaseRefused):
        case_team_set(case=case, by=people["cora"], lead=outsider)
    assert not Notification.objects.exists()


# --- My work: my cases


@pytest.fixture
def sams_cases(proposals, people, sunrise):
    """Sam leads the urgent child's case (assigned by Cora, so new to him) and is in the team of
    one with a plan whose next action is due in five days."""
    urgent = Case.objects.get(child=proposals["urgent"])
    urgent.status = "identified"
    urgent.save()
    case_team_set(case=urgent, by=people["cora"], lead=people["sam"].staff)
    Case.objects.filter(child=proposals["one_high"]).delete()
    planned = case_at(
        proposals["one_high"],
        "implementation",
        lead=people["sue"].staff,
        team=[people["sam"].staff],
    )
    organisation = Organisation.objects.create(name="Food bank", sector="ngo")
    PlanAction.objects.create(
        plan=planned.plan,
        description="Arrange food parcels",
        organisation=organisation,
        due_on=TODAY + dt.timedelta(days=5),
    )
    PlanAction.objects.create(
        plan=planned.plan,
        description="Done already",
        organisation=organisation,
        due_on=TODAY - dt.timedelta(days=5),
        done_on=TODAY,
    )
    return {"urgent": urgent, "planned": planned}


def test_my_work_lists_my_cases_with_the_childs_name_next_step_and_due_date(
    client, sams_cases, people
):
    sign_in(client, people["sam"])
    text = client.get(reverse("my_work")).content.decode()
    assert "My cases" in text and "(2, 1 new)" in text
    assert "Zola Zulu" in text and "Register the case" in text  # lead, identified
    assert "Anele Abrahams" in text and "Arrange food parcels" in text
    assert "Done already" not in text
    day = TODAY + dt.timedelta(days=5)
    assert f"due {day.day} {day:%B}" in text
    assert text.index("Zola Zulu") < text.index("Anele Abrahams")  # the urgent child first
    assert "You are now the lead on a case" in text


def test_a_new_case_stays_new_until_its_page_is_opened(client, sams_cases, people):
    assert [c.new != "" for c in my_cases(people["sam"])] == [True, False]
    sign_in(client, people["cora"])  # someone else opening it changes nothing for Sam
    assert client.get(reverse("case", args=[sams_cases["urgent"].pk])).status_code == 200
    assert [c.new != "" for c in my_cases(people["sam"])] == [True, False]
    sign_in(client, people["sam"])
    client.get(reverse("case", args=[sams_cases["urgent"].pk]))
    assert [c.new for c in my_cases(people["sam"])] == ["", ""]


def test_someone_who_may_not_see_the_case_cannot_mark_anothers_notification_read(
    client, sams_cases, people
):
    unread = Notification.objects.filter(user=people["sam"], read_at__isnull=True)
    before = list(unread.values_list("pk", "read_at"))
    assert before
    for intruder in (people["harry"], people["hilda"], people["dumi"]):
        sign_in(client, intruder)
        page = client.get(reverse("case", args=[sams_cases["urgent"].pk]))
        assert page.status_code in (403, 404)
    assert list(unread.values_list("pk", "read_at")) == before


def test_cases_of_children_outside_my_schools_are_not_listed(sams_cases, people, sunrise):
    people["sam"].staff.schools.clear()
    assert my_cases(people["sam"]) == []


def test_referral_tasks_name_the_child(child, people, service_types):
    from cwtt.referrals.actions import referral_create

    referral_create(
        child=child,
        service_type=service_types["food_support"],
        by=people["sam"],
        urgency="routine",
        reason="The family goes hungry.",
        provider_name="Community Food Garden",
        sector="ngo",
    )
    (task,) = referral_tasks(people["sam"].staff, TODAY)
    assert task.text.startswith("Lwazi Mokoena, referral to")
    assert "Referral 1" not in task.text


# --- the coordinator's day


def test_the_coordinators_day_starts_with_todays_urgent_children(client, proposals, people):
    sign_in(client, people["cora"])
    text = client.get(reverse("home")).content.decode()
    work = text[text.index("Your work today") :]
    assert "1 child needs action today" in work
    assert work.index("Zola Zulu") < work.index("Your school")
    assert "Nothing is waiting for you" not in work  # the urgent children are waiting
    # The same children as the school page lists.
    school = client.get(reverse("school", args=[proposals["urgent"].school_id])).content.decode()
    alert = school[school.index("needs action today") :]
    assert "Zola Zulu" in alert[: alert.index("</div>")]


def test_other_roles_do_not_get_the_urgent_list_on_their_home(client, proposals, people):
    sign_in(client, people["tumi"])
    assert "needs action today" not in client.get(reverse("home")).content.decode()


# --- My class


@pytest.fixture
def tumis_class(child, sunrise, wave, people):
    """Tumi teaches 2A: Lwazi (her questionnaire sent), Thandi (still to capture) and Naledi
    (no consent to assess)."""
    klass = child.school_class
    klass.teachers.add(people["tumi"].staff)
    thandi = make_child(sunrise, first="Thandi", last="Zwane", sex="F")
    naledi = make_child(sunrise, first="Naledi", last="Ndlovu", consent=False)
    assessment_save(
        child=child,
        wave=wave,
        respondent="teacher",
        answers={"tc_abuse": "no"},
        assessed_on=wave.starts_on + dt.timedelta(days=2),
        status="submitted",
    )
    return {"class": klass, "done": child, "todo": thandi, "no_consent": naledi}


def test_my_class_shows_what_is_still_to_capture_with_the_link(client, tumis_class, people, wave):
    sign_in(client, people["tumi"])
    text = client.get(reverse("my_class")).content.decode()
    assert "your questionnaire is done for 1 of 3 learners" in text
    todo = text[text.index("Still to capture") : text.index("The whole class")]
    capture = reverse("capture", args=[tumis_class["todo"].pk, "teacher"])
    assert f'href="{capture}?wave={wave.pk}"' in todo and "Capture: Thandi Zwane" in todo
    assert "Lwazi Mokoena" not in todo
    assert "Naledi Ndlovu" in todo and "consent" in todo  # no link: it could not be sent
    assert reverse("capture", args=[tumis_class["no_consent"].pk, "teacher"]) not in todo


def test_my_class_agrees_with_the_offline_screen(tumis_class, people):
    from cwtt.offline.pack import offline_pack
    from cwtt.worklists.my_class import my_classes

    pack = offline_pack(people["tumi"])
    (mine,) = my_classes(people["tumi"])
    offline_done = {int(key.split(":")[0]) for key in pack["done"] if key.endswith(":teacher")}
    assert {lr.child.pk for lr in mine.learners if lr.captured} == offline_done


def test_a_teacher_without_a_class_is_told_how_to_get_one(client, people):
    sign_in(client, people["tumi"])
    assert "No class is linked to you yet" in client.get(reverse("my_class")).content.decode()


def test_a_teacher_does_not_see_a_class_at_a_school_she_is_not_assigned_to(
    client, tumis_class, people
):
    people["tumi"].staff.schools.clear()
    sign_in(client, people["tumi"])
    text = client.get(reverse("my_class")).content.decode()
    assert "Thandi" not in text and "No class is linked to you yet" in text


def test_levels_a_reader_may_not_see_do_not_move_a_child_up_their_list(
    client, proposals, people, sunrise, wave
):
    hidden = make_child(sunrise, first="Aaron", last="Aardvark")
    ConsentDecision.objects.filter(child=hidden, purpose="share_social_development").delete()
    score(hidden, wave, URGENT)
    teacher_says_abuse(hidden, wave)  # urgent and statutory: above Zola, who is only urgent
    cases_propose(wave=wave)

    def first_proposal(person):
        sign_in(client, people[person])
        text = client.get(reverse("school_cases", args=[sunrise.pk])).content.decode()
        return text.split('href="/cases/', 1)[1].split("</a>")[0]

    assert "Aaron Aardvark" in first_proposal("cora")  # first for the coordinator
    assert "Zola Zulu" in first_proposal("sam")  # Sam may not see Aaron's levels


def test_a_decision_saved_in_the_rest_of_a_long_agenda_keeps_it_open(client, sunrise, wave, people):
    for number in range(12):
        score(make_child(sunrise, first=f"Kid{number:02d}", last="Agenda"), wave, ONE_HIGH)
    meeting = meeting_create(school=sunrise, held_on=TODAY, kind="cop", by=people["cora"])
    last = meeting.items.order_by("position").last()
    sign_in(client, people["cora"])
    page = client.post(
        reverse("meeting", args=[meeting.pk]),
        {"step": "decision", "item": last.pk, "decision": "Home visit this week."},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert '<details class="more-rows" open>' in page
    closed = client.get(reverse("meeting", args=[meeting.pk])).content.decode()
    assert '<details class="more-rows">' in closed
