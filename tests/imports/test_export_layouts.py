"""Files exported by KoboToolbox and ODK Central, generated here as those tools write them:
assessments matched to a child and a questionnaire and saved through assessment_save with the
instance id as the record's id (so a second import never doubles), and a class list collected
with a roster form whose columns carry group paths."""

from __future__ import annotations

import uuid

import pytest
from django.core.management.base import CommandError

from cwtt.access.models import AuditEntry
from cwtt.assessments.models import Assessment, RiskProfile
from cwtt.registry.models import Child

from ..attacks import unchanged  # noqa: TID252 - shared test helpers
from .sheets import (
    kobo_caregiver_export,
    odk_central_nurse_export,
    run_import,
    write_table,
)

pytestmark = pytest.mark.django_db

FORMATS = pytest.mark.parametrize("suffix", [".csv", ".xlsx"])


@FORMATS
def test_a_kobo_export_becomes_caregiver_assessments_once(
    wave, child, other_child, tmp_path, suffix
):
    first, second = f"uuid:{uuid.uuid4()}", f"uuid:{uuid.uuid4()}"
    header, rows = kobo_caregiver_export(
        [
            {"child_id": child.pk, "meals": 1, "hungry": "yes", "worries": "dark school",
             "instance": first},
            {"child_id": other_child.pk, "meals": 3, "hit": "no", "instance": second},
        ]
    )  # fmt: skip
    path = write_table(tmp_path, "kobo" + suffix, header, rows)

    with unchanged():
        output, status = run_import("assessments", str(path), "--dry-run")
    assert status == 0, output
    assert "Dry run: 2 rows checked, 2 would be created" in output
    assert "Warnings" not in output  # Kobo's own columns and option columns are skipped quietly

    output, status = run_import("assessments", str(path))
    assert status == 0, output
    saved = Assessment.objects.get(uuid=first.removeprefix("uuid:"))
    assert (saved.child, saved.wave, saved.respondent) == (child, wave, "caregiver")
    assert saved.assessed_on.isoformat() == "2026-11-20"
    assert saved.answers == {"cg_meals": 1, "cg_hungry": "yes", "cg_worries": ["dark", "school"]}
    assert saved.status == Assessment.Status.SUBMITTED
    profile = RiskProfile.objects.get(child=child, wave=wave)
    assert profile.nutrition == "high"  # scored like any other assessment
    assert AuditEntry.objects.filter(object_type="assessment", child_id=child.pk).exists()
    assert AuditEntry.objects.filter(object_type="import", detail__kind="assessments").exists()

    with unchanged():
        output, status = run_import("assessments", str(path))
    assert status == 0
    assert "0 created, 0 updated, 2 unchanged; nothing needed changing" in output
    assert Assessment.objects.count() == 2


def test_an_odk_central_export_becomes_nurse_assessments_once(wave, child, tmp_path):
    key = f"uuid:{uuid.uuid4()}"
    header, rows = odk_central_nurse_export(
        [{"child_id": child.pk, "height": "121.5", "weight": "22.4", "abuse": "no",
          "instance": key}]
    )  # fmt: skip
    path = write_table(tmp_path, "odk.csv", header, rows)
    output, status = run_import("assessments", str(path))
    assert status == 0, output
    assert "Warnings" not in output
    saved = Assessment.objects.get(uuid=key.removeprefix("uuid:"))
    assert saved.respondent == "nurse"
    assert saved.answers == {"ns_height": 121.5, "ns_weight": 22.4, "ns_abuse": "no"}
    assert saved.assessed_on.isoformat() == "2026-11-19"
    with unchanged():
        output, _ = run_import("assessments", str(path))
    assert "1 unchanged" in output


def test_a_changed_answer_in_a_later_export_updates_the_same_record(wave, child, tmp_path):
    key = f"uuid:{uuid.uuid4()}"
    header, rows = odk_central_nurse_export(
        [{"child_id": child.pk, "height": "121", "instance": key}]
    )
    run_import("assessments", str(write_table(tmp_path, "a.csv", header, rows)))
    header, rows = odk_central_nurse_export(
        [{"child_id": child.pk, "height": "122", "instance": key}]
    )
    output, status = run_import("assessments", str(write_table(tmp_path, "b.csv", header, rows)))
    assert status == 0 and "0 created, 1 updated" in output
    assert Assessment.objects.get().answers["ns_height"] == 122


def test_another_schools_child_is_refused(wave, child, other_child, people, tmp_path):
    """fiona works at Sunrise; other_child is at Hilltop. A plain file that says the row is
    from Sunrise is refused too."""
    header, rows = odk_central_nurse_export(
        [{"child_id": other_child.pk, "height": "120", "submitter": "fiona"}]
    )
    path = write_table(tmp_path, "odk.csv", header, rows)
    with unchanged():
        output, status = run_import("assessments", str(path))
    assert status == 1
    assert (
        f"row 2, column submitter_name: fiona is not assigned to child {other_child.pk}'s school"
        in output
    )
    plain = write_table(
        tmp_path,
        "plain.csv",
        ["child_id", "school_emis", "assessed_on", "ns_height"],
        [[other_child.pk, "700111111", "2026-11-20", "120"]],
    )
    with unchanged():
        output, status = run_import("assessments", str(plain))
    assert status == 1
    assert f"row 2, column school_emis: child {other_child.pk} is at another school, not " \
        "700111111" in output  # fmt: skip


def test_a_submission_from_an_assigned_person_records_them_as_the_assessor(
    wave, child, people, tmp_path
):
    header, rows = odk_central_nurse_export(
        [{"child_id": child.pk, "height": "120", "submitter": "fiona"}]
    )
    run_import("assessments", str(write_table(tmp_path, "odk.csv", header, rows)))
    assert Assessment.objects.get().assessor == people["fiona"]


