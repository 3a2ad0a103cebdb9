"""The retention rule and anonymisation: who is due, what is removed, what stays, and that the
aggregates built from what stays do not change."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pytest
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone

from cwtt.access.audit import verify_chain
from cwtt.access.models import AuditEntry
from cwtt.assessments.models import Assessment, RiskProfile, Wave
from cwtt.assessments.profile_details import FIRED
from cwtt.assessments.rescoring import rescore
from cwtt.assessments.research_export import age_in_months, research_rows
from cwtt.registry.models import Caregiver, Child, ChildCaregiver, Household
from cwtt.rights.actions import AnonymisationRefused, child_anonymise, coarse_birth_date
from cwtt.rights.models import Anonymisation
from cwtt.rights.retention import retention_due, years_before
from cwtt.rights.subject_access import child_record

from .conftest import assess, run

pytestmark = pytest.mark.django_db
TODAY = dt.date(2032, 6, 30)  # CWTT_RETENTION_YEARS defaults to 5: the cutoff is 2027-06-30


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=timezone.get_current_timezone())


def left(child: Child, status: str = "exited", updated: dt.date = dt.date(2020, 1, 10)) -> Child:
    """The child left the programme; the record last changed on `updated`."""
    Child.objects.filter(pk=child.pk).update(status=status, updated_at=at(updated))
    child.refresh_from_db()
    return child


def assessed_on(child: Child, day: dt.date) -> None:
    Assessment.objects.filter(child=child).update(assessed_on=day)


def due(today: dt.date = TODAY) -> list[int]:
    return list(retention_due(today).values_list("pk", flat=True))


def high_risk_per_wave() -> Counter:
    """The aggregate a district table is made of: children at high risk, per wave and domain."""
    counts: Counter = Counter()
    for profile in RiskProfile.objects.all():
        for domain in ["overall", "nutrition", "protection", "health", "psychosocial"]:
            if getattr(profile, domain) == "high":
                counts[(profile.wave.name, domain, profile.child.school_id, profile.child.sex)] += 1
    return counts


def test_a_child_who_left_long_ago_is_due_and_recent_or_active_ones_are_not(child_factory, sunrise):
    gone = left(child_factory(sunrise, first="Gone"), "exited", dt.date(2021, 5, 1))
    moved = left(child_factory(sunrise, first="Moved"), "transferred", dt.date(2027, 6, 29))
    recent = left(child_factory(sunrise, first="Recent"), "exited", dt.date(2027, 6, 30))
    active = child_factory(sunrise, first="Active")
    Child.objects.filter(pk=active.pk).update(updated_at=at(dt.date(2015, 1, 1)))
    assert due() == [gone.pk, moved.pk]
    # Exactly five years is not "more than" five years.
    assert recent.pk not in due() and recent.pk in due(TODAY + dt.timedelta(days=1))
    assert due(dt.date(2026, 4, 30)) == []


def test_an_assessment_after_the_cutoff_keeps_the_record(assessed_child):
    left(assessed_child, updated=dt.date(2020, 1, 1))
    assessed_on(assessed_child, dt.date(2027, 7, 1))
    assert due() == []
    assessed_on(assessed_child, dt.date(2027, 6, 29))
    assert due() == [assessed_child.pk]


def test_years_before_copes_with_29_february():
    assert years_before(dt.date(2032, 2, 29), 5) == dt.date(2027, 2, 28)


def test_anonymisation_removes_identity_and_keeps_what_the_aggregates_are_made_of(
    assessed_child, text_wave, child_factory, sunrise
):
    twin = child_factory(sunrise, first="Ayanda", dob=dt.date(2018, 9, 1))
    assess(twin, text_wave, comment="Nothing to add")
    before = high_risk_per_wave()
    answers_before = {
        a.respondent: {k: v for k, v in a.answers.items() if k != "cg_comment"}
        for a in assessed_child.assessments.all()
    }
    profile_levels = list(assessed_child.risk_profiles.values("overall", "nutrition", "protection"))
    household_id = assessed_child.household_id

    removed = child_anonymise(child=assessed_child, rule="test", actor_name="command line")

    child = Child.objects.get(pk=assessed_child.pk)
    assert (child.first_name, child.last_name) == ("Removed", f"(record {child.pk})")
    assert child.sa_id_number == "" and child.birth_certificate_number == ""
    # Year and month kept; the day is the middle of the days giving the same whole-month age
    # at the start of the wave (1 February): 2 to 31.
    assert child.date_of_birth == dt.date(2018, 3, 16)
    assert (child.school_id, child.sex, child.grant_status) == (sunrise.pk, "M", "receives")
    assert child.school_class_id is None and child.status == "exited"
    household = Household.objects.get(pk=household_id)
    assert household.address == "" and household.water == "communal_tap"
    caregiver = Caregiver.objects.get(child_links__child=child)
    assert (caregiver.first_name, caregiver.last_name, caregiver.phone) == ("", "", "")
    for assessment in child.assessments.all():
        assert "cg_comment" not in assessment.answers
        assert assessment.answers == answers_before[assessment.respondent]
        assert assessment.informant_caregiver_id is None
    # The risk profile keeps its levels and reasons, without the caregiver's name.
    assert list(child.risk_profiles.values("overall", "nutrition", "protection")) == profile_levels
    stored = json.dumps([p.details for p in child.risk_profiles.all()])
    assert "Grace" not in stored and "Mokoena" not in stored
    assert "Fewer than two meals yesterday" in stored and '"Caregiver"' in stored
    assert high_risk_per_wave() == before
    # Nothing identifying is left anywhere in the child's record, the audit section included
    # (the trail itself keeps the answers it recorded; the export leaves that detail out).
    text = json.dumps(child_record(child), ensure_ascii=False)
    for identifier in ["Lwazi", "Mokoena", "Grace", "12 Test Street", "Sipho", "2018-03-14"]:
        assert identifier not in text
    assert removed["free_text_answers"] == 1 and removed["caregivers_blanked"] == 1
    # The other child is untouched.
    twin.refresh_from_db()
    assert twin.first_name == "Ayanda" and twin.household.address == "12 Test Street"


def test_a_household_and_caregiver_shared_with_a_sibling_are_unlinked_not_blanked(
    child, child_factory, sunrise
):
    sibling = child_factory(sunrise, first="Thabo")
    sibling.household = child.household
    sibling.save()
    mother = child.caregivers.get()
    ChildCaregiver.objects.create(child=sibling, caregiver=mother, relation="mother")
    child_anonymise(child=child, rule="test", actor_name="command line")
    child.refresh_from_db()
    assert child.household_id is None and not child.caregiver_links.exists()
    sibling.refresh_from_db()
    assert sibling.household.address == "12 Test Street"
    assert str(sibling.caregivers.get(pk=mother.pk)) == "Grace Mokoena"


def test_rows_with_free_text_are_deleted_and_others_kept_without_the_family(
    assessed_child, other_child, later_models
):
    LaterNote, LaterConsent, LaterMeeting = later_models
    LaterNote.objects.create(child=assessed_child, text="Seen crying at break")
    meeting = LaterMeeting.objects.create(minutes="Agreed a home visit")
    meeting.children.add(assessed_child, other_child)
    LaterConsent.objects.create(
        child=assessed_child, caregiver=assessed_child.caregivers.first(), agreed=True
    )
    removed = child_anonymise(child=assessed_child, rule="test", actor_name="command line")
    assert not LaterNote.objects.exists()
    consent = LaterConsent.objects.get()
    assert consent.agreed is True and consent.caregiver_id is None
    assert removed["rights.laternote"] == 1 and removed["rights.laterconsent.caregiver"] == 1
    # Minutes shared with another child stay; only this child leaves them.
    assert list(meeting.children.all()) == [other_child]
    assert removed["rights.latermeeting"] == 1


def test_the_birth_day_kept_gives_the_same_whole_month_ages_at_each_wave():
    starts = [dt.date(2026, 2, 10), dt.date(2026, 8, 1)]
    for born in [
        dt.date(2018, 3, 3),
        dt.date(2018, 3, 10),
        dt.date(2018, 2, 28),
        dt.date(2018, 3, 1),
    ]:
        kept = coarse_birth_date(born, starts)
        assert (kept.year, kept.month) == (born.year, born.month)
        assert [age_in_months(kept, s) for s in starts] == [age_in_months(born, s) for s in starts]
    assert coarse_birth_date(dt.date(2018, 3, 3), starts) == dt.date(2018, 3, 6)
    assert coarse_birth_date(dt.date(2018, 3, 20), []) == dt.date(2018, 3, 16)


def test_the_research_export_is_the_same_before_and_after(text_version, child_factory, sunrise):
    wave = Wave.objects.create(
        name="Wave X",
        starts_on=dt.date(2026, 2, 10),
        ends_on=dt.date(2026, 11, 30),
        instrument_version=text_version,
    )
    children = [
        child_factory(sunrise, first=f"C{day}", dob=dt.date(2018, 3, day))
        for day in (3, 10, 11, 28)
    ]
    for child in children:
        assess(child, wave)
    header, rows = research_rows(key="test")
    before = [header, *rows]
    for child in children[:3]:
        child_anonymise(child=child, rule="test", actor_name="command line")
    header, rows = research_rows(key="test")
    assert [header, *rows] == before


def test_anonymisation_is_audited_once_and_the_audit_trail_stays_intact(assessed_child):
    entries_before = AuditEntry.objects.filter(child_id=assessed_child.pk).count()
    child_anonymise(child=assessed_child, rule="Erasure request: test", actor_name="command line")
    with pytest.raises(AnonymisationRefused, match="already removed"):
        child_anonymise(child=assessed_child, rule="again", actor_name="command line")
    entry = AuditEntry.objects.get(action=AuditEntry.Action.DELETE, object_type="child_identity")
    assert (entry.object_type, entry.child_id, entry.actor_name) == (
        "child_identity",
        assessed_child.pk,
        "command line",
    )
    assert entry.detail["rule"] == "Erasure request: test"
    assert "Lwazi" not in json.dumps(entry.detail)
    # One entry for the erasure of the trail's details, one for the identity.
    assert AuditEntry.objects.filter(child_id=assessed_child.pk).count() == entries_before + 2
    earlier = AuditEntry.objects.filter(child_id=assessed_child.pk, id__lt=entry.id)
    assert all(e.detail == {} for e in earlier.exclude(object_type="audit_detail"))
    assert "Lwazi" not in json.dumps(list(earlier.values_list("detail", flat=True)))
    assert list(verify_chain()) == []
    assert Anonymisation.objects.get().by == "command line"


def test_the_dry_run_lists_record_numbers_and_changes_nothing(
    assessed_child, child_factory, sunrise
):
    left(assessed_child, updated=dt.date(2015, 1, 1))
    assessed_on(assessed_child, dt.date(2019, 5, 5))
    stays = child_factory(sunrise, first="Stays")
    audit_before = AuditEntry.objects.count()
    output, status = run("retention", "apply", "--dry-run")
    assert status == 0
    assert f": {assessed_child.pk}\n" in output and "nothing was changed" in output
    assert "Lwazi" not in output and "Mokoena" not in output
    assessed_child.refresh_from_db()
    assert assessed_child.first_name == "Lwazi" and not Anonymisation.objects.exists()
    assert AuditEntry.objects.count() == audit_before
    assert str(stays.pk) not in output.split(":")[-2]


def test_apply_anonymises_everyone_due_and_a_second_run_does_nothing(
    assessed_child, child_factory, sunrise
):
    left(assessed_child, updated=dt.date(2015, 1, 1))
    assessed_on(assessed_child, dt.date(2019, 5, 5))
    other = left(child_factory(sunrise, first="Other"), "transferred", dt.date(2016, 2, 2))
    output, status = run("retention", "apply")
    assert status == 0 and "Anonymised 2 children" in output
    assert set(Anonymisation.objects.values_list("child_id", flat=True)) == {
        assessed_child.pk,
        other.pk,
    }
    assert Anonymisation.objects.get(child=other).rule.startswith("Retention rule: transferred")
    deletes = AuditEntry.objects.filter(
        action=AuditEntry.Action.DELETE, object_type="child_identity"
    )
    assert sorted(deletes.values_list("child_id", flat=True)) == sorted(
        [assessed_child.pk, other.pk]
    )
    output, status = run("retention", "apply")
    assert status == 0 and "Anonymised 0 children" in output
    assert deletes.count() == 2


def test_a_future_date_is_only_for_a_dry_run(db):
    output, status = run("retention", "apply", "--on", "2040-01-01")
    assert status == 1 and "--dry-run" in output


def test_an_erasure_request_from_the_command_line(assessed_child):
    output, status = run(
        "child", "erase", str(assessed_child.pk), "--reason", "Caregiver's written request of 3 May"
    )
    assert status == 0 and f"Removed the identity of child {assessed_child.pk}" in output
    assert "Lwazi" not in output
    assessed_child.refresh_from_db()
    assert assessed_child.first_name == "Removed"
    rule = Anonymisation.objects.get().rule
    assert rule == "Erasure request: Caregiver's written request of 3 May"
    output, status = run("child", "erase", str(assessed_child.pk), "--reason", "again")
    assert status == 1 and "already removed" in output


def test_confidential_notes_are_in_the_record_and_deleted_with_the_identity(people, child):
    from cwtt.notes.models import ChildNote

    ChildNote.objects.create(child=child, author=people["sam"], text="Disclosed at break")
    notes = {s["key"]: s for s in child_record(child)["sections"]}["notes.childnote"]
    assert [r["fields"]["Text"] for r in notes["records"]] == ["Disclosed at break"]
    removed = child_anonymise(child=child, rule="test", actor_name="command line")
    assert removed["notes.childnote"] == 1 and not ChildNote.objects.exists()


def test_an_open_case_keeps_the_record_and_a_closed_one_counts_from_its_closure(
    assessed_child, people
):
    from django.utils import timezone as tz

    from cwtt.cases.models import Case
    from cwtt.rights.retention import retention_due

    left(assessed_child, updated=dt.date(2015, 1, 1))
    assessed_on(assessed_child, dt.date(2019, 5, 5))
    today = dt.date(2026, 11, 23)
    # The case proposed when the child was scored was never confirmed: it keeps nothing.
    case = Case.objects.get(child=assessed_child)
    assert case.status == "proposed" and assessed_child in retention_due(today)
    Case.objects.filter(pk=case.pk).update(status="implementation")
    assert assessed_child not in retention_due(today)
    closed = tz.make_aware(dt.datetime(2024, 6, 1))
    Case.objects.filter(pk=case.pk).update(status="closed", closed_at=closed)
    assert assessed_child not in retention_due(today)  # closed 2024: within 5 years
    assert assessed_child in retention_due(dt.date(2030, 1, 1))


def test_anonymisation_removes_the_names_from_profiles_a_rescore_stored(assessed_child):
    """`cwtt rescore` stores which rules fired, with the informants' names (decision 0060):
    anonymising writes the details back in full without them."""

    def stored() -> str:
        texts = (
            RiskProfile.objects.filter(child=assessed_child)
            .annotate(text=Cast("details", TextField()))
            .values_list("text", flat=True)
        )
        return "\n".join(texts)

    rescore()
    assert FIRED in stored() and "Grace" in stored()

    child_anonymise(child=assessed_child, rule="test", actor_name="command line")

    assert "Grace" not in stored() and "Mokoena" not in stored()
    assert "Fewer than two meals yesterday" in stored() and '"Caregiver"' in stored()


def test_anonymisation_empties_the_answer_codes_of_answers_it_changes(assessed_child):
    """Codes made from answers that included the free text must not outlive it (decision
    0070); the nurse's answers, untouched, keep theirs."""
    codes = bytes(range(8))
    Assessment.objects.filter(child=assessed_child).update(answer_codes=codes)

    child_anonymise(child=assessed_child, rule="test", actor_name="command line")

    stored = dict(
        Assessment.objects.filter(child=assessed_child).values_list("respondent", "answer_codes")
    )
    assert stored["caregiver"] is None
    assert stored["nurse"] == codes
    assert "cg_comment" not in Assessment.objects.get(respondent="caregiver").answers
