"""The answer codes an assessment keeps for `cwtt rescore` (decision 0070): the database keeps
them while the answers stay as they are and empties them (NULL) on every write that changes
the answers, however it is made, unless the same statement writes new codes. Each check reads
the row back from the database, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from cwtt.assessments.actions import assessment_save
from cwtt.assessments.models import Assessment

pytestmark = pytest.mark.django_db

ANSWERS = {"cg_meals": 1, "cg_hungry": "yes"}
CHANGED = {"cg_meals": 2, "cg_hungry": "no"}
# Two (name term, value term) pairs; the bytes only need to be recognisable here.
CODES = bytes(range(16))
NEW_CODES = bytes(range(16, 32))
TABLE = Assessment._meta.db_table


def stored_codes(assessment: Assessment) -> bytes | None:
    return Assessment.objects.values_list("answer_codes", flat=True).get(pk=assessment.pk)


def stored_answers(assessment: Assessment) -> dict:
    return Assessment.objects.values_list("answers", flat=True).get(pk=assessment.pk)


def write_codes(assessment: Assessment, codes: bytes) -> None:
    """Store codes the way the rescore may: an UPDATE that sets only the codes."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET answer_codes = %s WHERE id = %s", [codes, assessment.pk]
        )


@pytest.fixture
def coded(child, wave) -> Assessment:
    """A caregiver's questionnaire whose codes the rescore has stored."""
    assessment = assessment_save(
        child=child,
        wave=wave,
        respondent="caregiver",
        answers=ANSWERS,
        assessed_on=dt.date(2026, 3, 2),
    ).assessment
    write_codes(assessment, CODES)
    assert stored_codes(assessment) == CODES
    return Assessment.objects.get(pk=assessment.pk)


def test_a_new_assessment_has_no_codes(child, wave):
    outcome = assessment_save(
        child=child, wave=wave, respondent="caregiver", answers=ANSWERS, assessed_on=dt.date.today()
    )
    assert stored_codes(outcome.assessment) is None


def test_codes_written_through_the_orm_alone_are_kept(coded):
    Assessment.objects.filter(pk=coded.pk).update(answer_codes=NEW_CODES)
    assert stored_codes(coded) == NEW_CODES


def test_a_status_change_keeps_the_codes(coded):
    coded.status = Assessment.Status.VERIFIED
    coded.save(update_fields=["status"])
    assert stored_codes(coded) == CODES
    assert Assessment.objects.get(pk=coded.pk).status == Assessment.Status.VERIFIED


def test_a_full_save_with_the_same_answers_keeps_the_codes(coded):
    # save() writes every column, answers included, with the text they already have.
    coded.status = Assessment.Status.VERIFIED
    coded.save()
    assert stored_codes(coded) == CODES


def test_sending_the_same_questionnaire_again_keeps_the_codes(coded, child, wave):
    again = assessment_save(
        child=child,
        wave=wave,
        respondent="caregiver",
        answers=ANSWERS,
        assessed_on=dt.date(2026, 3, 2),
        uuid=coded.uuid,
    )
    assert not again.created
    assert stored_codes(coded) == CODES


def save_whole(assessment: Assessment) -> None:
    assessment.answers = CHANGED
    assessment.save()


def save_answers_only(assessment: Assessment) -> None:
    assessment.answers = CHANGED
    assessment.save(update_fields=["answers"])


def update_queryset(assessment: Assessment) -> None:
    Assessment.objects.filter(pk=assessment.pk).update(answers=CHANGED)


def update_in_bulk(assessment: Assessment) -> None:
    assessment.answers = CHANGED
    Assessment.objects.bulk_update([assessment], ["answers"])


def update_with_sql(assessment: Assessment) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET answers = %s WHERE id = %s",
            ['{"cg_meals": 2, "cg_hungry": "no"}', assessment.pk],
        )


def send_a_correction(assessment: Assessment) -> None:
    assessment_save(
        child=assessment.child,
        wave=assessment.wave,
        respondent="caregiver",
        answers=CHANGED,
        assessed_on=assessment.assessed_on,
        uuid=assessment.uuid,
    )


@pytest.mark.parametrize(
    "change",
    [
        save_whole,
        save_answers_only,
        update_queryset,
        update_in_bulk,
        update_with_sql,
        send_a_correction,
    ],
)
def test_every_way_of_changing_the_answers_empties_the_codes(coded, change):
    change(coded)
    assert stored_answers(coded) == CHANGED
    assert stored_codes(coded) is None


def test_only_the_changed_assessments_codes_are_emptied(coded, child, wave):
    nurse = assessment_save(
        child=child,
        wave=wave,
        respondent="nurse",
        answers={"ns_abuse": "no"},
        assessed_on=dt.date(2026, 3, 3),
    ).assessment
    write_codes(nurse, NEW_CODES)
    update_queryset(coded)
    assert stored_codes(coded) is None
    assert stored_codes(nurse) == NEW_CODES


def test_a_whole_number_written_as_a_decimal_is_a_change(coded):
    # 1 and 1.0 decode to different Python values; PostgreSQL's jsonb alone calls them equal.
    Assessment.objects.filter(pk=coded.pk).update(answers={**ANSWERS, "cg_meals": 1.0})
    assert stored_codes(coded) is None


def test_new_answers_written_with_new_codes_keep_the_new_codes(coded):
    Assessment.objects.filter(pk=coded.pk).update(answers=CHANGED, answer_codes=NEW_CODES)
    assert (stored_answers(coded), stored_codes(coded)) == (CHANGED, NEW_CODES)


def test_new_answers_written_with_new_codes_in_sql_keep_the_new_codes(coded):
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET answers = %s, answer_codes = %s WHERE id = %s",
            ['{"cg_meals": 2, "cg_hungry": "no"}', NEW_CODES, coded.pk],
        )
    assert (stored_answers(coded), stored_codes(coded)) == (CHANGED, NEW_CODES)


def test_a_full_save_of_new_answers_and_new_codes_keeps_the_new_codes(coded):
    coded.answers = CHANGED
    coded.answer_codes = NEW_CODES
    coded.save()
    assert (stored_answers(coded), stored_codes(coded)) == (CHANGED, NEW_CODES)