def test_broken_submissions_are_named_by_row_and_column_and_nothing_is_written(
    wave, child, other_child, tmp_path
):
    same = f"uuid:{uuid.uuid4()}"
    header, rows = kobo_caregiver_export(
        [
            {"child_id": child.pk, "meals": 9, "instance": f"uuid:{uuid.uuid4()}"},
            {"child_id": 999999, "meals": 2},
            {"child_id": other_child.pk, "meals": 2, "instance": same},
            {"child_id": other_child.pk, "meals": 2, "instance": same},
            {"child_id": child.pk, "meals": 2, "today": "someday"},
        ]
    )
    header[header.index("start")] = "started"  # only "today" can date these rows
    path = write_table(tmp_path, "kobo.csv", header, rows)
    with unchanged():
        output, status = run_import("assessments", str(path))
    assert status == 1
    assert f"{path}: row 2, column cg_meals: Between 0 and 6 meals" in output
    assert "row 3, column child_id: child_id '999999' is not a child in CWTT" in output
    assert "row 5, column meta_instance_id: this submission" in output
    assert "appears again on row 5; it is already on row 4" in output
    assert "row 6, column today: today 'someday' is not a date CWTT can read" in output
    assert Assessment.objects.count() == 0


def test_a_second_questionnaire_of_a_kind_for_a_child_is_a_row_error(wave, child, tmp_path):
    header, rows = kobo_caregiver_export([{"child_id": child.pk, "meals": 3}])
    run_import("assessments", str(write_table(tmp_path, "a.csv", header, rows)))
    header, rows = kobo_caregiver_export([{"child_id": child.pk, "meals": 4}])
    with unchanged():
        output, status = run_import(
            "assessments", str(write_table(tmp_path, "b.csv", header, rows))
        )
    assert status == 1
    assert "row 2, column child_id: A caregiver questionnaire for this child in this wave was " \
        "already sent" in output  # fmt: skip


def test_a_plain_file_without_instance_ids_is_still_safe_to_import_twice(wave, child, tmp_path):
    path = write_table(
        tmp_path,
        "teacher.xlsx",
        ["child_id", "assessed_on", "tc_abuse", "tc_absent"],
        [[child.pk, "2026-11-18", "no", 6]],
    )
    output, status = run_import("assessments", str(path))
    assert status == 0 and "1 created" in output
    assert Assessment.objects.get().respondent == "teacher"
    with unchanged():
        output, _ = run_import("assessments", str(path))
    assert "1 unchanged" in output


def test_the_questionnaire_and_wave_can_be_named_and_must_exist(wave, child, tmp_path):
    path = write_table(
        tmp_path, "x.csv", ["child_id", "assessed_on", "note"], [[child.pk, "2026-11-18", "x"]]
    )
    with pytest.raises(CommandError, match="cannot tell which questionnaire"):
        run_import("assessments", str(path))
    with pytest.raises(CommandError, match="no wave named 'Wave 9'"):
        run_import("assessments", str(path), "--wave", "Wave 9")
    with pytest.raises(CommandError, match="'pilot' is not a questionnaire"):
        run_import("assessments", str(path), "--questionnaire", "pilot")


def test_a_roster_form_export_with_group_paths_imports_as_a_class_list(sunrise, tmp_path):
    """A class list gathered with a Kobo roster form (groups child/ and caregiver/), and the
    same from ODK Central (groups joined with -)."""
    kobo = [
        "start", "end", "school_emis", "class_name", "grade", "year",
        "child/first_name", "child/last_name", "child/date_of_birth", "child/sex",
        "caregiver/caregiver_first_name", "caregiver/caregiver_last_name", "_id", "_uuid",
        "_submission_time",
    ]  # fmt: skip
    row = ["2026-11-20T10:00:00", "2026-11-20T10:05:00", "700111111", "2A", "2", "2026",
           "Naledi", "Khumalo", "2018-12-01", "F", "Precious", "Khumalo", "11", str(uuid.uuid4()),
           "2026-11-20T08:10:02"]  # fmt: skip
    output, status = run_import("children", str(write_table(tmp_path, "kobo.csv", kobo, [row])))
    assert status == 0 and "1 created" in output and "Warnings" not in output
    odk = [name.replace("/", "-") for name in kobo]
    with unchanged():
        output, status = run_import("children", str(write_table(tmp_path, "odk.csv", odk, [row])))
    assert status == 0 and "1 unchanged" in output
    assert Child.objects.get().first_name == "Naledi"


def test_two_group_columns_that_stand_for_one_column_are_refused(sunrise, tmp_path):
    header = ["school_emis", "class_name", "grade", "year", "child/first_name", "last_name",
              "date_of_birth", "sex", "sibling/first_name", "caregiver_first_name",
              "caregiver_last_name"]  # fmt: skip
    path = write_table(tmp_path, "kobo.csv", header, [["x"] * len(header)])
    with unchanged(), pytest.raises(
        CommandError, match="the columns child/first_name and sibling/first_name both stand "
        "for first_name; rename or remove one."
    ):  # fmt: skip
        run_import("children", str(path))


def test_a_kobo_export_with_semicolons_is_read_too(wave, child, tmp_path):
    """KoboToolbox writes its CSV exports with ; between the cells."""
    header, rows = kobo_caregiver_export([{"child_id": child.pk, "meals": 3}])
    path = tmp_path / "kobo.csv"
    path.write_text(
        "\n".join(";".join(cells) for cells in [header, *rows]) + "\n", encoding="utf-8"
    )
    output, status = run_import("assessments", str(path))
    assert status == 0 and "1 created" in output and "Warnings" not in output
