"""The action queue (decision 0059): the children needing action now, ranked and explained,
cut at what the school's case workers can take on this month, with group responses where
many children share a need.

Who is who (tests/conftest.py, tests/cases/conftest.py): at Sunrise, Sam and Sue are social
workers and Nandi a nurse (three case workers), Cora the coordinator, Tumi a teacher. Hilda
coordinates Hilltop and may not touch Sunrise's queue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from cwtt.assessments.actions import assessment_save
from cwtt.assessments.triage import NEVER_SEEN, need_key, why_now
from cwtt.cases.actions import (
    CaseRefused,
    capacity_set,
    case_move,
    cases_propose,
    group_response_decide,
)
from cwtt.cases.models import Case, GroupResponse
from cwtt.cases.queue import action_queue, capacity_for, fingerprint_of
from cwtt.referrals.actions import referral_create
from cwtt.referrals.models import Referral
from cwtt.services.catalogue import ensure_service_types
from cwtt.services.models import Provider, ServiceType

from ..attacks import (  # noqa: TID252
    at_once,
    audit_changes,
    messages_of,
    needs_postgres,
    unchanged,
)
from ..conftest import make_child, sign_in  # noqa: TID252 - shared test helpers
from .conftest import score

pytestmark = pytest.mark.django_db

HUNGRY = {"cg_meals": 1, "cg_hungry": "yes"}  # nutrition high (food_quantity finding)
HUNGRY_AND_HIT = {"cg_meals": 1, "cg_hungry": "yes", "cg_hit": "yes"}


class P:
    """A stand-in profile: levels only."""

    def __init__(self, urgent=False, **levels):
        self.urgent = urgent
        for domain in ("health", "nutrition", "economic", "education", "protection"):
            setattr(self, domain, levels.get(domain, "low"))
        self.psychosocial = levels.get("psychosocial", "low")


def teacher_says_abuse(child, wave):
    return assessment_save(
        child=child,
        wave=wave,
        respondent="teacher",
        answers={"tc_abuse": "yes"},
        assessed_on=wave.starts_on + dt.timedelta(days=2),
        status="submitted",
    ).profile


def hungry_children(school, wave, n, first="Child", answers=HUNGRY):
    made = []
    for number in range(n):
        child = make_child(school, first=f"{first}{number:02d}", last="Dlamini")
        score(child, wave, answers)
        made.append(child)
    cases_propose(wave=wave)
    return made


@pytest.fixture
def food_garden(db):
    # A test on its own transaction starts after another's flush, which took the catalogue too.
    ensure_service_types(ServiceType)
    garden = Provider.objects.create(name="Community Food Garden", sector="ngo")
    garden.service_types.set(ServiceType.objects.filter(code="food_support"))
    return garden


# --- ranking and the reasons


def test_an_overdue_referral_then_the_longest_without_contact_come_before_waiting_longer():
    early, late = dt.date(2026, 3, 1), dt.date(2026, 9, 1)
    one_high = P(nutrition="high")
    ranked = sorted(
        [
            ("waited longest", one_high, early, 0, 0),
            ("seen 3 weeks ago", one_high, late, 0, 21),
            ("never seen", one_high, late, 0, NEVER_SEEN),
            ("referral overdue", one_high, late, 9, 0),
            ("two areas", P(nutrition="high", education="high"), late, 0, 0),
        ],
        key=lambda r: need_key(r[1], r[2], r[0], overdue_days=r[3], days_since_contact=r[4]),
    )
    assert [r[0] for r in ranked] == [
        "two areas",
        "referral overdue",
        "never seen",
        "seen 3 weeks ago",
        "waited longest",
    ]


def test_the_reasons_read_in_plain_words_in_the_order_of_the_ranking():
    profile = P(urgent=True, protection="high", nutrition="high", education="high")
    assert why_now(profile, overdue_days=9, days_since_contact=42) == [
        "Needs action today",
        "Statutory duty: protection and care high",
        "3 areas at high risk",
        "referral overdue 9 days",
        "no contact for 6 weeks",
    ]
    assert why_now(P(nutrition="high"), days_since_contact=NEVER_SEEN) == [
        "1 area at high risk",
        "no contact recorded yet",
    ]
    # A recent contact is not a reason to act now.
    assert why_now(P(nutrition="high"), days_since_contact=3) == ["1 area at high risk"]


def test_the_queue_ranks_by_overdue_referral_and_explains_each_child(sunrise, wave, people):
    quiet, overdue = hungry_children(sunrise, wave, 2)
    referral_create(
        child=overdue,
        service_type=ServiceType.objects.get(code="food_support"),
        by=people["sam"],
        urgency="routine",
        reason="Hungry",
        provider_name="Garden",
        sector="ngo",
        now=timezone.now() - dt.timedelta(days=39),  # due 30 days later: 9 days overdue
    )
    queue = action_queue(people["cora"], sunrise)
    assert [r.case.child for r in queue.within] == [overdue, quiet]
    assert queue.within[0].reasons == [
        "1 area at high risk",
        "referral overdue 9 days",
        "no contact recorded yet",
    ]


# --- capacity


def test_capacity_is_each_workers_share_summed_less_the_cases_opened_this_month(
    sunrise, hilltop, wave, people
):
    # Sam, Sue (social workers) and Nandi (nurse) at Sunrise; Sam also works at Hilltop.
    people["sam"].staff.schools.add(hilltop)
    capacity = capacity_for(sunrise)
    assert capacity.per_worker == 4 and not capacity.school_setting
    shares = {w.staff.user.username: (w.schools, float(w.share)) for w in capacity.workers}
    assert shares == {"sam": (2, 2.0), "sue": (1, 4.0), "nandi": (1, 4.0)}
    assert capacity.this_month == 10
    [child] = hungry_children(sunrise, wave, 1)
    case_move(case=Case.objects.get(child=child), to="identified", by=people["cora"])
    assert capacity_for(sunrise).opened_this_month == 1
    assert capacity_for(sunrise).left == 9


def test_the_queue_is_cut_at_capacity_and_the_rest_are_listed_as_waiting(
    client, sunrise, wave, people
):
    capacity_set(school=sunrise, new_cases_per_worker=1, by=people["cora"])  # 3 places
    hungry = hungry_children(sunrise, wave, 6)
    statutory = make_child(sunrise, first="Bongi", last="Botha")
    teacher_says_abuse(statutory, wave)
    cases_propose(wave=wave)
    queue = action_queue(people["cora"], sunrise)
    assert queue.capacity.left == 3
    assert queue.within[0].case.child == statutory  # child protection first, and never cut
    assert len(queue.within) == 3 and len(queue.waiting) == 4
    assert {r.case.child for r in queue.within + queue.waiting} == {statutory, *hungry}
    sign_in(client, people["cora"])
    page = client.get(reverse("school_queue", args=[sunrise.pk])).content.decode()
    assert "Waiting — beyond this month&#x27;s capacity" in page or "Waiting — beyond" in page
    for row in queue.waiting:  # listed, not hidden
        assert row.case.child.full_name in page
    assert "Statutory duty: protection and care high" in page


def test_a_child_with_a_duty_is_never_cut_even_beyond_capacity(sunrise, wave, people):
    capacity_set(school=sunrise, new_cases_per_worker=1, by=people["cora"])
    for number in range(5):
        child = make_child(sunrise, first=f"Safe{number}", last="Khumalo")
        teacher_says_abuse(child, wave)
    cases_propose(wave=wave)
    queue = action_queue(people["cora"], sunrise)
    assert len(queue.within) == 5 and queue.waiting == []
    assert queue.over_capacity == 2


# --- group responses


def test_a_group_response_is_proposed_from_five_children_sharing_a_need(sunrise, wave, people):
    hungry_children(sunrise, wave, 4)
    assert action_queue(people["cora"], sunrise).proposals == []
    hungry_children(sunrise, wave, 1, first="Fifth")
    [proposal] = action_queue(people["cora"], sunrise).proposals
    assert proposal.need.code == "food" and len(proposal.children) == 5
    assert proposal.names_shown  # food needs are not confidential


@override_settings(CWTT_GROUP_RESPONSE_MIN=3)
def test_the_group_threshold_is_a_setting(sunrise, wave, people):
    hungry_children(sunrise, wave, 3)
    assert [p.need.code for p in action_queue(people["cora"], sunrise).proposals] == ["food"]


def test_a_parenting_group_lists_names_only_to_those_who_read_protection(sunrise, wave, people):
    hungry_children(sunrise, wave, 5, answers=HUNGRY_AND_HIT)
    for_cora = {p.need.code: p for p in action_queue(people["cora"], sunrise).proposals}
    for_sam = {p.need.code: p for p in action_queue(people["sam"], sunrise).proposals}
    assert not for_cora["parenting"].names_shown  # a coordinator does not read protection
    assert for_sam["parenting"].names_shown


def _accept(school, wave, by, provider, need="food"):
    [proposal] = [p for p in action_queue(by, school).proposals if p.need.code == need]
    return group_response_decide(
        school=school,
        need=need,
        wave=wave,
        decision="accepted",
        fingerprint=proposal.fingerprint,
        by=by,
        provider=provider,
    )


def test_accepting_refers_every_child_once_and_they_leave_the_individual_queue(
    sunrise, wave, people, food_garden
):
    hungry = hungry_children(sunrise, wave, 5)
    also_abused = hungry[0]
    teacher_says_abuse(also_abused, wave)  # statutory: stays on the queue
    group = _accept(sunrise, wave, people["cora"], food_garden)
    assert group.status == "accepted" and set(group.children.all()) == set(hungry)
    referrals = Referral.objects.filter(rule="group_food")
    assert referrals.count() == 5 and {r.status for r in referrals} == {"draft"}
    assert {r.provider for r in referrals} == {food_garden}
    assert audit_changes(object_type="group_response", object_id=str(group.pk)) == 1
    queue = action_queue(people["cora"], sunrise)
    assert [r.case.child for r in queue.within] == [also_abused]
    assert {r.case.child for r in queue.covered} == set(hungry[1:])
    assert queue.proposals == []  # decided for this wave


def test_dismissing_keeps_every_child_on_the_queue(sunrise, wave, people):
    hungry = hungry_children(sunrise, wave, 5)
    [proposal] = action_queue(people["cora"], sunrise).proposals
    group_response_decide(
        school=sunrise,
        need="food",
        wave=wave,
        decision="dismissed",
        fingerprint=proposal.fingerprint,
        by=people["cora"],
    )
    queue = action_queue(people["cora"], sunrise)
    assert queue.proposals == [] and queue.covered == []
    assert {r.case.child for r in queue.within + queue.waiting} == set(hungry)
    assert not Referral.objects.exists()


def test_the_coordinator_accepts_on_the_page(client, sunrise, wave, people, food_garden):
    hungry_children(sunrise, wave, 5)
    [proposal] = action_queue(people["cora"], sunrise).proposals
    sign_in(client, people["cora"])
    page = client.get(reverse("school_queue", args=[sunrise.pk]))
    assert "Food programme" in page.content.decode()
    response = client.post(
        reverse("school_queue_group", args=[sunrise.pk]),
        {
            "need": "food",
            "wave": wave.pk,
            "decision": "accepted",
            "fingerprint": proposal.fingerprint,
            "provider": food_garden.pk,
        },
        follow=True,
    )
    assert "Accepted: 5 draft referrals written" in " ".join(messages_of(response))
    assert GroupResponse.objects.get().status == "accepted"


# --- attacks: refused, and nothing changed


@pytest.fixture
def proposed(sunrise, wave, people):
    hungry_children(sunrise, wave, 5)
    [proposal] = action_queue(people["cora"], sunrise).proposals
    return proposal


def _post(client, school, proposal, the_wave, **changes):
    data = {
        "need": "food",
        "wave": the_wave.pk,
        "decision": "accepted",
        "fingerprint": proposal.fingerprint,
        **changes,
    }
    return client.post(reverse("school_queue_group", args=[school.pk]), data, follow=True)


def test_another_schools_coordinator_gets_a_404_and_nothing_changes(
    client, sunrise, wave, people, proposed, food_garden
):
    sign_in(client, people["hilda"])
    with unchanged():
        response = client.post(
            reverse("school_queue_group", args=[sunrise.pk]),
            {
                "need": "food",
                "wave": wave.pk,
                "decision": "accepted",
                "fingerprint": proposed.fingerprint,
                "provider": food_garden.pk,
            },
        )
        assert response.status_code == 404
        assert client.get(reverse("school_queue", args=[sunrise.pk])).status_code == 404


def test_a_coordinator_cannot_decide_for_another_school_through_the_action(
    hilltop, wave, people, proposed, food_garden
):
    with unchanged(), pytest.raises(CaseRefused):
        group_response_decide(
            school=hilltop,
            need="food",
            wave=wave,
            decision="accepted",
            fingerprint=proposed.fingerprint,
            by=people["cora"],
            provider=food_garden,
        )


def test_a_teacher_cannot_accept(client, sunrise, wave, people, proposed, food_garden):
    sign_in(client, people["tumi"])
    with unchanged():
        response = _post(client, sunrise, proposed, wave, provider=food_garden.pk)
    assert "Only the school's coordinator" in " ".join(messages_of(response))


def test_a_replayed_accept_is_refused(client, sunrise, wave, people, proposed, food_garden):
    sign_in(client, people["cora"])
    _post(client, sunrise, proposed, wave, provider=food_garden.pk)
    with unchanged():
        response = _post(client, sunrise, proposed, wave, provider=food_garden.pk)
    assert "already decided" in " ".join(messages_of(response))
    assert Referral.objects.count() == 5


def test_a_stale_list_is_refused(client, sunrise, wave, people, proposed, food_garden):
    hungry_children(sunrise, wave, 1, first="Newly")  # a sixth child since the page opened
    sign_in(client, people["cora"])
    with unchanged():
        response = _post(client, sunrise, proposed, wave, provider=food_garden.pk)
    assert "changed since the page was opened" in " ".join(messages_of(response))


def test_a_provider_that_does_not_offer_the_service_is_refused(
    client, sunrise, wave, people, proposed
):
    clinic = Provider.objects.create(name="Clinic", sector="health")
    clinic.service_types.set(ServiceType.objects.filter(code="clinic_visit"))
    sign_in(client, people["cora"])
    with unchanged():
        response = _post(client, sunrise, proposed, wave, provider=clinic.pk)
    assert "does not offer" in " ".join(messages_of(response))


@pytest.mark.parametrize(
    "changes",
    [
        {"comment": "x" * 1_000_000},
        {"need": "n" * 10_000},
        {"wave": "not a number"},
        {"provider": "-1"},
        {"decision": "delete everything"},
        {"need": "weapons"},
        {"wave": "999999"},
    ],
    ids=[
        "huge comment",
        "huge need",
        "wave not a number",
        "bad provider",
        "bad decision",
        "unknown need",
        "no such wave",
    ],
)
def test_malformed_or_huge_sends_are_refused(
    client, sunrise, wave, people, proposed, food_garden, changes
):
    sign_in(client, people["cora"])
    with unchanged():
        response = _post(client, sunrise, proposed, wave, **{"provider": food_garden.pk, **changes})
    assert response.status_code == 200
    assert messages_of(response)


def test_capacity_is_set_only_by_the_coordinator(client, sunrise, people):
    sign_in(client, people["tumi"])
    with unchanged():
        response = client.post(
            reverse("school_queue_capacity", args=[sunrise.pk]),
            {"new_cases_per_worker": "50"},
            follow=True,
        )
    assert "Only the school's coordinator" in " ".join(messages_of(response))
    sign_in(client, people["hilda"])
    with unchanged():
        response = client.post(
            reverse("school_queue_capacity", args=[sunrise.pk]), {"new_cases_per_worker": "5"}
        )
    assert response.status_code == 404
    sign_in(client, people["cora"])
    with unchanged():
        client.post(
            reverse("school_queue_capacity", args=[sunrise.pk]),
            {"new_cases_per_worker": "9" * 5000},
        )
    client.post(reverse("school_queue_capacity", args=[sunrise.pk]), {"new_cases_per_worker": "2"})
    assert capacity_for(sunrise).per_worker == 2
    assert audit_changes(object_type="school_capacity") == 1


def test_the_fingerprint_hides_the_childrens_ids(proposed):
    assert all(str(c.pk) not in proposed.fingerprint.split(",") for c in proposed.children)
    assert fingerprint_of([3, 1, 2]) == fingerprint_of([1, 2, 3])


# --- the meeting's agenda


def test_the_agenda_says_how_many_the_team_can_take_on_and_proposes_group_responses(
    sunrise, wave, people
):
    from cwtt.meetings.actions import meeting_create

    from ..conftest import TODAY  # noqa: TID252

    capacity_set(school=sunrise, new_cases_per_worker=1, by=people["cora"])  # 3 places
    hungry_children(sunrise, wave, 5)
    meeting = meeting_create(school=sunrise, held_on=TODAY, kind="cop", by=people["cora"])
    texts = [i.text for i in meeting.items.filter(kind="proposals").order_by("position")]
    assert texts == [
        "5 proposed cases; the team can take on 3 this month; 2 wait beyond this month's capacity",
        "Group response proposed: Food programme for 5 children at high risk in food and "
        "nutrition. Accept or dismiss it.",
    ]
    queue_page = reverse("school_queue", args=[sunrise.pk])
    assert [i.link for i in meeting.items.filter(kind="proposals").order_by("position")] == [
        queue_page,
        f"{queue_page}#group-food",
    ]
    assert not meeting.items.filter(kind="proposals", child__isnull=False).exists()


def test_a_child_already_referred_to_the_service_is_not_referred_twice(
    sunrise, wave, people, food_garden
):
    hungry = hungry_children(sunrise, wave, 5)
    referral_create(
        child=hungry[0],
        service_type=ServiceType.objects.get(code="food_support"),
        by=people["sam"],
        urgency="routine",
        reason="Hungry",
        provider_name="Garden",
        sector="ngo",
    )
    group = _accept(sunrise, wave, people["cora"], food_garden)
    assert group.children.count() == 5 and group.referrals().count() == 4
    assert Referral.objects.filter(child=hungry[0]).count() == 1


def test_refreshing_the_agenda_updates_the_queue_line_instead_of_adding_one(sunrise, wave, people):
    from cwtt.meetings.actions import agenda_refresh, meeting_create

    from ..conftest import TODAY  # noqa: TID252

    hungry_children(sunrise, wave, 2)
    meeting = meeting_create(school=sunrise, held_on=TODAY, kind="cop", by=people["cora"])
    hungry_children(sunrise, wave, 1, first="Late")
    agenda_refresh(meeting)
    [line] = meeting.items.filter(kind="proposals")
    assert line.text.startswith("3 proposed cases;")


def test_your_work_today_points_the_coordinator_to_the_queue(client, sunrise, wave, people):
    hungry_children(sunrise, wave, 5)
    sign_in(client, people["cora"])
    page = client.get(reverse("home")).content.decode()
    assert "5 proposed cases at Sunrise Primary: 12 places this month" in page
    assert reverse("school_queue", args=[sunrise.pk]) in page


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_accepts_at_once_make_one_group_and_one_referral_each(
    sunrise, wave, people, food_garden
):
    hungry_children(sunrise, wave, 5)
    [proposal] = action_queue(people["cora"], sunrise).proposals

    def accept():
        return group_response_decide(
            school=sunrise,
            need="food",
            wave=wave,
            decision="accepted",
            fingerprint=proposal.fingerprint,
            by=people["cora"],
            provider=food_garden,
        )

    results = at_once(accept, accept)
    assert sum(isinstance(r, GroupResponse) for r in results) == 1, results
    assert sum(isinstance(r, CaseRefused) for r in results) == 1, results
    assert GroupResponse.objects.count() == 1
    assert Referral.objects.filter(rule="group_food").count() == 5


# --- queries: the same at two sizes, with every part of the page filled


def _queue_world(school, wave, people, provider, n):
    """n hungry children (a food programme accepted for them), n children hit at home (a
    parenting group proposed), n statutory, a referral overdue and a service delivered."""
    from cwtt.cases.actions import service_record

    capacity_set(school=school, new_cases_per_worker=1, by=people["cora"])  # fewer places
    hungry = hungry_children(school, wave, n, first=f"Food{n}x")
    _accept(school, wave, people["cora"], provider)
    for number in range(n):
        hit = make_child(school, first=f"Hit{n}x{number:02d}", last="Zungu")
        score(hit, wave, {"cg_meals": 1, "cg_hungry": "yes", "cg_hit": "yes"})
        teacher_says_abuse(make_child(school, first=f"Safe{n}x{number:02d}", last="Khoza"), wave)
    food = ServiceType.objects.get(code="food_support")
    for child in hungry[:2]:
        referral_create(
            child=child,
            service_type=food,
            by=people["sam"],
            urgency="routine",
            reason="Still hungry",
            provider_name="Garden",
            sector="ngo",
            now=timezone.now() - dt.timedelta(days=40),
        )
        service_record(
            child=child,
            case=None,
            by=people["sam"],
            service_type=food,
            delivered_on=timezone.localdate() - dt.timedelta(days=20),
            provider_name="Garden",
            outcome="delivered",
        )


@pytest.mark.parametrize("who", ["cora", "sam"])
def test_the_queue_page_costs_the_same_queries_at_two_sizes(
    client, sunrise, hilltop, wave, people, food_garden, who
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    parenting = Provider.objects.create(name="Families", sector="ngo")
    parenting.service_types.set(ServiceType.objects.filter(code="family_strengthening"))
    counts = {}
    sign_in(client, people[who])
    for school, n in ((sunrise, 6), (hilltop, 18)):
        for person in ("cora", "sam", "sue", "nandi"):
            people[person].staff.schools.add(school)  # the same people at both schools
        _queue_world(school, wave, people, food_garden, n)
        url = reverse("school_queue", args=[school.pk])
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url)
        assert page.status_code == 200
        queue = page.context["queue"]
        assert queue.within and queue.waiting and queue.covered and queue.decided
        assert queue.proposals
        counts[n] = len(queries)
    assert counts[6] == counts[18], counts


def test_a_group_covers_a_child_only_when_it_answers_every_area_at_high_risk():
    from cwtt.cases.groups import NEED_BY_CODE, covered_by

    food, parenting = NEED_BY_CODE["food"], NEED_BY_CODE["parenting"]
    assert covered_by(P(nutrition="high"), [food])
    assert not covered_by(P(nutrition="high", education="high"), [food])  # another area high
    assert not covered_by(P(urgent=True, nutrition="high"), [food])  # needs action today
    assert not covered_by(P(nutrition="high", protection="high"), [food, parenting])  # statutory
    assert covered_by(P(nutrition="high", psychosocial="moderate"), [food])
    assert not covered_by(None, [food])  # levels not seen: stays on the queue


@pytest.mark.parametrize("value", [0, 101, -3])
def test_a_capacity_outside_1_to_100_is_refused(sunrise, people, value):
    with unchanged(), pytest.raises(CaseRefused, match="from 1 to 100"):
        capacity_set(school=sunrise, new_cases_per_worker=value, by=people["cora"])


def test_an_empty_capacity_goes_back_to_the_default(sunrise, people):
    capacity_set(school=sunrise, new_cases_per_worker=7, by=people["cora"])
    assert capacity_for(sunrise).per_worker == 7 and capacity_for(sunrise).school_setting
    capacity_set(school=sunrise, new_cases_per_worker=None, by=people["dora"])  # data manager
    assert capacity_for(sunrise).per_worker == 4 and not capacity_for(sunrise).school_setting
    assert audit_changes(object_type="school_capacity") == 2
